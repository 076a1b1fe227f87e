// XEP-0277 microblogging: Atom entries (RFC 4287) as item payloads, and reading them back.
import xml, { type Element } from '@xmpp/xml';
import { NS } from './namespaces.js';
import { xep82DateTime } from './datetime.js';
import { localOf } from '../xmpp/jid.js';

export const XHTML = 'http://www.w3.org/1999/xhtml';

export interface AtomEntryInput {
  title: string;
  /** Plain text body. */
  text?: string;
  /** XHTML body: a <div xmlns='http://www.w3.org/1999/xhtml'> element. */
  xhtml?: Element;
  authorJid: string;
  /** The entry's id: XEP-0277 uses the item's xmpp: URI. */
  id: string;
  date: Date;
}

export function buildAtomEntry({ title, text, xhtml, authorJid, id, date }: AtomEntryInput): Element {
  const stamp = xep82DateTime(date);
  return xml(
    'entry',
    { xmlns: NS.atom },
    xml('title', { type: 'text' }, title),
    xml('id', {}, id),
    xml('published', {}, stamp),
    xml('updated', {}, stamp),
    xml('author', {}, xml('name', {}, localOf(authorJid)), xml('uri', {}, `xmpp:${authorJid}`)),
    xhtml && xml('content', { type: 'xhtml' }, xhtml),
    text !== undefined && xml('content', { type: 'text' }, text),
  );
}

/** XEP-0277 §3.1: the entry id is the xmpp: URI of the item. */
export function itemUri(service: string, node: string, itemId: string): string {
  return `${nodeUri(service, node)};item=${encodeURIComponent(itemId)}`;
}

export interface AtomEntryView {
  title?: string;
  published?: string;
  updated?: string;
  author?: string;
  /** The text to read: the text content, else the text of the XHTML or HTML one. */
  body: string;
  /** The XHTML content's <div>, serialized, when the entry has one. */
  xhtml?: string;
}

/** What a person wants to read of an entry; undefined when the element is not an Atom entry. */
export function readAtomEntry(element: Element): AtomEntryView | undefined {
  if (!element.is('entry', NS.atom)) return undefined;
  const author = element.getChild('author');
  const contents = element.getChildren('content');
  const text = contents.find((c) => (c.attrs.type ?? 'text') === 'text');
  const rich = contents.find((c) => c.attrs.type === 'xhtml' || c.attrs.type === 'html');
  const body = text ? text.text() : rich ? textOf(rich) : '';
  const xhtml = contents.find((c) => c.attrs.type === 'xhtml')?.getChild('div', XHTML);
  return {
    title: element.getChildText('title') ?? undefined,
    published: element.getChildText('published') ?? undefined,
    updated: element.getChildText('updated') ?? undefined,
    author: author?.getChildText('name') ?? author?.getChildText('uri') ?? undefined,
    body: body.trim(),
    ...(xhtml ? { xhtml: xhtml.toString() } : {}),
  };
}

const BLOCKS = new Set([
  'p',
  'div',
  'li',
  'br',
  'h1',
  'h2',
  'h3',
  'h4',
  'h5',
  'h6',
  'pre',
  'blockquote',
  'tr',
]);

/** Text of an XHTML fragment, with line breaks where blocks end. */
function textOf(element: Element): string {
  return element.children
    .map((child) => {
      if (typeof child === 'string') return child;
      const inner = textOf(child);
      return BLOCKS.has(child.name) ? `${inner}\n` : inner;
    })
    .join('');
}

/**
 * RFC 4287 §4.1.1: a feed has an id, a title and an updated date, and an author unless every
 * entry names one: the service, where the entries' own authors do not say otherwise.
 */
export function atomFeed(
  entries: Element[],
  title: string,
  id: string,
  author: string,
  updated = new Date(),
): Element {
  // the entries inherit the feed's default namespace
  for (const entry of entries) delete entry.attrs.xmlns;
  return xml(
    'feed',
    { xmlns: NS.atom },
    xml('id', {}, id),
    xml('title', {}, title),
    xml('updated', {}, xep82DateTime(updated)),
    xml('author', {}, xml('name', {}, author), xml('uri', {}, `xmpp:${author}`)),
    ...entries,
  );
}

/** Elements an entry holds at most once (RFC 4287 §4.1.2). */
const SINGLE = ['content', 'id', 'published', 'rights', 'source', 'summary', 'title', 'updated'];
/** Which content a feed keeps of several (XEP-0277 entries may carry XHTML and its text source). */
const CONTENT_PREFERENCE = ['xhtml', 'html', 'text'];

/**
 * An entry as RFC 4287 wants it in a feed, whatever the item held: one content (the richest),
 * at most one of each single element, and the id, title and updated date it must have: the
 * item's xmpp: URI, an empty title, its published date or else `updated`. An entry without
 * content links to the item instead (§4.1.2). Changes `entry` in place.
 */
export function entryForFeed(entry: Element, itemId: string, updated: Date): Element {
  const contents = entry.getChildren('content');
  const kept =
    CONTENT_PREFERENCE.map((type) => contents.find((c) => (c.attrs.type ?? 'text') === type)).find(Boolean) ??
    contents[0];
  const seen = new Set<string>();
  entry.children = entry.children.filter((child) => {
    if (
      typeof child === 'string' ||
      !SINGLE.includes(child.name) ||
      (child.attrs.xmlns !== undefined && child.attrs.xmlns !== NS.atom)
    )
      return true;
    if (child.name === 'content') return child === kept;
    if (seen.has(child.name)) return false;
    seen.add(child.name);
    return true;
  });
  if (!seen.has('id')) entry.append(xml('id', {}, itemId));
  if (!seen.has('title')) entry.append(xml('title', {}));
  if (!seen.has('updated'))
    entry.append(xml('updated', {}, entry.getChildText('published') ?? xep82DateTime(updated)));
  if (!kept) entry.append(xml('link', { rel: 'alternate', href: itemId }));
  return entry;
}

/** The xmpp: URI of a node (XEP-0060 §12.22). */
export function nodeUri(service: string, node: string): string {
  return `xmpp:${service}?;node=${encodeURIComponent(node)}`;
}
