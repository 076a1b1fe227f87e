// Builds the Atom entry of `publish --atom`: plain text, or Markdown rendered to XHTML (with the
// source kept as the text content, as Libervia does for its rich posts).
import MarkdownIt from 'markdown-it';
import { buildAtomEntry, itemUri, XHTML } from '../protocol/atom.js';
import { parseXmlElement, type Element } from '../protocol/xml.js';

export interface AtomRequest {
  title: string;
  content: string;
  markdown: boolean;
  authorJid: string;
  service: string;
  node: string;
  itemId: string;
}

export function atomEntry(request: AtomRequest): Element {
  const { title, content, markdown, authorJid, service, node, itemId } = request;
  const xhtml = markdown ? markdownToXhtml(content) : undefined;
  return buildAtomEntry({
    title,
    text: content,
    xhtml,
    authorJid,
    id: itemUri(service, node, itemId),
    date: new Date(),
  });
}

function markdownToXhtml(source: string): Element {
  // raw HTML off (escaped), xhtmlOut on: the output is well-formed XML
  const html = new MarkdownIt({ html: false, xhtmlOut: true, linkify: true }).render(source);
  return parseXmlElement(`<div xmlns="${XHTML}">${html}</div>`, 'rendered Markdown');
}
