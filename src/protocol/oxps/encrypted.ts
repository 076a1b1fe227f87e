// XEP-0473 §5 encrypted item payload: <encrypted xmlns='urn:xmpp:openpgp:pubsub:0' key='ID'>BASE64</encrypted>.
// The spec's prose names the attribute "secret"; its example and Libervia use "key": we follow them.
import xml, { type Element } from '@xmpp/xml';
import { NS } from '../namespaces.js';

export interface EncryptedPayload {
  secretId: string;
  ciphertext: Uint8Array;
}

export class MalformedItem extends Error {}

export function buildEncrypted({ secretId, ciphertext }: EncryptedPayload): Element {
  return xml('encrypted', { xmlns: NS.oxps, key: secretId }, Buffer.from(ciphertext).toString('base64'));
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Reads an <encrypted> element; throws MalformedItem with the reason when it is not one. */
export function parseEncrypted(element: Element): EncryptedPayload {
  if (!element.is('encrypted', NS.oxps))
    throw new MalformedItem(`payload <${element.name}> is not an OXPS <encrypted> element`);
  const secretId = element.attrs.key ?? element.attrs.secret;
  if (!secretId) throw new MalformedItem("<encrypted> has no 'key' attribute naming its secret");
  const text = element.text().replace(/\s+/g, '');
  if (!text) throw new MalformedItem('<encrypted> is empty');
  if (text.length % 4 !== 0 || !BASE64.test(text))
    throw new MalformedItem('<encrypted> content is not valid base64');
  return { secretId, ciphertext: Buffer.from(text, 'base64') };
}
