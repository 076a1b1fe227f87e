// XEP-0373 §4: public key publication on PEP — one node per key, and the list of keys.
import xml, { type Element } from '@xmpp/xml';
import { NS } from '../namespaces.js';
import { parseXep82DateTime } from '../datetime.js';
import type { FormValues } from '../dataForm.js';

export const PUBLIC_KEYS_LIST_NODE = NS.oxPublicKeys;
export const PUBLIC_KEYS_LIST_ITEM = 'current';

export function publicKeyNode(fingerprint: string): string {
  return `${NS.oxPublicKeys}:${fingerprint.toUpperCase()}`;
}

/** XEP-0373 §4.1 publish-options: anyone may read, the server keeps exactly the last item. */
export const PUBLIC_KEY_PUBLISH_OPTIONS: FormValues = {
  'pubsub#access_model': 'open',
  'pubsub#persist_items': 'true',
  'pubsub#max_items': '1',
};

export function buildPubkey(keyBytes: Uint8Array): Element {
  return xml('pubkey', { xmlns: NS.ox }, xml('data', {}, Buffer.from(keyBytes).toString('base64')));
}

export class MalformedKeyElement extends Error {}

export function parsePubkey(element: Element | undefined): Uint8Array {
  if (!element?.is('pubkey', NS.ox)) throw new MalformedKeyElement('item holds no <pubkey/>');
  const data = element.getChildren('data');
  if (data.length !== 1)
    throw new MalformedKeyElement(`<pubkey/> has ${data.length} <data/> elements (one expected)`);
  const text = data[0]!.text().replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(text) || text.length % 4 !== 0)
    throw new MalformedKeyElement('<data/> is not valid base64');
  return Buffer.from(text, 'base64');
}

export interface PublicKeyMetadata {
  fingerprint: string;
  /** XEP-0082 datetime (Libervia requires it). */
  date: string;
}

export function buildPublicKeysList(keys: PublicKeyMetadata[]): Element {
  return xml(
    'public-keys-list',
    { xmlns: NS.ox },
    ...keys.map((k) =>
      xml('pubkey-metadata', { 'v4-fingerprint': k.fingerprint.toUpperCase(), date: k.date }),
    ),
  );
}

/** Entries with a well-formed fingerprint and date; at most `limit` (a hostile list may be huge). */
export function parsePublicKeysList(
  element: Element | undefined,
  limit: number,
): { keys: PublicKeyMetadata[]; skipped: number } {
  if (!element?.is('public-keys-list', NS.ox)) return { keys: [], skipped: 0 };
  const entries = element.getChildren('pubkey-metadata');
  const keys: PublicKeyMetadata[] = [];
  let skipped = 0;
  for (const entry of entries) {
    const fingerprint = (entry.attrs['v4-fingerprint'] ?? '').toUpperCase();
    const date = entry.attrs.date;
    if (
      !/^[0-9A-F]{40}$/.test(fingerprint) ||
      !parseXep82DateTime(date) ||
      keys.length >= limit ||
      keys.some((k) => k.fingerprint === fingerprint)
    ) {
      skipped++;
      continue;
    }
    keys.push({ fingerprint, date: date! });
  }
  return { keys, skipped };
}
