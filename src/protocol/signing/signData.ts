// XEP-0475 Pubsub Signing with its OpenPGP profile (XEP-0476), as Libervia 0.9 implements it
// (plugin_sec_pubsub_signing.py). What is signed is the canonical form (C14N 2.0, see c14n2.ts) of
//   <sign-data xmlns='urn:xmpp:pubsub-signing:0'><to jid='SERVICE'/><time stamp='…'/>
//   <signer>JID</signer><item xmlns='http://jabber.org/protocol/pubsub'>PLAINTEXT</item></sign-data>
// where the item is the plaintext item without its id and publisher attributes: the service, the
// time and the signer are bound by the signature, the node and the item id are not (they are bound
// by where the signature is published: the attachments node of that item, see attachments/).
import { Element } from '../xml.js';
import { NS } from '../namespaces.js';
import { parseXep82DateTime, xep82DateTime } from '../datetime.js';
import { canonicalize } from './c14n2.js';

export interface SignDataInput {
  /** The bare JID of the pubsub service (the PEP account for a PEP node). */
  service: string;
  /** When the signature was made (written as XEP-0082 seconds, as Libervia does). */
  stamp: Date;
  /** The signer's bare JID. */
  signer: string;
  /** The plaintext <item>: its id and publisher attributes are left out, its payload is signed. */
  item: Element;
}

/** The plaintext <item> that carries a payload, as the signature covers it. */
export function plaintextItem(payload: Element): Element {
  const item = new Element('item', {});
  item.append(payload);
  return item;
}

/** Attributes of the item that the signature does not cover (Libervia pops them before signing). */
const UNSIGNED_ITEM_ATTRIBUTES = new Set(['id', 'publisher']);

export function buildSignData({ service, stamp, signer, item }: SignDataInput): Element {
  const signData = new Element('sign-data', { xmlns: NS.pubsubSigning });
  signData.c('to', { jid: service });
  signData.c('time', { stamp: xep82DateTime(stamp) });
  signData.c('signer').t(signer);
  const attrs: Record<string, string> = {};
  for (const [name, value] of Object.entries(item.attrs)) {
    if (value === undefined || value === null || UNSIGNED_ITEM_ATTRIBUTES.has(name) || name === 'xmlns')
      continue;
    attrs[name] = String(value);
  }
  const signedItem = signData.c('item', { ...attrs, xmlns: NS.pubsub });
  for (const child of item.children as Array<Element | string>) {
    signedItem.append(typeof child === 'string' ? child : selfContained(child));
  }
  return signData;
}

/** The UTF-8 bytes a signature covers. */
export function signedBytes(input: SignDataInput): Uint8Array {
  return Buffer.from(canonicalize(buildSignData(input)), 'utf8');
}

/**
 * A shallow copy of a payload element that declares the namespaces it inherited where it was
 * parsed (an item from a stanza: its prefixes may be declared on <iq/> or <pubsub/>), so that it
 * means the same inside <sign-data/>. Its children are shared, not copied: nothing is mutated.
 */
function selfContained(payload: Element): Element {
  const inherited = new Map<string, string>();
  for (
    let parent = payload.parent as Element | null | undefined;
    parent;
    parent = parent.parent as Element | null | undefined
  ) {
    for (const [name, value] of Object.entries(parent.attrs)) {
      if (
        (name === 'xmlns' || name.startsWith('xmlns:')) &&
        typeof value === 'string' &&
        !inherited.has(name)
      )
        inherited.set(name, value);
    }
  }
  const attrs: Record<string, string> = {};
  for (const [name, value] of inherited) if (!(name in payload.attrs)) attrs[name] = value;
  if (!('xmlns' in payload.attrs) && !inherited.has('xmlns')) attrs.xmlns = '';
  Object.assign(attrs, payload.attrs);
  const copy = new Element(payload.name, attrs);
  copy.children.push(...payload.children);
  return copy;
}

// Bounds on what an attacker writes in a <signature/>: an OpenPGP signature by an RSA-4096 key
// is about 700 base64 characters; Libervia signs with every signing key the account has.
export const MAX_SIGNATURE_BASE64 = 8 * 1024;
const MAX_JID_LENGTH = 3 * 1023 + 2;

export interface SignatureElement {
  /** The signature time as written, and parsed. */
  stampText: string;
  stamp: Date;
  signer: string;
  /** The OpenPGP profile's detached signature, base64 (whitespace removed). */
  signatureBase64: string;
}

/** Why a <signature/> element cannot be read: a plain sentence. */
export class MalformedSignature extends Error {}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

/** Reads a <signature xmlns='urn:xmpp:pubsub-signing:0'/>; throws MalformedSignature. */
export function parseSignatureElement(element: Element): SignatureElement {
  if (!element.is('signature', NS.pubsubSigning))
    throw new MalformedSignature(`<${element.name}> is not a pubsub-signing <signature>`);
  const times = element.getChildren('time', NS.pubsubSigning);
  if (times.length !== 1)
    throw new MalformedSignature(`signature has ${times.length} <time/> elements (exactly one expected)`);
  const stampText = String(times[0]!.attrs.stamp ?? '');
  const stamp = stampText.length <= 64 ? parseXep82DateTime(stampText) : undefined;
  if (!stamp) throw new MalformedSignature('signature time is not a XEP-0082 date-time');
  const signers = element.getChildren('signer', NS.pubsubSigning);
  if (signers.length !== 1)
    throw new MalformedSignature(
      `signature has ${signers.length} <signer/> elements (oxps reads signatures with one)`,
    );
  const signer = signers[0]!.text();
  if (!signer || signer.length > MAX_JID_LENGTH || /[\s/]/.test(signer))
    throw new MalformedSignature('signature signer is not a bare JID');
  const signs = element.getChildren('sign', NS.pubsubSigningOpenpgp);
  if (signs.length !== 1)
    throw new MalformedSignature(
      signs.length === 0
        ? 'signature has no OpenPGP <sign/> (other profiles are not supported)'
        : `signature has ${signs.length} OpenPGP <sign/> elements`,
    );
  const raw = signs[0]!.text();
  if (raw.length > MAX_SIGNATURE_BASE64 * 2)
    throw new MalformedSignature(`OpenPGP signature is larger than ${MAX_SIGNATURE_BASE64} characters`);
  const signatureBase64 = raw.replace(/\s+/g, '');
  if (signatureBase64.length > MAX_SIGNATURE_BASE64)
    throw new MalformedSignature(`OpenPGP signature is larger than ${MAX_SIGNATURE_BASE64} characters`);
  if (!signatureBase64 || signatureBase64.length % 4 !== 0 || !BASE64.test(signatureBase64))
    throw new MalformedSignature('OpenPGP signature is not valid base64');
  return { stampText, stamp, signer, signatureBase64 };
}

export interface SignatureElementInput {
  stamp: Date;
  signer: string;
  signatureBase64: string;
}

export function buildSignatureElement({ stamp, signer, signatureBase64 }: SignatureElementInput): Element {
  const signature = new Element('signature', { xmlns: NS.pubsubSigning });
  signature.c('time', { stamp: xep82DateTime(stamp) });
  signature.c('signer').t(signer);
  signature.c('sign', { xmlns: NS.pubsubSigningOpenpgp }).t(signatureBase64);
  return signature;
}
