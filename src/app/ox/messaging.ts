// OX messages (XEP-0373 §3): payload elements packed into a <signcrypt/>, encrypted to the
// recipient's keys and ours, signed, and sent in the stanza of protocol/ox/message.ts.
import type { Element } from '@xmpp/xml';
import type * as openpgp from 'openpgp';
import { OxpsError } from '../../errors.js';
import { encryptAndSign, decryptAndVerify, SigncryptCryptoError } from '../../crypto/signcrypt.js';
import { parseOpenpgpElement, MalformedOpenpgp } from '../../protocol/ox/openpgpElement.js';
import { oxMessage } from '../../protocol/ox/message.js';
import {
  buildSigncrypt,
  parseSigncrypt,
  SigncryptRejected,
  type SigncryptContent,
} from '../../protocol/ox/signcrypt.js';
import { NS } from '../../protocol/namespaces.js';
import { parseXmlElement, serializeForEncryption } from '../../protocol/xml.js';
import { hasXmppUserId } from '../../crypto/keys.js';
import type { AppContext } from '../context.js';
import { bareJid } from '../../xmpp/jid.js';

/** Builds the OX message for one recipient (its bare JID alone in <to/>, as Libervia does). */
export async function buildOxMessage(
  ctx: AppContext,
  recipient: string,
  payload: Element[],
  encryptionKeys: openpgp.PublicKey[],
): Promise<Element> {
  const signingKey = await (await ctx.keyring()).ownKey();
  const content = buildSigncrypt({ to: [recipient], time: new Date(), payload });
  const ciphertext = await encryptAndSign(
    Buffer.from(serializeForEncryption(content), 'utf8'),
    encryptionKeys,
    signingKey,
  );
  return oxMessage(recipient, ciphertext);
}

export class UnreadableMessage extends Error {
  /** True when the message may become readable later (the sender's key is not known or trusted yet). */
  constructor(
    message: string,
    readonly retryLater = false,
  ) {
    super(message);
  }
}

export interface Unpacked extends SigncryptContent {
  sender: string;
  signer: string;
}

/**
 * Decrypts and checks an OX message: signed by a (trusted) key of the sender with the user ID
 * xmpp:SENDER, our JID among the recipients, one plausible <time/>, one <payload/>.
 */
export async function unpackOxMessage(
  ctx: AppContext,
  message: Element,
  now = new Date(),
): Promise<Unpacked> {
  const sender = bareJid(message.attrs.from ?? ctx.bareJid);
  const openpgpElement = message.getChild('openpgp', NS.ox);
  if (!openpgpElement) throw new UnreadableMessage('no <openpgp/> element');
  let ciphertext: Uint8Array;
  try {
    ciphertext = parseOpenpgpElement(openpgpElement);
  } catch (error) {
    throw new UnreadableMessage((error as MalformedOpenpgp).message);
  }
  const keyring = await ctx.keyring();
  const ownKey = await keyring.ownKey();
  const decrypted = await decryptFrom(ctx, sender, ciphertext, ownKey);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(decrypted.plaintext);
  } catch {
    throw new UnreadableMessage('signcrypt content is not UTF-8');
  }
  try {
    const content = parseSigncrypt(parseXmlElement(text, 'signcrypt content'), { ourJid: ctx.bareJid, now });
    return { ...content, sender, signer: decrypted.signer };
  } catch (error) {
    if (error instanceof SigncryptRejected || error instanceof OxpsError)
      throw new UnreadableMessage(error.message);
    throw error;
  }
}

/** Decrypts with our key, verifying with the sender's cached keys, then with fresh ones once. */
async function decryptFrom(
  ctx: AppContext,
  sender: string,
  ciphertext: Uint8Array,
  ownKey: openpgp.PrivateKey,
) {
  const keyring = await ctx.keyring();
  let lastError: unknown;
  for (const refresh of [false, true]) {
    let keys: openpgp.PublicKey[];
    try {
      keys =
        sender === ctx.bareJid
          ? await keyring.ownEncryptionKeys()
          : await keyring.usableKeys(sender, 'accept signatures of', refresh);
    } catch (error) {
      if (!(error instanceof OxpsError && (error.code === 'KEY_NOT_FOUND' || error.code === 'UNTRUSTED_KEY')))
        throw error;
      if (!refresh) continue;
      throw new UnreadableMessage(error.message, true);
    }
    try {
      const decrypted = await decryptAndVerify(ciphertext, ownKey, keys);
      const signingKey = keys.find((k) => k.getFingerprint().toUpperCase() === decrypted.signer);
      if (!signingKey || !(await hasXmppUserId(signingKey, sender)))
        throw new UnreadableMessage(`signing key ${decrypted.signer} has no user ID xmpp:${sender}`);
      return decrypted;
    } catch (error) {
      if (!(error instanceof SigncryptCryptoError)) throw error;
      lastError = error;
      if (error.reason === 'decrypt') break;
    }
  }
  if ((lastError as SigncryptCryptoError).reason === 'signature')
    await refuseHeldBackSigner(ctx, sender, ciphertext, ownKey);
  throw new UnreadableMessage((lastError as Error).message);
}

/**
 * When the signer is a listed key of the sender that the trust policy does not accept yet, says
 * so and keeps the message for a later `sync --full` (as for a sender with no trusted key).
 */
async function refuseHeldBackSigner(
  ctx: AppContext,
  sender: string,
  ciphertext: Uint8Array,
  ownKey: openpgp.PrivateKey,
): Promise<void> {
  const heldBack = await (await ctx.keyring()).heldBackKeys(sender);
  if (heldBack.length === 0) return;
  const signer = await decryptAndVerify(ciphertext, ownKey, heldBack).then(
    (d) => d.signer,
    () => undefined,
  );
  if (!signer) return;
  throw new UnreadableMessage(
    `signed by ${sender}'s key ${signer}, which trust policy ${ctx.account.trust ?? 'btbv'} does not accept: check it, then oxps key trust ${sender} ${signer}`,
    true,
  );
}
