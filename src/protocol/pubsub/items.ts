// XEP-0060 §6.5 retrieving items, with max_items, explicit ids, or RSM pages (XEP-0059).
import xml, { type Element } from '@xmpp/xml';
import { NS } from '../namespaces.js';
import { pubsubIq } from './pubsubIq.js';
import { MAX_XML_DEPTH, nestingDepth } from '../xml.js';
import { parseRsm, rsmSet, type PageInfo, type PageRequest } from '../rsm.js';

export interface ItemsQuery {
  maxItems?: number;
  ids?: string[];
  page?: PageRequest;
}

export function itemsIq(service: string, node: string, query: ItemsQuery = {}): Element {
  const attrs: Record<string, string> = { node };
  if (query.maxItems !== undefined) attrs.max_items = String(query.maxItems);
  return pubsubIq(
    'get',
    service,
    NS.pubsub,
    xml('items', attrs, ...(query.ids ?? []).map((id) => xml('item', { id }))),
    query.page && rsmSet(query.page),
  );
}

export interface PubsubItem {
  id: string;
  publisher?: string;
  /** The single payload element, or undefined when the item is malformed (see problem). */
  payload?: Element;
  problem?: string;
}

export interface ItemsPage {
  items: PubsubItem[];
  rsm?: PageInfo;
}

export function parseItemsResult(result: Element): ItemsPage {
  const pubsub = result.getChild('pubsub', NS.pubsub);
  const items = (pubsub?.getChild('items')?.getChildren('item') ?? []).map(parseItem);
  return { items, rsm: parseRsm(pubsub) };
}

/**
 * XEP-0060 §7.1.3.6: an item carries exactly one payload element; we also refuse one nested
 * deeper than a decrypted payload may be (the stream cuts deeper stanzas: see strictParser.ts).
 */
export function parseItem(item: Element): PubsubItem {
  const id = item.attrs.id ?? '';
  const publisher = item.attrs.publisher;
  const payloads = item.getChildElements();
  if (payloads.length === 1) {
    if (nestingDepth(payloads[0]!) > MAX_XML_DEPTH)
      return { id, publisher, problem: `item payload is nested deeper than ${MAX_XML_DEPTH} levels` };
    return { id, publisher, payload: payloads[0] };
  }
  return {
    id,
    publisher,
    problem:
      payloads.length === 0
        ? 'item has no payload'
        : `item has ${payloads.length} payload elements (exactly one expected)`,
  };
}
