// The OpenPGP side of XEP-0373's <signcrypt/>: encrypt to every recipient key and our own keys,
// sign with ours; decrypt and REQUIRE a valid signature by one of the expected keys. OpenPGP.js
// returns the plaintext of an unsigned or wrongly signed message unless given verificationKeys
// and expectSigned: true, so both are always passed (DESIGN.md §1).
import * as openpgp from 'openpgp';
import { fingerprintOf } from './keys.js';

export class SigncryptCryptoError extends Error {
  constructor(
    readonly reason: 'decrypt' | 'signature',
    message: string,
  ) {
    super(message);
  }
}

const READ_CONFIG: Partial<openpgp.Config> = {
  maxDecompressedMessageSize: 1024 * 1024,
  allowUnauthenticatedMessages: false,
};

export async function encryptAndSign(
  plaintext: Uint8Array,
  encryptionKeys: openpgp.PublicKey[],
  signingKey: openpgp.PrivateKey,
): Promise<Uint8Array> {
  const message = await openpgp.createMessage({ binary: plaintext, format: 'binary' });
  return openpgp.encrypt({
    message,
    encryptionKeys,
    signingKeys: signingKey,
    format: 'binary',
    config: { aeadProtect: false },
  });
}

export interface Decrypted {
  plaintext: Uint8Array;
  /** Fingerprint of the key (primary) whose signature verified. */
  signer: string;
}

export async function decryptAndVerify(
  ciphertext: Uint8Array,
  decryptionKey: openpgp.PrivateKey,
  verificationKeys: openpgp.PublicKey[],
): Promise<Decrypted> {
  let message: openpgp.Message<Uint8Array>;
  try {
    message = await openpgp.readMessage({ binaryMessage: ciphertext, config: READ_CONFIG });
  } catch (error) {
    throw new SigncryptCryptoError('decrypt', `not an OpenPGP message (${(error as Error).message})`);
  }
  if (verificationKeys.length === 0)
    throw new SigncryptCryptoError('signature', 'no key of the sender to verify the signature with');
  let result: openpgp.DecryptMessageResult & { data: Uint8Array };
  try {
    result = (await openpgp.decrypt({
      message,
      decryptionKeys: decryptionKey,
      verificationKeys,
      expectSigned: true,
      format: 'binary',
      config: READ_CONFIG,
    })) as typeof result;
  } catch (error) {
    // Which step failed? If our key opens the session key, decryption was fine: the signature was not.
    const text = (error as Error).message;
    // (decrypt() consumed the parsed message: parse it again)
    const opens = await openpgp
      .readMessage({ binaryMessage: ciphertext, config: READ_CONFIG })
      .then((again) => openpgp.decryptSessionKeys({ message: again, decryptionKeys: decryptionKey }))
      .then(
        () => true,
        () => false,
      );
    throw new SigncryptCryptoError(
      opens ? 'signature' : 'decrypt',
      opens ? `signature check failed (${text})` : `cannot decrypt (${text})`,
    );
  }
  const signer = await verifiedSigner(result.signatures, verificationKeys);
  return { plaintext: result.data, signer };
}

async function verifiedSigner(
  signatures: openpgp.DecryptMessageResult['signatures'],
  keys: openpgp.PublicKey[],
): Promise<string> {
  for (const signature of signatures) {
    try {
      await signature.verified;
    } catch {
      continue;
    }
    const key = keys.find((k) => k.getKeyIDs().some((id) => id.equals(signature.keyID)));
    if (key) return fingerprintOf(key);
  }
  throw new SigncryptCryptoError('signature', 'no valid signature from a key of the sender');
}
