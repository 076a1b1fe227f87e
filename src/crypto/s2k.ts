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

/** What an iterated+salted S2K derives a key from: all a worker thread needs (see decryptPool.ts). */
export interface IteratedS2KRequest {
  hashAlgorithm: number;
  salt: Uint8Array;
  passphrase: string;
  codedCount: number;
  keyLength: number;
}

/** Octets hashed per slice of the sliced derivation: a few milliseconds of SHA. */
const SLICE_OCTETS = 4 << 20;

export function deriveIteratedS2K(request: IteratedS2KRequest): Buffer {
  const steps = iteratedS2KSlices(request);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
  }
}

/**
 * The same, giving the event loop a turn between slices: the main thread can then hand the next
 * items to workers that finish while it derives (else they wait ~70 ms for it, idle).
 */
export async function deriveIteratedS2KInSlices(request: IteratedS2KRequest): Promise<Buffer> {
  const steps = iteratedS2KSlices(request);
  for (;;) {
    const step = steps.next();
    if (step.done) return step.value;
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** Hashes SLICE_OCTETS at a time, yielding between slices; returns the key. */
function* iteratedS2KSlices({
  hashAlgorithm,
  salt,
  passphrase,
  codedCount,
  keyLength,
}: IteratedS2KRequest): Generator<void, Buffer> {
  const hash = HASH_NAMES[hashAlgorithm];
  if (!hash) throw new Error(`unsupported S2K hash algorithm ${hashAlgorithm}`);
  const unit = Buffer.concat([salt, Buffer.from(passphrase, 'utf8')]);
  const total = Math.max(decodeS2KCount(codedCount), unit.length);
  // A chunk of whole salt+passphrase repetitions, so every chunk and the tail start on a boundary;
  // no bigger than the count (1,024 octets for oxps-made items: 10,000 of them in a fetch)
  const repetitions = Math.max(1, Math.min(Math.floor(65536 / unit.length), Math.ceil(total / unit.length)));
  const chunk = Buffer.alloc(unit.length * repetitions);
  for (let offset = 0; offset < chunk.length; offset += unit.length) unit.copy(chunk, offset);

  // Keys longer than the digest use several contexts, the i-th preloaded with i zero octets.
  const contexts: Hash[] = [];
  for (let i = 0; i * hash.size < keyLength; i++)
    contexts.push(createHash(hash.name).update(Buffer.alloc(i)));
  let remaining = total;
  let sliceLeft = SLICE_OCTETS;
  for (; remaining >= chunk.length; remaining -= chunk.length) {
    for (const context of contexts) context.update(chunk);
    sliceLeft -= chunk.length * contexts.length;
    if (sliceLeft <= 0) {
      yield;
      sliceLeft = SLICE_OCTETS;
    }
  }
  if (remaining > 0) {
    const tail = chunk.subarray(0, remaining);
    for (const context of contexts) context.update(tail);
  }
  return Buffer.concat(contexts.map((context) => context.digest())).subarray(0, keyLength);
}
