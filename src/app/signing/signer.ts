// Signing what we publish (XEP-0475 with the OpenPGP profile of XEP-0476): the plaintext item,
// exactly as it is encrypted, signed with our OX key; the <signature/> goes on the item's
// XEP-0470 attachments node as the item of id = our bare JID. On an encrypted node it is
// encrypted with the secret the item is encrypted with (XEP-0473 §7), and the attachments node
// gets the node's access model and members; `compat: 'libervia'` publishes it in clear on an
// open node, as Libervia 0.9 does and reads.
import type { Element } from '@xmpp/xml';
import { encryptItem } from '../../crypto/itemCipher.js';
import { signDetached } from '../../crypto/detachedSignature.js';
import { buildEncrypted } from '../../protocol/oxps/encrypted.js';
import { buildSignatureElement, plaintextItem, signedBytes } from '../../protocol/signing/signData.js';
import { buildAttachments, buildEncryptedAttachments } from '../../protocol/attachments/attachments.js';
import { publishIq } from '../../protocol/pubsub/publish.js';
import { serializeForEncryption } from '../../protocol/xml.js';
import type { NodeSecret } from '../../protocol/oxps/secrets.js';
import type { AppContext } from '../context.js';
import { attachmentsNodeName } from '../../protocol/attachments/nodeName.js';
import { openAttachmentsNodes } from './attachmentsNode.js';

export type SignCompat = 'libervia';

export interface SignerOptions {
  service: string;
  node: string;
  /** The secret the items are encrypted with; none for items published in clear. */
  secret?: NodeSecret;
  compat?: SignCompat;
}

export interface SignedAttachment {
  /** The attachments node of the item. */
  node: string;
  /** Whether the signature is encrypted (false: anyone who may read the attachments node can check a guessed plaintext). */
  encrypted: boolean;
  /** The requests that make the attachments node (shown by --dry-run). */
  creation: Element[];
  /** The publish of the attachment item. */
  iq: Element;
}

export const LIBERVIA_COMPAT_WARNING =
  '--sign-compat=libervia publishes each signature in clear on an open node: anyone can confirm a guessed text of the post, and see that you signed it';

export async function openSigner(ctx: AppContext, options: SignerOptions) {
  const { service, node, compat } = options;
  const secret = compat === 'libervia' ? undefined : options.secret;
  if (compat === 'libervia' && options.secret) ctx.reporter.warn(LIBERVIA_COMPAT_WARNING);
  const signingKey = await (await ctx.keyring()).ownKey();
  const nodes = await openAttachmentsNodes(ctx, service, node, compat === 'libervia' ? 'open' : 'node');
  return {
    /** `plaintext`: the item's payload as readers get it once decrypted. */
    async attach(itemId: string, plaintext: Element): Promise<SignedAttachment> {
      const stamp = new Date();
      const signer = ctx.bareJid;
      const signatureBase64 = await signDetached(
        signedBytes({ service, stamp, signer, item: plaintextItem(plaintext) }),
        signingKey,
      );
      const signature = buildAttachments([buildSignatureElement({ stamp, signer, signatureBase64 })]);
      const payload = secret
        ? buildEncryptedAttachments(
            buildEncrypted({
              secretId: secret.id,
              ciphertext: await encryptItem(
                Buffer.from(serializeForEncryption(signature), 'utf8'),
                secret.key,
              ),
            }),
          )
        : signature;
      const attachmentsNode = attachmentsNodeName(service, node, itemId);
      return {
        node: attachmentsNode,
        encrypted: Boolean(secret),
        creation: nodes.creationRequests(itemId),
        iq: publishIq(service, attachmentsNode, signer, payload),
      };
    },
    /** Makes the attachments node and publishes the attachment. */
    async publish(itemId: string, attachment: SignedAttachment): Promise<void> {
      await nodes.ensure(itemId);
      await (
        await ctx.session()
      ).iq(attachment.iq, `publishing the signature of item ${itemId} on its attachments node`);
    },
  };
}

export type Signer = Awaited<ReturnType<typeof openSigner>>;
