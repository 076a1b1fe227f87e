// Symmetric encryption of pubsub item payloads with a node secret (XEP-0473 §5): what
// `gpg --symmetric` makes — SKESK v4 (passphrase = the secret) + SEIPD v1 with MDC — so that
// GnuPG 2.2, and therefore Libervia, reads it. Never AEAD/SEIPDv2/v6 packets.
import * as openpgp from 'openpgp';
import { deriveIteratedS2K, isSupportedS2KHash } from './s2k.js';

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

/** A decrypted payload bigger than this is refused (compression bombs). */
export const MAX_PLAINTEXT_BYTES = 16 * 1024 * 1024;

const READ_CONFIG: Partial<openpgp.Config> = {
  maxDecompressedMessageSize: MAX_PLAINTEXT_BYTES,
  allowUnauthenticatedMessages: false,
};

const SESSION_KEY_ALGORITHMS: Record<number, { name: 'aes128' | 'aes192' | 'aes256'; length: number }> = {
  7: { name: 'aes128', length: 16 },
  8: { name: 'aes192', length: 24 },
  9: { name: 'aes256', length: 32 },
};

export class ItemDecryptError extends Error {}

export async function encryptItem(plaintext: Uint8Array, secret: string): Promise<Uint8Array> {
  const message = await openpgp.createMessage({ binary: plaintext, format: 'binary' });
  return openpgp.encrypt({ message, passwords: [secret], format: 'binary', config: ITEM_CONFIG });
}

/**
 * Decrypts an item. Throws ItemDecryptError when the ciphertext is not an OpenPGP message,
 * the secret is wrong or the integrity check (MDC) fails; openpgp.js buffers the whole
 * plaintext and checks it before returning, so no unauthenticated byte ever comes out.
 */
export async function decryptItem(ciphertext: Uint8Array, secret: string): Promise<Uint8Array> {
  let message: openpgp.Message<Uint8Array>;
  try {
    message = await openpgp.readMessage({ binaryMessage: ciphertext, config: READ_CONFIG });
  } catch (error) {
    throw new ItemDecryptError(`not an OpenPGP message (${(error as Error).message})`);
  }
  const sessionKey = nativeSessionKey(message, secret);
  try {
    const { data } = await openpgp.decrypt({
      message,
      format: 'binary',
      config: READ_CONFIG,
      ...(sessionKey ? { sessionKeys: sessionKey } : { passwords: [secret] }),
    });
    return data as Uint8Array;
  } catch (error) {
    throw new ItemDecryptError(describeFailure(error as Error));
  }
}

interface SkeskFields {
  version: number;
  encrypted: Uint8Array | null;
  sessionKeyAlgorithm: number | null;
  s2k: { type: string; algorithm: number; salt: Uint8Array | null; c: number } | null;
}

/**
 * The session key of a message whose SKESK carries no encrypted session key (what gpg makes):
 * then the S2K output is itself the session key, and we compute it natively.
 */
function nativeSessionKey(message: openpgp.Message<Uint8Array>, secret: string): openpgp.SessionKey | undefined {
  const skesk = message.packets.findPacket(openpgp.enums.packet.symEncryptedSessionKey) as unknown as SkeskFields | undefined;
  if (!skesk || skesk.version !== 4 || skesk.encrypted || !skesk.s2k || skesk.sessionKeyAlgorithm === null) return undefined;
  const algorithm = SESSION_KEY_ALGORITHMS[skesk.sessionKeyAlgorithm];
  const { type, algorithm: hash, salt, c } = skesk.s2k;
  if (!algorithm || type !== 'iterated' || !salt || !isSupportedS2KHash(hash)) return undefined;
  return { data: deriveIteratedS2K(hash, salt, secret, c, algorithm.length), algorithm: algorithm.name };
}

function describeFailure(error: Error): string {
  const message = error.message;
  if (/modification detected|mdc|integrity/i.test(message)) return 'integrity check failed (wrong secret or tampered ciphertext)';
  if (/session key|decryption failed|password/i.test(message)) return 'wrong secret or corrupted ciphertext';
  if (/decompressed/i.test(message)) return `plaintext larger than ${MAX_PLAINTEXT_BYTES} bytes`;
  return message;
}
