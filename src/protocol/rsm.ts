// XEP-0059 Result Set Management: request a page, read where the page ends.
import xml, { type Element } from '@xmpp/xml';
import { NS } from './namespaces.js';

export interface PageRequest {
  max: number;
  after?: string;
  before?: string;
}

export interface PageInfo {
  first?: string;
  last?: string;
  count?: number;
}

export function rsmSet({ max, after, before }: PageRequest): Element {
  return xml(
    'set',
    { xmlns: NS.rsm },
    xml('max', {}, String(max)),
    after !== undefined && xml('after', {}, after),
    before !== undefined && xml('before', {}, before),
  );
}

/** undefined when the answer carries no RSM set, i.e. the service does not page. */
export function parseRsm(container: Element | undefined): PageInfo | undefined {
  const set = container?.getChild('set', NS.rsm);
  if (!set) return undefined;
  const count = set.getChildText('count');
  return {
    first: set.getChildText('first') ?? undefined,
    last: set.getChildText('last') ?? undefined,
    count: count === null ? undefined : Number(count),
  };
}
