// Issue 13.1: signed --jsonl batches read "sign" per line; the nodes of a service are listed for
// the attachments nodes whose whitelist follows the node's; requests are pipelined.
import { describe, expect, it } from 'vitest';
import xml from '@xmpp/xml';
import { parseJsonl } from '../../../src/app/bulkPublish.js';
import { parseServiceNodes } from '../../../src/protocol/pubsub/nodeList.js';
import { pipelined } from '../../../src/app/pipelined.js';
import { OxpsError } from '../../../src/errors.js';

describe('signed batches', () => {
  it('#13.1 parseJsonl reads "sign": true/false per line, and only booleans', () => {
    const items = parseJsonl(
      [
        JSON.stringify({ payload: "<a xmlns='urn:x'/>", sign: true }),
        JSON.stringify({ payload: "<b xmlns='urn:x'/>", sign: false }),
        JSON.stringify({ payload: "<c xmlns='urn:x'/>" }),
      ].join('\n'),
    );
    expect(items.map((item) => item.sign)).toEqual([true, false, undefined]);
    const bad = () => parseJsonl(JSON.stringify({ payload: "<a xmlns='urn:x'/>", sign: 'yes' }));
    expect(bad).toThrow(OxpsError);
    expect(bad).toThrow(/JSONL line 1: "sign" must be true or false/);
  });

  it('#13.1 parseServiceNodes lists the node names of a disco#items answer', () => {
    const result = xml(
      'iq',
      { type: 'result' },
      xml(
        'query',
        { xmlns: 'http://jabber.org/protocol/disco#items' },
        xml('item', { jid: 'alice@localhost', node: 'urn:xmpp:microblog:0' }),
        xml('item', {
          jid: 'alice@localhost',
          node: 'urn:xmpp:pubsub-attachments:1/xmpp:alice@localhost?;node=urn%3Axmpp%3Amicroblog%3A0;item=x',
        }),
        xml('item', { jid: 'alice@localhost' }),
      ),
    );
    expect(parseServiceNodes(result)).toEqual([
      'urn:xmpp:microblog:0',
      'urn:xmpp:pubsub-attachments:1/xmpp:alice@localhost?;node=urn%3Axmpp%3Amicroblog%3A0;item=x',
    ]);
  });

  it('#13.1 pipelined keeps at most `window` calls in flight, runs them all, and throws the first failure', async () => {
    let inFlight = 0;
    let most = 0;
    const done: number[] = [];
    await pipelined(
      Array.from({ length: 50 }, (_, i) => i),
      4,
      async (i) => {
        inFlight++;
        most = Math.max(most, inFlight);
        await new Promise((resolve) => setImmediate(resolve));
        inFlight--;
        done.push(i);
      },
    );
    expect(most).toBe(4);
    expect(done.sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    await expect(
      pipelined([1, 2, 3], 2, async (i) => {
        if (i === 2) throw new Error('two');
      }),
    ).rejects.toThrow('two');
  });
});
