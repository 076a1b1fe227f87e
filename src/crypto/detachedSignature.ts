// Detached OpenPGP signatures for XEP-0476 (the OpenPGP profile of pubsub signing): binary
// signatures over the canonical signed data, base64 on the wire. The signature comes from the
// network (often from a node anyone may publish on): its framing is checked on the raw bytes
// before openpgp.js parses it, and the number of signature packets is bounded, so that no
// signature costs more than a few verifications.
import * as openpgp from 'openpgp';
import { fingerprintOf } from './keys.js';
import { packets, SessionKeyRefused } from './sessionKeyPacket.js';

const TAG_SIGNATURE = 2;
/** Libervia signs with every signing key of the account: a few packets, never dozens. */
export const MAX_SIGNATURE_PACKETS = 4;
export const MAX_SIGNATURE_BYTES = 6 * 1024;

export async function signDetached(bytes: Uint8Array, privateKey: openpgp.PrivateKey): Promise<string> {
  const message = await openpgp.createMessage({ binary: bytes });
  const signature = await openpgp.sign({
    message,
    signingKeys: privateKey,
    detached: true,
    format: 'binary',
  });
  return Buffer.from(signature as Uint8Array).toString('base64');
}

export type Verification =
  | { ok: true; fingerprint: string }
  /** malformed: not a bounded detached signature; no-key: made by none of the candidate keys; bad: made by one but does not match the data. */
  | { ok: false; reason: 'malformed' | 'no-key' | 'bad'; message: string };

/** Which of the candidate keys (by primary fingerprint) made a valid signature over the bytes. */
export async function verifyDetached(
  bytes: Uint8Array,
  signatureBase64: string,
  candidateKeys: openpgp.PublicKey[],
): Promise<Verification> {
  const raw = Buffer.from(signatureBase64, 'base64');
  const framing = checkFraming(raw);
  if (framing) return { ok: false, reason: 'malformed', message: framing };
  let signature: openpgp.Signature;
  try {
    signature = await openpgp.readSignature({ binarySignature: raw });
  } catch (error) {
    return {
      ok: false,
      reason: 'malformed',
      message: `not an OpenPGP signature (${(error as Error).message})`,
    };
  }
  const issuers = signature.getSigningKeyIDs();
  const keys = candidateKeys.filter((key) =>
    key.getKeyIDs().some((id) => issuers.some((issuer) => issuer.equals(id))),
  );
  if (keys.length === 0) return { ok: false, reason: 'no-key', message: "made by none of the signer's keys" };
  const message = await openpgp.createMessage({ binary: bytes });
  const result = await openpgp.verify({ message, signature, verificationKeys: keys, format: 'binary' });
  let failure = 'does not match the signed data';
  for (const verification of result.signatures) {
    try {
      await verification.verified;
    } catch (error) {
      failure = (error as Error).message;
      continue;
    }
    const key = keys.find((k) => k.getKeyIDs().some((id) => id.equals(verification.keyID)));
    if (key) return { ok: true, fingerprint: fingerprintOf(key) };
  }
  return { ok: false, reason: 'bad', message: failure };
}

/** Why the bytes are not a small detached signature (only signature packets), or undefined. */
function checkFraming(raw: Uint8Array): string | undefined {
  if (raw.length === 0) return 'empty signature';
  if (raw.length > MAX_SIGNATURE_BYTES) return `signature is larger than ${MAX_SIGNATURE_BYTES} bytes`;
  let count = 0;
  try {
    for (const packet of packets(raw)) {
      if (packet.tag !== TAG_SIGNATURE || !packet.body)
        return 'not a detached signature (it holds other packets)';
      if (++count > MAX_SIGNATURE_PACKETS)
        return `signature holds more than ${MAX_SIGNATURE_PACKETS} signature packets`;
    }
  } catch (error) {
    if (error instanceof SessionKeyRefused) return 'not an OpenPGP signature (bad packet framing)';
    throw error;
  }
  return undefined;
}
