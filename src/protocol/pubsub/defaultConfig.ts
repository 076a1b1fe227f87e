// XEP-0060 §8.3: the default node configuration of a service, and which access models its
// form offers — how to learn that a service has the whitelist model when its disco#info does
// not say so (Prosody's PEP advertises no pubsub#access-* feature).
import xml, { type Element } from '@xmpp/xml';
import { NS } from '../namespaces.js';
import { pubsubIq } from './pubsubIq.js';

export function defaultConfigurationIq(service: string): Element {
  return pubsubIq('get', service, NS.pubsubOwner, xml('default'));
}

/** The options of the form's pubsub#access_model field; undefined when the form has none. */
export function parseAccessModels(result: Element): string[] | undefined {
  const form = result.getChild('pubsub', NS.pubsubOwner)?.getChild('default')?.getChild('x', NS.dataForms);
  const field = form?.getChildren('field').find((f) => f.attrs.var === 'pubsub#access_model');
  if (!field) return undefined;
  return field
    .getChildren('option')
    .map((o) => o.getChildText('value') ?? '')
    .filter((v) => v !== '');
}
