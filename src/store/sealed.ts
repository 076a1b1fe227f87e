// Authenticated encryption of files at rest (state, cache, vault): AES-256-GCM from node:crypto.
// Layout: MAGIC (8 bytes) | nonce (12) | tag (16) | ciphertext. The magic and a context string
// (which file, which profile) are authenticated too, so a file cannot be swapped for another.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const NONCE = 12;
const TAG = 16;

export class SealError extends Error {}

export function seal(key: Buffer, magic: string, context: string, plaintext: Buffer): Buffer {
  const header = Buffer.from(magic.padEnd(8).slice(0, 8), 'ascii');
  const nonce = randomBytes(NONCE);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(Buffer.concat([header, Buffer.from(context, 'utf8')]));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([header, nonce, cipher.getAuthTag(), ciphertext]);
}

export function unseal(key: Buffer, magic: string, context: string, sealed: Buffer): Buffer {
  const header = Buffer.from(magic.padEnd(8).slice(0, 8), 'ascii');
  if (sealed.length < header.length + NONCE + TAG || !sealed.subarray(0, header.length).equals(header)) {
    throw new SealError('not an oxps file of this kind (bad header)');
  }
  const nonce = sealed.subarray(8, 8 + NONCE);
  const tag = sealed.subarray(8 + NONCE, 8 + NONCE + TAG);
  const decipher = createDecipheriv('aes-256-gcm', key, nonce);
  decipher.setAAD(Buffer.concat([header, Buffer.from(context, 'utf8')]));
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(sealed.subarray(8 + NONCE + TAG)), decipher.final()]);
  } catch {
    throw new SealError('authentication failed (wrong key, or the file was altered)');
  }
}
