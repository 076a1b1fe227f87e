// Symmetric encryption of pubsub item payloads with a node secret (XEP-0473 §5): what
// `gpg --symmetric` makes — SKESK v4 (passphrase = the secret) + SEIPD v1 with MDC — so that
// GnuPG 2.2, and therefore Libervia, reads it. Never AEAD/SEIPDv2/v6 packets.
import { createDecipheriv } from 'node:crypto';
import * as openpgp from 'openpgp';
import { deriveIteratedS2K, isSupportedS2KHash, type IteratedS2KRequest } from './s2k.js';
import { passwordSessionKey, SessionKeyRefused, type PasswordSessionKey } from './sessionKeyPacket.js';

// Node secrets are 86-character random passphrases (512 bits): S2K stretching buys nothing
// against guessing them, so we use the smallest iteration count (coded 0 = 1,024 octets),
// which GnuPG still accepts. Items made by GnuPG keep its own (costly) count.
const ITEM_CONFIG: Partial<openpgp.Config> = {
  s2kType: openpgp.enums.s2k.iterated,
  s2kIterationCountByte: 0,
  preferredSymmetricAlgorithm: openpgp.enums.symmetric.aes256,
  preferredCompressionAlgorithm: openpgp.enums.compression.uncompressed,
  aeadProtect: false,
};

/** Servers refuse stanzas over 256 KiB; an item much bigger than that is hostile: not even decrypted. */
export const MAX_CIPHERTEXT_BYTES = 4 * 1024 * 1024;

/**
 * A decrypted item bigger than this is refused unless the caller allows more: an Atom entry is a
 * few kilobytes, and a 20 KB item can decompress to megabytes.
 */
export const DEFAULT_MAX_PLAINTEXT_BYTES = 1024 * 1024;

/** Room for the packets around the plaintext in a compressed item: the literal data header, signatures of a signed one. */
const PACKET_FRAMING_BYTES = 64 * 1024;

/**
 * The most an item's Argon2 S2K may cost: what openpgp.js writes by default (RFC 9580's second
 * recommended choice: 64 MiB, 3 passes, 4 lanes). An iterated+salted S2K hashes at most
 * 65,011,712 octets by its coding (what GnuPG, and so Libervia, writes): s2k.ts hashes that
 * natively in 64 KiB chunks, and MAX_OPENPGP_S2K_OCTETS bounds what is left to openpgp.js.
 */
const ARGON2_LIMITS = { memoryExponent: 16, passes: 3, lanes: 4 };

/**
 * The most an iterated S2K that we leave to openpgp.js (a cipher other than AES, or a hash
 * node:crypto lacks) may hash: openpgp.js holds the whole repeated input in memory, for every
 * item in flight at once. GnuPG 1.4's CAST5 items hash 65,536 octets.
 */
const MAX_OPENPGP_S2K_OCTETS = 1024 * 1024;

const READ_CONFIG: Partial<openpgp.Config> = {
  allowUnauthenticatedMessages: false,
  // behind checkItemCost, in case openpgp.js ever reads an S2K that check did not see
  maxArgon2MemoryExponent: ARGON2_LIMITS.memoryExponent,
};

export interface DecryptOptions {
  /** Refuse the item when its plaintext is larger (default DEFAULT_MAX_PLAINTEXT_BYTES). */
  maxPlaintextBytes?: number;
}

const SESSION_KEY_ALGORITHMS: Record<number, { name: 'aes128' | 'aes192' | 'aes256'; length: number }> = {
  7: { name: 'aes128', length: 16 },
  8: { name: 'aes192', length: 24 },
  9: { name: 'aes256', length: 32 },
};

export class ItemDecryptError extends Error {}

/** Derives an item's iterated S2K key: inline by default; decryptPool.ts hands costly ones to workers. */
export type IteratedS2KDeriver = (request: IteratedS2KRequest) => Buffer | Promise<Buffer>;

export async function encryptItem(plaintext: Uint8Array, secret: string): Promise<Uint8Array> {
  const message = await openpgp.createMessage({ binary: plaintext, format: 'binary' });
  return openpgp.encrypt({ message, passwords: [secret], format: 'binary', config: ITEM_CONFIG });
}

/**
 * Decrypts an item. Throws ItemDecryptError when the ciphertext is not an OpenPGP message, its
 * session-key packet would cost too much to derive, the secret is wrong, the integrity check
 * (MDC) fails or the plaintext is larger than allowed; openpgp.js buffers the whole plaintext and
 * checks it before returning, so no unauthenticated byte ever comes out.
 */
export async function decryptItem(
  ciphertext: Uint8Array,
  secret: string,
  { maxPlaintextBytes = DEFAULT_MAX_PLAINTEXT_BYTES }: DecryptOptions = {},
  deriveKey: IteratedS2KDeriver = deriveIteratedS2K,
): Promise<Uint8Array> {
  checkItemCost(ciphertext);
  // decompression stops as soon as it passes the limit, instead of holding the whole bomb
  const config: Partial<openpgp.Config> = {
    ...READ_CONFIG,
    maxDecompressedMessageSize: maxPlaintextBytes + PACKET_FRAMING_BYTES,
  };
  let message: openpgp.Message<Uint8Array>;
  try {
    message = await openpgp.readMessage({ binaryMessage: ciphertext, config });
  } catch (error) {
    throw new ItemDecryptError(`not an OpenPGP message (${(error as Error).message})`);
  }
  const sessionKey = await nativeSessionKey(message, secret, deriveKey);
  let data: Uint8Array;
  try {
    ({ data } = await openpgp.decrypt({
      message,
      format: 'binary',
      config,
      ...(sessionKey ? { sessionKeys: sessionKey } : { passwords: [secret] }),
    }));
  } catch (error) {
    throw new ItemDecryptError(describeFailure(error as Error, maxPlaintextBytes));
  }
  if (data.length > maxPlaintextBytes) throw new ItemDecryptError(tooLarge(maxPlaintextBytes));
  return data;
}

/**
 * Refuses, from the raw bytes and before openpgp.js parses or derives anything, an item that is
 * not one SKESK and the encrypted data, or whose S2K asks for more than any honest writer's.
 */
function checkItemCost(ciphertext: Uint8Array): void {
  try {
    const refusal = s2kRefusal(passwordSessionKey(ciphertext));
    if (refusal) throw new ItemDecryptError(refusal);
  } catch (error) {
    if (error instanceof SessionKeyRefused) throw new ItemDecryptError(error.message);
    throw error;
  }
}

function s2kRefusal({ version, cipher, s2k }: PasswordSessionKey): string | undefined {
  if (s2k.type === 'iterated') {
    const native = version === 4 && cipher in SESSION_KEY_ALGORITHMS && isSupportedS2KHash(s2k.hash);
    if (native || s2k.octets <= MAX_OPENPGP_S2K_OCTETS) return undefined;
    return `iterated S2K of ${s2k.octets} octets with a cipher or hash oxps does not derive natively (allowed up to ${MAX_OPENPGP_S2K_OCTETS} octets)`;
  }
  if (s2k.type !== 'argon2') return undefined;
  const { memoryExponent, passes, lanes } = ARGON2_LIMITS;
  if (s2k.memoryExponent > memoryExponent)
    return `Argon2 S2K asks for ${kibibytes(2 ** s2k.memoryExponent)} of memory (oxps allows at most ${kibibytes(2 ** memoryExponent)})`;
  if (s2k.passes > passes) return `Argon2 S2K asks for ${s2k.passes} passes (oxps allows at most ${passes})`;
  if (s2k.lanes > lanes) return `Argon2 S2K asks for ${s2k.lanes} lanes (oxps allows at most ${lanes})`;
  return undefined;
}

function kibibytes(count: number): string {
  if (count >= 2 ** 20) return `${count / 2 ** 20} GiB`;
  if (count >= 2 ** 10) return `${count / 2 ** 10} MiB`;
  return `${count} KiB`;
}

function tooLarge(maxPlaintextBytes: number): string {
  return `decrypted item larger than ${maxPlaintextBytes} bytes (the item size limit)`;
}

interface SkeskFields {
  version: number;
  encrypted: Uint8Array | null;
  sessionKeyAlgorithm: number | null;
  sessionKeyEncryptionAlgorithm: number | null;
  s2k: { type: string; algorithm: number; salt: Uint8Array | null; c: number } | null;
}

/**
 * The session key of a v4 SKESK with an iterated S2K and AES, derived natively (s2k.ts): in
 * native code, and without openpgp.js's copy of the whole 65 MB S2K input. Without an encrypted
 * session key (what gpg makes) the S2K output is the session key; with one (openpgp.js, sqop, oxps)
 * it decrypts that key.
 */
async function nativeSessionKey(
  message: openpgp.Message<Uint8Array>,
  secret: string,
  deriveKey: IteratedS2KDeriver,
): Promise<openpgp.SessionKey | undefined> {
  const skesk = message.packets.findPacket(openpgp.enums.packet.symEncryptedSessionKey) as unknown as
    SkeskFields | undefined;
  if (!skesk || skesk.version !== 4 || !skesk.s2k) return undefined;
  const cipher =
    SESSION_KEY_ALGORITHMS[
      (skesk.encrypted ? skesk.sessionKeyEncryptionAlgorithm : skesk.sessionKeyAlgorithm) ?? 0
    ];
  const { type, algorithm: hash, salt, c } = skesk.s2k;
  if (!cipher || type !== 'iterated' || !salt || !isSupportedS2KHash(hash)) return undefined;
  const key = await deriveKey({
    hashAlgorithm: hash,
    salt,
    passphrase: secret,
    codedCount: c,
    keyLength: cipher.length,
  });
  if (!skesk.encrypted) return { data: key, algorithm: cipher.name };
  return decryptSessionKey(skesk.encrypted, key, cipher.name);
}

/** RFC 4880 §5.3: the algorithm octet and the session key, encrypted in CFB mode with an all-zero IV. */
function decryptSessionKey(encrypted: Uint8Array, key: Uint8Array, cipher: string): openpgp.SessionKey {
  const decipher = createDecipheriv(`${cipher.replace('aes', 'aes-')}-cfb`, key, Buffer.alloc(16));
  const decrypted = Buffer.concat([decipher.update(encrypted), decipher.final()]);
  const algorithm = SESSION_KEY_ALGORITHMS[decrypted[0]!];
  // a wrong secret gives random octets: almost never an AES algorithm with a key of its length
  if (!algorithm || decrypted.length !== 1 + algorithm.length)
    throw new ItemDecryptError('wrong secret or corrupted ciphertext');
  return { data: decrypted.subarray(1), algorithm: algorithm.name };
}

function describeFailure(error: Error, maxPlaintextBytes: number): string {
  const message = error.message;
  if (/modification detected|mdc|integrity/i.test(message))
    return 'integrity check failed (wrong secret or tampered ciphertext)';
  if (/session key|decryption failed|password/i.test(message)) return 'wrong secret or corrupted ciphertext';
  if (/decompressed/i.test(message)) return tooLarge(maxPlaintextBytes);
  return message;
}
