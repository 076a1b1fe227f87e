// XEP-0060 §5.5 (via XEP-0030): the ids of a node's items, without their payloads.
import xml, { type Element } from '@xmpp/xml';
import { NS } from '../namespaces.js';

export function nodeItemIdsIq(service: string, node: string): Element {
  return xml('iq', { type: 'get', to: service }, xml('query', { xmlns: NS.discoItems, node }));
}

export function parseNodeItemIds(result: Element): string[] {
  const query = result.getChild('query', NS.discoItems);
  return (query?.getChildren('item') ?? []).map((item) => item.attrs.name ?? '').filter((id) => id.length > 0);
}

export function discoInfoIq(to: string, node?: string): Element {
  return xml('iq', { type: 'get', to }, xml('query', { xmlns: NS.discoInfo, ...(node ? { node } : {}) }));
}

export function parseDiscoFeatures(result: Element): { features: string[]; identities: Array<{ category: string; type: string; name?: string }> } {
  const query = result.getChild('query', NS.discoInfo);
  return {
    features: (query?.getChildren('feature') ?? []).map((f) => f.attrs.var ?? ''),
    identities: (query?.getChildren('identity') ?? []).map((i) => ({ category: i.attrs.category ?? '', type: i.attrs.type ?? '', ...(i.attrs.name ? { name: i.attrs.name } : {}) })),
  };
}
