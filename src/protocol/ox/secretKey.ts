// XEP-0373 §5 secret key backup: <secretkey/> on the whitelist PEP node
// urn:xmpp:openpgp:0:secret-key, protected by a backup code of 6 groups of 4 characters.
import { randomInt } from 'node:crypto';
import xml, { type Element } from '@xmpp/xml';
import { NS } from '../namespaces.js';
import type { FormValues } from '../dataForm.js';

export const SECRET_KEY_NODE = NS.oxSecretKey;

export const SECRET_KEY_PUBLISH_OPTIONS: FormValues = {
  'pubsub#access_model': 'whitelist',
  'pubsub#persist_items': 'true',
  'pubsub#max_items': '1',
};

// §5.3: no 0/O, so the code survives being read aloud or copied by hand.
const CODE_ALPHABET = '123456789ABCDEFGHIJKLMNPQRSTUVWXYZ';

export function generateBackupCode(): string {
  const groups: string[] = [];
  for (let g = 0; g < 6; g++) {
    let group = '';
    for (let i = 0; i < 4; i++) group += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
    groups.push(group);
  }
  return groups.join('-');
}

/** Accepts a code typed by a person: case, spaces and a missing dash are forgiven. */
export function normalizeBackupCode(input: string): string | undefined {
  const chars = input.toUpperCase().replace(/[\s-]/g, '');
  if (chars.length !== 24 || [...chars].some((c) => !CODE_ALPHABET.includes(c))) return undefined;
  return chars.match(/.{4}/g)!.join('-');
}

export function buildSecretKey(encrypted: Uint8Array): Element {
  return xml('secretkey', { xmlns: NS.ox }, Buffer.from(encrypted).toString('base64'));
}

export function parseSecretKey(element: Element | undefined): Uint8Array | undefined {
  if (!element?.is('secretkey', NS.ox)) return undefined;
  const text = element.text().replace(/\s+/g, '');
  if (!text || text.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return undefined;
  return Buffer.from(text, 'base64');
}
