import { describe, expect, it } from 'vitest';
import { parseJsonl } from '../../../src/app/bulkPublish.js';
import { parsePayload } from '../../../src/app/publish.js';
import { readItem } from '../../../src/app/fetch.js';
import { parseXmlElement } from '../../../src/protocol/xml.js';
import { OxpsError } from '../../../src/errors.js';
import { thrown } from '../../helpers/thrown.js';

describe('payloads', () => {
  it('#16.3 publish FILE and --jsonl follow one rule: an element that declares its namespace', () => {
    expect(parsePayload('<x xmlns="urn:example"/>', 'payload file x.xml').getNS()).toBe('urn:example');
    expect(thrown(OxpsError, () => parsePayload('<x/>', 'payload file x.xml')).message).toBe(
      'payload file x.xml: <x> declares no namespace',
    );
    expect(thrown(OxpsError, () => parseJsonl('{"payload": "<x/>"}')).message).toBe(
      'the payload of JSONL line 1: <x> declares no namespace',
    );
  });

  it('#16.3 a fetched item hands its element over, parsed once, and keeps it out of JSON', async () => {
    const item = await readItem(
      {
        id: 'a',
        payload: parseXmlElement(
          '<entry xmlns="http://www.w3.org/2005/Atom"><title>t</title></entry>',
          'test',
        ),
      },
      undefined,
    );
    if (item.status !== 'plaintext') throw new Error(`expected a plaintext item, got ${item.status}`);
    expect(item.element().getChildText('title')).toBe('t');
    expect(item.element()).toBe(item.element());
    expect(JSON.parse(JSON.stringify(item))).toEqual({ id: 'a', status: 'plaintext', xml: item.xml });
  });
});
