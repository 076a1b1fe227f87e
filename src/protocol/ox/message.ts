// The OX message stanza (XEP-0373 §3), as Libervia sends it: a message without type or body, with
// the XEP-0334 store hint, plus the XEP-0380 EME tag. <openpgp/> stays a direct child of
// <message/>, where Prosody's mod_e2e_policy looks for it.
import { randomBytes } from 'node:crypto';
import xml, { type Element } from '@xmpp/xml';
import { NS } from '../namespaces.js';
import { buildOpenpgpElement } from './openpgpElement.js';

export function oxMessage(recipient: string, ciphertext: Uint8Array): Element {
  return xml(
    'message',
    { to: recipient, id: randomBytes(9).toString('base64url') },
    buildOpenpgpElement(ciphertext),
    xml('store', { xmlns: NS.hints }),
    xml('encryption', { xmlns: NS.eme, namespace: NS.ox, name: 'OpenPGP for XMPP' }),
  );
}
