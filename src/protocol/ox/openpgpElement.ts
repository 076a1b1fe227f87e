// XEP-0373 §3.1 <openpgp xmlns='urn:xmpp:openpgp:0'>: base64 of a binary (not armored) OpenPGP message.
import xml, { type Element } from '@xmpp/xml';
import { NS } from '../namespaces.js';

export class MalformedOpenpgp extends Error {}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export function buildOpenpgpElement(message: Uint8Array): Element {
  return xml('openpgp', { xmlns: NS.ox }, Buffer.from(message).toString('base64'));
}

export function parseOpenpgpElement(element: Element): Uint8Array {
  const text = element.text().replace(/\s+/g, '');
  if (!text || text.length % 4 !== 0 || !BASE64.test(text))
    throw new MalformedOpenpgp('<openpgp> content is not valid base64');
  return Buffer.from(text, 'base64');
}
