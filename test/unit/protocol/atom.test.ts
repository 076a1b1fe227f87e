import { describe, expect, it } from 'vitest';
import { atomFeed, entryForFeed, readAtomEntry } from '../../../src/protocol/atom.js';
import { parseXmlElement } from '../../../src/protocol/xml.js';
import { atomRfc4287Problems } from '../../helpers/atomRules.js';

const ATOM = 'http://www.w3.org/2005/Atom';
const UPDATED = new Date('2026-01-02T03:04:05Z');

function feedOf(...entries: string[]): string {
  const feed = atomFeed([], 'title', 'xmpp:a@b?;node=n', 'a@b', UPDATED).toString().replace('</feed>', '');
  return `${feed}${entries
    .map((entry, i) => {
      const element = parseXmlElement(entry, 'entry');
      delete element.attrs.xmlns;
      return entryForFeed(element, `xmpp:a@b?;node=n;item=${i}`, UPDATED).toString();
    })
    .join('')}</feed>`;
}

describe('Atom entries in a feed (RFC 4287)', () => {
  it('#17.11 keeps one content (the XHTML of a rich post) and one of each single element', () => {
    const feed = feedOf(
      `<entry xmlns='${ATOM}'><title>a</title><title>b</title><id>urn:x:1</id><updated>2026-01-01T00:00:00Z</updated>` +
        `<content type='xhtml'><div xmlns='http://www.w3.org/1999/xhtml'><p>rich</p></div></content><content type='text'>source</content></entry>`,
    );
    expect(atomRfc4287Problems(feed)).toEqual([]);
    expect(feed).toContain('<p>rich</p>');
    expect(feed).not.toContain('source');
    expect(feed).toContain('<title>a</title>');
  });

  it('#17.11 gives an entry what it lacks: id, title, updated, and a link where it has no content', () => {
    const feed = feedOf(`<entry xmlns='${ATOM}'><published>2025-05-05T05:05:05Z</published></entry>`);
    expect(atomRfc4287Problems(feed)).toEqual([]);
    expect(feed).toContain('<updated>2025-05-05T05:05:05Z</updated>');
    expect(feed).toContain('<link rel="alternate" href="xmpp:a@b?;node=n;item=0"/>');
  });

  it('#17.11 the rules checker catches two contents', () => {
    const twice =
      `<feed xmlns='${ATOM}'><id>urn:f</id><title>t</title><updated>2026-01-01T00:00:00Z</updated><author><name>a</name></author>` +
      `<entry><id>urn:e</id><title>t</title><updated>2026-01-01T00:00:00Z</updated><content>a</content><content>b</content></entry></feed>`;
    expect(atomRfc4287Problems(twice)).toEqual([expect.stringContaining('more than one atom:content')]);
  });

  it('#17.12 reads the XHTML content beside the text', () => {
    const view = readAtomEntry(
      parseXmlElement(
        `<entry xmlns='${ATOM}'><content type='xhtml'><div xmlns='http://www.w3.org/1999/xhtml'><p>x <em>y</em></p></div></content><content type='text'>x *y*</content></entry>`,
        'entry',
      ),
    );
    expect(view).toEqual({
      body: 'x *y*',
      xhtml: '<div xmlns="http://www.w3.org/1999/xhtml"><p>x <em>y</em></p></div>',
    });
  });
});
