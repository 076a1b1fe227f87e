// XEP-0373 §5.4: the secret key, exported as a transferable secret key, symmetrically
// encrypted (SKESK + SEIPD v1, AES-256, iterated S2K) with the backup code as passphrase.
// Here the iteration count matters: a backup code has ~122 bits, less than a node secret, so
// we keep openpgp.js's default (costly) count.
import * as openpgp from 'openpgp';

export class BackupCodeError extends Error {}

export async function encryptSecretKey(key: openpgp.PrivateKey, backupCode: string): Promise<Uint8Array> {
  const message = await openpgp.createMessage({ binary: key.write(), format: 'binary' });
  return openpgp.encrypt({
    message,
    passwords: [backupCode],
    format: 'binary',
    config: { preferredSymmetricAlgorithm: openpgp.enums.symmetric.aes256, aeadProtect: false },
  });
}

export async function decryptSecretKey(
  encrypted: Uint8Array,
  backupCode: string,
): Promise<openpgp.PrivateKey> {
  let bytes: Uint8Array;
  try {
    const message = await openpgp.readMessage({ binaryMessage: encrypted });
    bytes = (await openpgp.decrypt({ message, passwords: [backupCode], format: 'binary' }))
      .data as Uint8Array;
  } catch {
    throw new BackupCodeError('the backup code does not open this backup');
  }
  return openpgp.readPrivateKey({ binaryKey: bytes });
}
