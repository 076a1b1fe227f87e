// XEP-0060 §5.5 (via XEP-0030): the ids of a node's items, without their payloads.
import xml, { type Element } from '@xmpp/xml';
import { NS } from '../namespaces.js';

export function nodeItemIdsIq(service: string, node: string): Element {
  return xml('iq', { type: 'get', to: service }, xml('query', { xmlns: NS.discoItems, node }));
}

export function parseNodeItemIds(result: Element): string[] {
  const query = result.getChild('query', NS.discoItems);
  return (query?.getChildren('item') ?? [])
    .map((item) => item.attrs.name ?? '')
    .filter((id) => id.length > 0);
}

export function discoInfoIq(to: string, node?: string): Element {
  return xml('iq', { type: 'get', to }, xml('query', { xmlns: NS.discoInfo, ...(node ? { node } : {}) }));
}

export function parseDiscoFeatures(result: Element): {
  features: string[];
  identities: Array<{ category: string; type: string; name?: string }>;
} {
  const query = result.getChild('query', NS.discoInfo);
  return {
    features: (query?.getChildren('feature') ?? []).map((f) => f.attrs.var ?? ''),
    identities: (query?.getChildren('identity') ?? []).map((i) => ({
      category: i.attrs.category ?? '',
      type: i.attrs.type ?? '',
      ...(i.attrs.name ? { name: i.attrs.name } : {}),
    })),
  };
}

const META_DATA_FORM = 'http://jabber.org/protocol/pubsub#meta-data';
/** A node's owners are few; a list longer than this is not believed. */
const MAX_OWNERS = 64;

/** XEP-0060 §5.4: the owners a node's disco#info meta-data names (`pubsub#owner`), if any. */
export function parseNodeOwners(result: Element): string[] {
  const query = result.getChild('query', NS.discoInfo);
  const form = (query?.getChildren('x', NS.dataForms) ?? []).find((x) =>
    x
      .getChildren('field')
      .some((f) => f.attrs.var === 'FORM_TYPE' && f.getChildText('value') === META_DATA_FORM),
  );
  const field = form?.getChildren('field').find((f) => f.attrs.var === 'pubsub#owner');
  const owners = (field?.getChildren('value') ?? [])
    .map((v) => v.text().trim())
    .filter((jid) => jid.length > 0);
  return owners.length > MAX_OWNERS ? [] : [...new Set(owners)];
}
