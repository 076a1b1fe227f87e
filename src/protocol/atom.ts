// XEP-0277 microblogging: Atom entries (RFC 4287) as item payloads, and reading them back.
import xml, { type Element } from '@xmpp/xml';
import { NS } from './namespaces.js';
import { xep82DateTime } from './datetime.js';

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
  return xml('entry', { xmlns: NS.atom },
    xml('title', { type: 'text' }, title),
    xml('id', {}, id),
    xml('published', {}, stamp),
    xml('updated', {}, stamp),
    xml('author', {}, xml('name', {}, authorJid.split('@')[0]!), xml('uri', {}, `xmpp:${authorJid}`)),
    xhtml && xml('content', { type: 'xhtml' }, xhtml),
    text !== undefined && xml('content', { type: 'text' }, text));
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
  body: string;
}

/** What a person wants to read of an entry; undefined when the element is not an Atom entry. */
export function readAtomEntry(element: Element): AtomEntryView | undefined {
  if (!element.is('entry', NS.atom)) return undefined;
  const author = element.getChild('author');
  const contents = element.getChildren('content');
  const text = contents.find((c) => (c.attrs.type ?? 'text') === 'text');
  const rich = contents.find((c) => c.attrs.type === 'xhtml' || c.attrs.type === 'html');
  const body = text ? text.text() : rich ? textOf(rich) : '';
  return {
    title: element.getChildText('title') ?? undefined,
    published: element.getChildText('published') ?? undefined,
    updated: element.getChildText('updated') ?? undefined,
    author: author?.getChildText('name') ?? author?.getChildText('uri') ?? undefined,
    body: body.trim(),
  };
}

const BLOCKS = new Set(['p', 'div', 'li', 'br', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'pre', 'blockquote', 'tr']);

/** Text of an XHTML fragment, with line breaks where blocks end. */
function textOf(element: Element): string {
  return element.children.map((child) => {
    if (typeof child === 'string') return child;
    const inner = textOf(child);
    return BLOCKS.has(child.name) ? `${inner}\n` : inner;
  }).join('');
}

/** RFC 4287 §4.1.1: a feed has an id, a title and an updated date. */
export function atomFeed(entries: Element[], title: string, id: string, updated = new Date()): Element {
  // the entries inherit the feed's default namespace
  for (const entry of entries) delete entry.attrs.xmlns;
  return xml('feed', { xmlns: NS.atom }, xml('id', {}, id), xml('title', {}, title), xml('updated', {}, xep82DateTime(updated)), ...entries);
}

/** The xmpp: URI of a node (XEP-0060 §12.22). */
export function nodeUri(service: string, node: string): string {
  return `xmpp:${service}?;node=${encodeURIComponent(node)}`;
}
