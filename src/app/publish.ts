// `oxps publish`: encrypt payloads with the node's current secret (XEP-0473 §5) and publish
// them under random item ids (§8: ids derived from content leak metadata).
import { randomBytes } from 'node:crypto';
import type { Element } from '@xmpp/xml';
import { OxpsError } from '../errors.js';
import { encryptItem } from '../crypto/itemCipher.js';
import { buildEncrypted } from '../protocol/oxps/encrypted.js';
import {
  currentSecret,
  generateSecret,
  mayGenerateSecret,
  origins,
  type NodeSecret,
} from '../protocol/oxps/secrets.js';
import { publishIq, publishedItemId } from '../protocol/pubsub/publish.js';
import { parseXmlElement, serializeForEncryption } from '../protocol/xml.js';
import type { AppContext } from './context.js';
import { ensureNodeRecord, type NodeRecord } from './state.js';
import { ensureReadersHaveSecret } from './secrets/unreachedSecret.js';
import { noticeForeignSecret, settleBeforeEncrypting } from './nodeOrigin.js';
import type { SignCompat, SignedAttachment, Signer } from './signing/signer.js';

/** Both Prosody and ejabberd close the stream on a stanza over 256 KiB. */
export const MAX_STANZA_BYTES = 256 * 1024;

export interface ItemToPublish {
  id?: string;
  payload: Element;
  /** Sign this item (XEP-0475), whatever PublishOptions.sign says. */
  sign?: boolean;
}

export interface PublishOptions {
  service: string;
  node: string;
  plaintext?: boolean;
  force?: boolean;
  /** Sign every item (XEP-0475/0476) and publish the signature as an XEP-0470 attachment. */
  sign?: boolean;
  signCompat?: SignCompat;
}

export interface PublishedItem {
  id: string;
  secretId?: string;
  encrypted: boolean;
  /** Where its signature went (absent: not signed). */
  signature?: { node: string; encrypted: boolean; signer: string };
}

export interface BuiltItem {
  id: string;
  iq: Element;
  published: PublishedItem;
  attachment?: SignedAttachment;
}

/** A payload given by the user: one well-formed element that declares its namespace. */
export function parsePayload(text: string, where: string): Element {
  const payload = parseXmlElement(text, where);
  if (!payload.getNS())
    throw new OxpsError(
      'INPUT_INVALID',
      `${where}: <${payload.name}> declares no namespace`,
      'add an xmlns attribute to the payload element',
    );
  return payload;
}

export function randomItemId(): string {
  return randomBytes(12).toString('base64url');
}

/** Prepares publishing to one node: checks the policy and picks the secret once. */
export async function openPublisher(ctx: AppContext, options: PublishOptions) {
  const { service, node } = options;
  const state = await ctx.state();
  const record = ensureNodeRecord(state.data, service, node);
  if (options.plaintext && record.secrets.length > 0 && !options.force) {
    const question = `Node ${node} on ${service} is encrypted. Publish in clear anyway?`;
    if (
      !(await ctx.options.confirm(
        question,
        'drop --plaintext, or add --force if you really mean to publish in clear',
      ))
    ) {
      throw new OxpsError(
        'USAGE',
        `node ${node} on ${service} is encrypted: nothing published in clear`,
        'drop --plaintext',
      );
    }
  }
  const secret = options.plaintext ? undefined : await secretForPublishing(ctx, record);
  if (secret) await ensureReadersHaveSecret(ctx, record, secret);
  let signer: Promise<Signer> | undefined;
  const openSigner = () =>
    (signer ??= import('./signing/signer.js').then((m) =>
      m.openSigner(ctx, { service, node, secret, compat: options.signCompat }),
    ));

  return {
    secret,
    async build(item: ItemToPublish): Promise<BuiltItem> {
      const id = item.id ?? randomItemId();
      record.payloadType ??= item.payload.getNS() ?? undefined;
      const text = secret && serializeForEncryption(item.payload);
      const payload =
        secret && text
          ? buildEncrypted({
              secretId: secret.id,
              ciphertext: await encryptItem(Buffer.from(text, 'utf8'), secret.key),
            })
          : item.payload;
      const iq = publishIq(service, node, id, payload);
      const size = Buffer.byteLength(iq.toString());
      if (size > MAX_STANZA_BYTES) {
        throw new OxpsError(
          'INPUT_INVALID',
          `item ${id} is too big (${size} bytes once encrypted; servers refuse stanzas over ${MAX_STANZA_BYTES})`,
          'publish a smaller payload, or a link to the content',
        );
      }
      const published: PublishedItem = { id, secretId: secret?.id, encrypted: Boolean(secret) };
      if (!(item.sign ?? options.sign)) return { id, iq, published };
      // signed as readers will see it: the text that is encrypted, parsed back
      const attachment = await (
        await openSigner()
      ).attach(id, text ? parseXmlElement(text, `item ${id}`) : item.payload);
      return {
        id,
        iq,
        published: {
          ...published,
          signature: { node: attachment.node, encrypted: attachment.encrypted, signer: ctx.bareJid },
        },
        attachment,
      };
    },
    /** Publishes the signature first: a reader never sees the item without it. */
    async send({ id, iq, attachment }: BuiltItem): Promise<string> {
      if (attachment) await (await openSigner()).publish(id, attachment);
      // the session is asked for each time: a bulk run may have reconnected since
      const result = await (
        await ctx.session()
      ).iq(iq, `publishing item ${id} to node ${node} on ${service}`);
      return publishedItemId(result) ?? id;
    },
  };
}

export async function publishItem(
  ctx: AppContext,
  options: PublishOptions,
  item: ItemToPublish,
): Promise<PublishedItem> {
  const publisher = await openPublisher(ctx, options);
  const built = await publisher.build(item);
  const finalId = await publisher.send(built);
  await (await ctx.state()).save();
  return { ...built.published, id: finalId };
}

/** XEP-0473 §5: the most recent non-revoked secret; with none, only the origin may make one. */
async function secretForPublishing(ctx: AppContext, record: NodeRecord): Promise<NodeSecret> {
  await settleBeforeEncrypting(ctx, record, 'nothing published');
  const current = currentSecret(record.secrets);
  if (current) {
    noticeForeignSecret(ctx, record, current);
    return current;
  }
  if (record.secrets.length === 0) {
    throw new OxpsError(
      'NO_SECRET',
      `no secret known for node ${record.node} on ${record.service}`,
      `make it an encrypted node first: oxps encrypt-node -s ${record.service} -n ${record.node} (or ask its owner to share the secret)`,
    );
  }
  if (!mayGenerateSecret(record.secrets, ctx.bareJid)) {
    throw new OxpsError(
      'NOT_ORIGIN',
      `every secret of node ${record.node} is revoked, and only ${origins(record.secrets).join(', ')} may make a new one`,
      'ask them to rotate the secret (oxps secret rotate)',
    );
  }
  const secret = generateSecret(ctx.bareJid);
  record.secrets.push(secret);
  await (await ctx.state()).save();
  ctx.reporter.warn(
    `every secret of node ${record.node} was revoked: made a new one (${secret.id}); the readers on the node's whitelist get it first, anyone else with: oxps secret share -s ${record.service} -n ${record.node} JID…`,
  );
  return secret;
}
