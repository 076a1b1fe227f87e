// What oxps says about itself as an XMPP client: an available presence (RFC 6121 §4.2), after
// which the server delivers offline messages and live ones, and its disco#info (XEP-0030 §3.1).
import xml, { type Element } from '@xmpp/xml';
import { NS } from './namespaces.js';

export function availablePresence(): Element {
  return xml('presence', {}, xml('priority', {}, '0'));
}

export function clientDiscoInfo(): Element {
  return xml(
    'query',
    { xmlns: NS.discoInfo },
    xml('identity', { category: 'client', type: 'pc', name: 'oxps' }),
    ...[NS.discoInfo, NS.ox, NS.oxps, 'urn:xmpp:ping'].map((v) => xml('feature', { var: v })),
  );
}
