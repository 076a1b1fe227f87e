// OpenPGP iterated+salted S2K (RFC 4880 §3.7.1.3) computed with node:crypto. GnuPG (and so
// Libervia) protects each item with a count of 65,011,712 bytes: openpgp.js hashes that in
// JavaScript-driven chunks (~150 ms an item), node:crypto in native code in about half the time.
// The derived key is then the session key, or decrypts it, for openpgp.js (see itemCipher.ts);
// sqop writes the same count. What an item's S2K asks for is read by
// sessionKeyPacket.ts.
import { createHash, type Hash } from 'node:crypto';

const HASH_NAMES: Record<number, { name: string; size: number }> = {
  1: { name: 'md5', size: 16 },
  2: { name: 'sha1', size: 20 },
  3: { name: 'ripemd160', size: 20 },
  8: { name: 'sha256', size: 32 },
  9: { name: 'sha384', size: 48 },
  10: { name: 'sha512', size: 64 },
  11: { name: 'sha224', size: 28 },
};

/** Decodes the one-octet coded count of RFC 4880 §3.7.1.3. */
export function decodeS2KCount(codedCount: number): number {
  return (16 + (codedCount & 15)) << ((codedCount >> 4) + 6);
}

export function isSupportedS2KHash(algorithm: number): boolean {
  return algorithm in HASH_NAMES;
}

export function deriveIteratedS2K(
  hashAlgorithm: number,
  salt: Uint8Array,
  passphrase: string,
  codedCount: number,
  keyLength: number,
): Buffer {
  const hash = HASH_NAMES[hashAlgorithm];
  if (!hash) throw new Error(`unsupported S2K hash algorithm ${hashAlgorithm}`);
  const unit = Buffer.concat([salt, Buffer.from(passphrase, 'utf8')]);
  const total = Math.max(decodeS2KCount(codedCount), unit.length);
  // A chunk of whole salt+passphrase repetitions, so every chunk and the tail start on a boundary.
  const repetitions = Math.max(1, Math.floor(65536 / unit.length));
  const chunk = Buffer.alloc(unit.length * repetitions);
  for (let offset = 0; offset < chunk.length; offset += unit.length) unit.copy(chunk, offset);

  // Keys longer than the digest use several contexts, the i-th preloaded with i zero octets.
  const contexts: Hash[] = [];
  for (let i = 0; i * hash.size < keyLength; i++)
    contexts.push(createHash(hash.name).update(Buffer.alloc(i)));
  let remaining = total;
  for (; remaining >= chunk.length; remaining -= chunk.length) {
    for (const context of contexts) context.update(chunk);
  }
  if (remaining > 0) {
    const tail = chunk.subarray(0, remaining);
    for (const context of contexts) context.update(tail);
  }
  return Buffer.concat(contexts.map((context) => context.digest())).subarray(0, keyLength);
}
