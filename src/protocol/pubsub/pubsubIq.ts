// Every XEP-0060 request is an IQ to the service carrying one <pubsub/> element: of the pubsub
// namespace for subscribers and publishers, of the owner namespace for owners (§8).
import xml, { type Element } from '@xmpp/xml';

export function pubsubIq(
  type: 'get' | 'set',
  service: string,
  xmlns: string,
  ...children: Array<Element | undefined>
): Element {
  return xml('iq', { type, to: service }, xml('pubsub', { xmlns }, ...children));
}
