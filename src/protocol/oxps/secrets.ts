// The shared secrets of a node (XEP-0473 §3) and the rules on them: which one encrypts new
// items, who may generate one.
import { randomBytes, randomInt } from 'node:crypto';
import { xep82DateTime } from '../datetime.js';

export interface NodeSecret {
  id: string;
  /** The passphrase items are encrypted with. */
  key: string;
  /** XEP-0082 datetime of generation. */
  timestamp: string;
  /** Bare JID of the entity that generated it. */
  origin: string;
  revoked: boolean;
  /** Bare JIDs it was sent to (by us). */
  sharedWith: string[];
}

// shortuuid's alphabet (what Libervia uses for ids): no look-alike characters.
const ID_ALPHABET = '23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

/** A new secret as Libervia makes them: 86 base64url chars (512 bits) and a 22-char id. */
export function generateSecret(origin: string, now = new Date()): NodeSecret {
  let id = '';
  for (let i = 0; i < 22; i++) id += ID_ALPHABET[randomInt(ID_ALPHABET.length)];
  return {
    id,
    key: randomBytes(64).toString('base64url'),
    timestamp: xep82DateTime(now),
    origin,
    revoked: false,
    sharedWith: [],
  };
}

/** XEP-0473 §5: new items use the most recent non-revoked secret. */
export function currentSecret(secrets: readonly NodeSecret[]): NodeSecret | undefined {
  return secrets
    .filter((s) => !s.revoked)
    .reduce<NodeSecret | undefined>((best, s) => (!best || newer(s, best) ? s : best), undefined);
}

/** The latest secret, revoked or not (rotation's default recipients are its holders). */
export function latestSecret(secrets: readonly NodeSecret[]): NodeSecret | undefined {
  return secrets.reduce<NodeSecret | undefined>((best, s) => (!best || newer(s, best) ? s : best), undefined);
}

function newer(a: NodeSecret, b: NodeSecret): boolean {
  return byTimestamp(a, b) > 0;
}

/** Sort order oldest first (timestamps compared as dates: peers may write offsets or fractions). */
export function byTimestamp(a: Pick<NodeSecret, 'timestamp'>, b: Pick<NodeSecret, 'timestamp'>): number {
  return Date.parse(a.timestamp) - Date.parse(b.timestamp);
}

/** XEP-0473 §5: with no usable secret, only the origin of the previous ones may generate one. */
export function mayGenerateSecret(secrets: readonly NodeSecret[], actor: string): boolean {
  return secrets.every((s) => s.origin === actor);
}

export function origins(secrets: readonly NodeSecret[]): string[] {
  return [...new Set(secrets.map((s) => s.origin))];
}
