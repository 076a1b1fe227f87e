// The session-key packet of an item, read from the raw bytes before openpgp.js parses or derives
// anything: openpgp.js parses every packet of a message and, given a password, derives a key for
// every SKESK at once, so a 20 KB item with 40 costly SKESKs, or one Argon2 S2K asking for
// gigabytes, would cost seconds and gigabytes each. An item is what `gpg --symmetric` (and oxps,
// Libervia, sqop, openpgp.js) writes: one SKESK, then the encrypted data (RFC 4880 §11.3).
import { decodeS2KCount } from './s2k.js';

const TAG_PKESK = 1;
const TAG_SKESK = 3;
/** SEIPD (v1, v2) and the AEAD-encrypted data of LibrePGP, which openpgp.js refuses itself. */
const ENCRYPTED_DATA_TAGS = new Set([18, 20]);

export type S2KSpecifier =
  | { type: 'iterated'; hash: number; octets: number }
  | { type: 'argon2'; passes: number; lanes: number; memoryExponent: number }
  | { type: 'other' };

export interface PasswordSessionKey {
  version: number;
  /** The symmetric algorithm of the S2K output (v4: of the session key itself when none is encrypted). */
  cipher: number;
  s2k: S2KSpecifier;
}

/** Why an item is refused before decryption: a plain sentence for the item's failure reason. */
export class SessionKeyRefused extends Error {}

/**
 * The item's one SKESK. Throws SessionKeyRefused unless the message is exactly one SKESK and
 * then the encrypted data (RFC 4880 §5.3, RFC 9580 §5.3), which is all the framing checked here:
 * openpgp.js checks the rest.
 */
export function passwordSessionKey(message: Uint8Array): PasswordSessionKey {
  const skesks: Uint8Array[] = [];
  let publicKeyPackets = 0;
  const frames = packets(message);
  let data: Packet | undefined;
  for (const packet of frames) {
    if (packet.tag === TAG_SKESK || packet.tag === TAG_PKESK) {
      // session-key packets have a definite length (partial lengths are for data packets only)
      if (!packet.body) throw new SessionKeyRefused('item has a malformed session-key packet');
      if (packet.tag === TAG_SKESK) skesks.push(packet.body);
      else publicKeyPackets++;
    } else {
      data = packet;
      break;
    }
  }
  if (publicKeyPackets > 0)
    throw new SessionKeyRefused(
      'item is encrypted to public keys (oxps reads items encrypted with the node secret only)',
    );
  if (skesks.length !== 1) {
    throw new SessionKeyRefused(
      skesks.length === 0
        ? 'item has no password-encrypted session key'
        : `item has ${skesks.length} password-encrypted session keys (oxps reads items with one)`,
    );
  }
  if (!data || !ENCRYPTED_DATA_TAGS.has(data.tag))
    throw new SessionKeyRefused('item has no encrypted data after its session key');
  if (data.body && !frames.next().done)
    throw new SessionKeyRefused('item has packets after its encrypted data');
  return readSkesk(skesks[0]!);
}

export interface Packet {
  tag: number;
  /** Undefined for a packet of partial or indeterminate length (the last one read). */
  body?: Uint8Array;
}

/** The packets of a message, one header at a time; stops at a packet whose length runs to the end. */
export function* packets(message: Uint8Array): Generator<Packet> {
  let offset = 0;
  while (offset < message.length) {
    const header = message[offset]!;
    if (!(header & 0x80)) throw new SessionKeyRefused('not an OpenPGP message (no packet header)');
    const isNewFormat = (header & 0x40) !== 0;
    const tag = isNewFormat ? header & 0x3f : (header >> 2) & 0x0f;
    const frame = isNewFormat
      ? newFormatLength(message, offset + 1)
      : oldFormatLength(message, offset + 1, header & 0x03);
    if (!frame) {
      yield { tag };
      return;
    }
    if (frame.start > message.length || frame.start + frame.length > message.length)
      throw new SessionKeyRefused('item is truncated (a packet runs past its end)');
    yield { tag, body: message.subarray(frame.start, frame.start + frame.length) };
    offset = frame.start + frame.length;
  }
}

/** RFC 4880 §4.2.2: one-, two- or five-octet lengths; undefined for a partial length. */
function newFormatLength(message: Uint8Array, at: number): { start: number; length: number } | undefined {
  const first = message[at] ?? 0;
  if (first < 192) return { start: at + 1, length: first };
  if (first < 224) return { start: at + 2, length: ((first - 192) << 8) + (message[at + 1] ?? 0) + 192 };
  if (first === 255) return { start: at + 5, length: bigEndian(message, at + 1, 4) };
  return undefined;
}

/** RFC 4880 §4.2.1: length type 0, 1 or 2 (one, two or four octets); undefined for the indeterminate type 3. */
function oldFormatLength(
  message: Uint8Array,
  at: number,
  lengthType: number,
): { start: number; length: number } | undefined {
  if (lengthType === 3) return undefined;
  const size = 1 << lengthType;
  return { start: at + size, length: bigEndian(message, at, size) };
}

function bigEndian(bytes: Uint8Array, at: number, size: number): number {
  let value = 0;
  for (let i = 0; i < size; i++) value = value * 256 + (bytes[at + i] ?? 0);
  return value;
}

/** Where the cipher octet and the S2K specifier are in an SKESK body of each version (RFC 4880 §5.3, RFC 9580 §5.3). */
const SKESK_LAYOUT: Record<number, { cipher: number; s2k: number }> = {
  4: { cipher: 1, s2k: 2 },
  5: { cipher: 1, s2k: 3 },
  6: { cipher: 2, s2k: 5 },
};

function readSkesk(body: Uint8Array): PasswordSessionKey {
  const version = body[0] ?? 0;
  const layout = SKESK_LAYOUT[version];
  // other versions: openpgp.js refuses them, deriving nothing
  if (layout === undefined) return { version, cipher: 0, s2k: { type: 'other' } };
  const cipher = body[layout.cipher] ?? 0;
  const s2k = body.subarray(layout.s2k);
  const field = (index: number): number => {
    const value = s2k[index];
    if (value === undefined) throw new SessionKeyRefused('item has a truncated S2K specifier');
    return value;
  };
  switch (s2k[0]) {
    case 3: // iterated and salted: hash, 8 octets of salt, coded count
      return {
        version,
        cipher,
        s2k: { type: 'iterated', hash: field(1), octets: decodeS2KCount(field(10)) },
      };
    case 4: // Argon2: 16 octets of salt, passes, parallelism, memory exponent (RFC 9580 §3.7.1.4)
      return {
        version,
        cipher,
        s2k: { type: 'argon2', passes: field(17), lanes: field(18), memoryExponent: field(19) },
      };
    default:
      return { version, cipher, s2k: { type: 'other' } };
  }
}
