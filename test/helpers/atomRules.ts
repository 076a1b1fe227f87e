// The rules of RFC 4287 that a feed oxps writes must keep (no maintained validator on npm
// checks them: the feed parsers there are lenient by design, taking the first or last of two
// <content>s). Returns one line per broken rule; [] for a valid feed.
import type { Element } from '@xmpp/xml';
import { parseXmlElement } from '../../src/protocol/xml.js';

const ATOM = 'http://www.w3.org/2005/Atom';
const XHTML = 'http://www.w3.org/1999/xhtml';
/** RFC 3339 date-time (§3.3). */
const DATE_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/i;

export function atomRfc4287Problems(document: string): string[] {
  const feed = parseXmlElement(document.replace(/^<\?xml[^>]*\?>\s*/, ''), 'feed');
  if (!feed.is('feed', ATOM)) return [`the root is <${feed.name}>, not atom:feed`];
  const problems = containerProblems(feed, 'feed');
  const entries = atomChildren(feed, 'entry');
  const feedHasAuthor = atomChildren(feed, 'author').length > 0;
  entries.forEach((entry, index) => {
    const where = `entry ${index + 1} (${atomChildren(entry, 'id')[0]?.text() ?? 'no id'})`;
    problems.push(...containerProblems(entry, where));
    for (const name of ['content', 'published', 'summary', 'rights', 'source']) {
      if (atomChildren(entry, name).length > 1)
        problems.push(`${where}: more than one atom:${name} (§4.1.2)`);
    }
    if (!feedHasAuthor && atomChildren(entry, 'author').length === 0)
      problems.push(`${where}: no atom:author, nor one in the feed (§4.1.1, §4.1.2)`);
    const content = atomChildren(entry, 'content')[0];
    const alternate = atomChildren(entry, 'link').some(
      (link) => (link.attrs.rel ?? 'alternate') === 'alternate',
    );
    if (!content && !alternate) problems.push(`${where}: no atom:content and no alternate link (§4.1.2)`);
    if (content?.attrs.type === 'xhtml') {
      const elements = content.children.filter((c): c is Element => typeof c !== 'string');
      const text = content.children
        .filter((c): c is string => typeof c === 'string')
        .join('')
        .trim();
      if (elements.length !== 1 || !elements[0]!.is('div', XHTML) || text)
        problems.push(`${where}: xhtml content is not one XHTML div (§3.1.1.3)`);
    }
    const published = atomChildren(entry, 'published')[0];
    if (published && !DATE_TIME.test(published.text()))
      problems.push(`${where}: atom:published is not an RFC 3339 date-time (§3.3)`);
  });
  return problems;
}

/** What feed and entry both need: one id (an IRI), one title, one updated date (§4.1.1, §4.1.2). */
function containerProblems(element: Element, where: string): string[] {
  const problems: string[] = [];
  for (const name of ['id', 'title', 'updated']) {
    const count = atomChildren(element, name).length;
    if (count !== 1) problems.push(`${where}: ${count} atom:${name} instead of one`);
  }
  const id = atomChildren(element, 'id')[0]?.text() ?? '';
  if (id && !/^[a-z][a-z0-9+.-]*:/i.test(id))
    problems.push(`${where}: atom:id "${id}" is not an absolute IRI (§4.2.6)`);
  const updated = atomChildren(element, 'updated')[0];
  if (updated && !DATE_TIME.test(updated.text()))
    problems.push(`${where}: atom:updated is not an RFC 3339 date-time (§3.3)`);
  return problems;
}

function atomChildren(element: Element, name: string): Element[] {
  return element.getChildren(name).filter((child) => child.is(name, ATOM));
}
