import { describe, expect, it } from 'vitest';
import xml from '@xmpp/xml';
import { parseItem, parseItemsResult } from '../../../../src/protocol/pubsub/items.js';
import { NS } from '../../../../src/protocol/namespaces.js';
import { parseXmlElement } from '../../../../src/protocol/xml.js';

describe('parseItem', () => {
  it('#12.7 reports an item whose payload is nested deeper than 64 levels', () => {
    const deep = (levels: number) => {
      let payload = xml('a');
      for (let level = 1; level < levels; level++) payload = xml('a', {}, payload);
      return xml('item', { id: 'deep' }, payload);
    };
    expect(parseItem(deep(64)).payload).toBeDefined();
    const item = parseItem(deep(65));
    expect(item.payload).toBeUndefined();
    expect(item.problem).toBe('item payload is nested deeper than 64 levels');
  });

  it('returns the single payload element with id and publisher', () => {
    const entry = xml('entry', { xmlns: NS.atom }, xml('title', {}, 'hello'));
    const item = parseItem(xml('item', { id: 'post-1', publisher: 'alice@localhost' }, entry));
    expect(item.id).toBe('post-1');
    expect(item.publisher).toBe('alice@localhost');
    expect(item.payload).toBe(entry);
    expect(item.problem).toBeUndefined();
  });

  it('ignores whitespace text around the payload', () => {
    const item = parseItem(
      parseXmlElement(
        `<item id='a'>\n  <encrypted xmlns='${NS.oxps}' key='k'>AAAA</encrypted>\n</item>`,
        'item',
      ),
    );
    expect(item.payload?.name).toBe('encrypted');
    expect(item.problem).toBeUndefined();
  });

  it('reports an item with no payload', () => {
    const item = parseItem(xml('item', { id: 'empty' }));
    expect(item.id).toBe('empty');
    expect(item.payload).toBeUndefined();
    expect(item.problem).toBe('item has no payload');
  });

  it('reports an item holding only text as having no payload', () => {
    const item = parseItem(xml('item', { id: 'text' }, 'just text'));
    expect(item.payload).toBeUndefined();
    expect(item.problem).toBe('item has no payload');
  });

  it('reports an item with two payload elements', () => {
    const item = parseItem(
      xml(
        'item',
        { id: 'two' },
        xml('encrypted', { xmlns: NS.oxps, key: 'k' }, 'AAAA'),
        xml('entry', { xmlns: NS.atom }),
      ),
    );
    expect(item.payload).toBeUndefined();
    expect(item.problem).toBe('item has 2 payload elements (exactly one expected)');
  });

  it('uses an empty id when the item has none', () => {
    expect(parseItem(xml('item', {}, xml('entry', { xmlns: NS.atom }))).id).toBe('');
  });
});

describe('parseItemsResult', () => {
  it('parses every item of a pubsub items result', () => {
    const result = xml(
      'iq',
      { type: 'result' },
      xml(
        'pubsub',
        { xmlns: NS.pubsub },
        xml(
          'items',
          { node: 'n' },
          xml('item', { id: 'a' }, xml('entry', { xmlns: NS.atom })),
          xml('item', { id: 'b' }),
        ),
      ),
    );
    const page = parseItemsResult(result);
    expect(page.items.map((i) => i.id)).toEqual(['a', 'b']);
    expect(page.items[0]!.payload?.name).toBe('entry');
    expect(page.items[1]!.problem).toBe('item has no payload');
  });

  it('returns no items for a result without <pubsub>', () => {
    expect(parseItemsResult(xml('iq', { type: 'result' })).items).toEqual([]);
  });
});
