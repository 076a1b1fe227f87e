// The nodes of a service (XEP-0060 §5.2, disco#items without a node) and the entity's
// affiliations across them (XEP-0060 §5.7).
import xml, { type Element } from '@xmpp/xml';
import { NS } from '../namespaces.js';
import { pubsubIq } from './pubsubIq.js';
import type { Affiliation } from './node.js';

/** A service lists at most this many nodes to us; more are not read (a hostile service could send millions). */
export const MAX_LISTED_NODES = 10_000;

export function serviceNodesIq(service: string): Element {
  return xml('iq', { type: 'get', to: service }, xml('query', { xmlns: NS.discoItems }));
}

export function parseServiceNodes(result: Element): string[] {
  const items = result.getChild('query', NS.discoItems)?.getChildren('item') ?? [];
  const nodes = items
    .slice(0, MAX_LISTED_NODES)
    .map((item) => item.attrs.node ?? '')
    .filter((node) => node.length > 0);
  return [...new Set(nodes)];
}

export function ownAffiliationsIq(service: string): Element {
  return pubsubIq('get', service, NS.pubsub, xml('affiliations'));
}

/** Node → our affiliation with it. */
export function parseOwnAffiliations(result: Element): Map<string, Affiliation> {
  const entries =
    result.getChild('pubsub', NS.pubsub)?.getChild('affiliations')?.getChildren('affiliation') ?? [];
  return new Map(
    entries
      .slice(0, MAX_LISTED_NODES)
      .filter((e) => e.attrs.node)
      .map((e) => [e.attrs.node as string, e.attrs.affiliation as Affiliation]),
  );
}
