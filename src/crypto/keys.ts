// OpenPGP keys for XEP-0373: v4 keys with the user ID "xmpp:JID". curve25519 "legacy" (EdDSA +
// ECDH cv25519) by default, which GnuPG 2.2 reads; RSA-4096 on request. No v6 keys.
import * as openpgp from 'openpgp';

export type KeyAlgorithm = 'curve25519' | 'rsa4096';

export interface KeyInfo {
  fingerprint: string;
  created: Date;
  userIds: string[];
  algorithm: string;
}

export class KeyParseError extends Error {}

export function xmppUserId(bareJid: string): string {
  return `xmpp:${bareJid}`;
}

export async function generateKey(bareJid: string, algorithm: KeyAlgorithm): Promise<openpgp.PrivateKey> {
  const userIDs = [{ name: xmppUserId(bareJid) }];
  const config: Partial<openpgp.Config> = { v6Keys: false, aeadProtect: false };
  const { privateKey } =
    algorithm === 'rsa4096'
      ? await openpgp.generateKey({ type: 'rsa', rsaBits: 4096, userIDs, format: 'object', config })
      : await openpgp.generateKey({
          type: 'ecc',
          curve: 'curve25519Legacy',
          userIDs,
          format: 'object',
          config,
        });
  return privateKey;
}

export function keyInfo(key: openpgp.Key): KeyInfo {
  return {
    fingerprint: fingerprintOf(key),
    created: key.getCreationTime(),
    userIds: key.getUserIDs(),
    algorithm: describeAlgorithm(key),
  };
}

export function fingerprintOf(key: openpgp.Key): string {
  return key.getFingerprint().toUpperCase();
}

function describeAlgorithm(key: openpgp.Key): string {
  const info = key.getAlgorithmInfo() as { algorithm: string; bits?: number; curve?: string };
  if (info.bits) return `rsa${info.bits}`;
  return (info.curve ?? info.algorithm).replace(/Legacy$/, '');
}

export async function readPrivateKey(armored: string): Promise<openpgp.PrivateKey> {
  return openpgp.readPrivateKey({ armoredKey: armored });
}

/** The public key as the minimal binary transferable key XEP-0373 §4.1 publishes. */
export function publicKeyBytes(key: openpgp.Key): Uint8Array {
  return key.toPublic().write();
}

export function armorPublic(key: openpgp.Key): string {
  return key.toPublic().armor();
}

export async function readArmoredPublicKey(armored: string): Promise<openpgp.PublicKey> {
  return openpgp.readKey({ armoredKey: armored }) as Promise<openpgp.PublicKey>;
}

/**
 * Reads a contact's published key and checks what XEP-0373 requires of it: a v4 key with the
 * fingerprint it was announced under, the user ID xmpp:JID, usable for encryption.
 */
export async function readPublishedKey(
  bytes: Uint8Array,
  expected: { fingerprint: string; bareJid: string },
): Promise<openpgp.PublicKey> {
  let key: openpgp.PublicKey;
  try {
    key = (await openpgp.readKey({ binaryKey: bytes })).toPublic();
  } catch (error) {
    throw new KeyParseError(`not an OpenPGP key (${(error as Error).message})`);
  }
  if (key.keyPacket.version !== 4)
    throw new KeyParseError(`version ${key.keyPacket.version} key (only v4 keys are used)`);
  const fingerprint = fingerprintOf(key);
  if (fingerprint !== expected.fingerprint.toUpperCase())
    throw new KeyParseError(
      `key fingerprint ${fingerprint} differs from the announced ${expected.fingerprint}`,
    );
  if (!(await hasXmppUserId(key, expected.bareJid)))
    throw new KeyParseError(`key has no valid user ID ${xmppUserId(expected.bareJid)}`);
  try {
    await key.getEncryptionKey();
  } catch (error) {
    throw new KeyParseError(`key cannot encrypt (${(error as Error).message})`);
  }
  return key;
}

/** True when the key carries the user ID xmpp:JID with a valid self-signature. */
export async function hasXmppUserId(key: openpgp.Key, bareJid: string): Promise<boolean> {
  const wanted = xmppUserId(bareJid);
  for (const user of key.users) {
    if (user.userID?.userID !== wanted) continue;
    try {
      await user.verify();
      return true;
    } catch {
      // an invalid or revoked user ID does not count
    }
  }
  return false;
}
