// XEP-0060 §7.2 delete an item from a node. One item per request: Prosody reads only the first
// <item/> of a <retract/>.
import xml, { type Element } from '@xmpp/xml';
import { NS } from '../namespaces.js';
import { pubsubIq } from './pubsubIq.js';

export function retractIq(service: string, node: string, itemId: string, notify: boolean): Element {
  return pubsubIq(
    'set',
    service,
    NS.pubsub,
    xml('retract', notify ? { node, notify: 'true' } : { node }, xml('item', { id: itemId })),
  );
}

/** pubsub#notify_retract of a node configuration: undefined when the form does not say. */
export function notifiesRetractions(config: Record<string, string | string[]>): boolean | undefined {
  const value = config['pubsub#notify_retract'];
  if (typeof value !== 'string' || value === '') return undefined;
  return value === 'true' || value === '1';
}
