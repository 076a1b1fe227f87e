// Verifying signed items (XEP-0475/0476) while fetching: each item's XEP-0470 attachments node
// is read (the request leaves as soon as the item is known, so requests overlap the fetch and the
// decryption) where one may exist: the items the service's node listing names, or, where the
// listing cannot tell, every item of a node whose first items have attachments (a node nobody
// signs costs a handful of requests, not one per item). Encrypted attachments are decrypted with
// the node's secrets, the signed data is rebuilt from the plaintext and checked with the
// signer's OX keys under the trust policy.
// Attachment nodes are often open to any publisher (Libervia creates them so): everything read
// there is bounded (items, attachments decrypted, signatures checked, signers looked up), and a
// signature counts only if the attachment item's id is its signer, its <to/> is this service,
// its time is not in the future, and, where the server names the item's publisher, it is theirs.
import { MAX_FUTURE_TIME_MS } from '../protocol/ox/signcrypt.js';
import type * as openpgp from 'openpgp';
import { isOxpsError, OxpsError } from '../errors.js';
import { ItemDecryptError } from '../crypto/itemCipher.js';
import type { Decryptor } from '../crypto/decryptPool.js';
import { attachmentsNodeName } from '../protocol/attachments/nodeName.js';
import {
  decryptedAttachments,
  MalformedAttachments,
  parseAttachmentsPayload,
  readAttachments,
  type Attachment,
} from '../protocol/attachments/attachments.js';
import { itemsIq, parseItemsResult, type PubsubItem } from '../protocol/pubsub/items.js';
import { plaintextItem, signedBytes, type SignatureElement } from '../protocol/signing/signData.js';
import { C14nError } from '../protocol/signing/c14n2.js';
import { NS } from '../protocol/namespaces.js';
import { parseXmlElement, type Element } from '../protocol/xml.js';
import { IqError } from '../xmpp/session.js';
import type { AppContext } from './context.js';
import type { NodeRecord } from './state.js';
import { readingSecret } from './nodeOrigin.js';
import { SAMPLED_ITEMS } from './attachmentsListing.js';

/** Attachment items read per item: a signature is one item per signer, a reaction one per reader. */
export const MAX_ATTACHMENT_ITEMS = 32;
/**
 * Attachment requests in flight. Anyone may fill an open attachments node with items of the
 * stanza size limit (256 KiB): this bounds what the answers hold at once (8 × 32 × 256 KiB).
 */
export const ATTACHMENT_REQUESTS_IN_FLIGHT = 8;
/** Encrypted attachment items decrypted per item (the owner's and the publisher's first). */
export const MAX_DECRYPTED_ATTACHMENTS = 8;
/** Signatures checked per item. */
export const MAX_SIGNATURES_CHECKED = 4;
/** Signers whose keys one fetch looks up on the network (each costs a PEP request). */
export const MAX_SIGNERS_LOOKED_UP = 16;

export type SignatureStatus = 'verified' | 'untrusted' | 'bad' | 'not-publisher' | 'unsigned';

export interface SignatureView {
  status: SignatureStatus;
  /** The signer's bare JID (all statuses but unsigned, and bad when the signature is unreadable). */
  signer?: string;
  /** The key that made the signature (verified, untrusted). */
  fingerprint?: string;
  /** The signature time as the signer wrote it. */
  time?: string;
  /** True when the signature was an encrypted attachment (XEP-0473), false when in clear (Libervia). */
  encrypted?: boolean;
  /** Why (bad, not-publisher, untrusted, and unsigned when the attachments could not be read). */
  reason?: string;
}

/** An attachment as shown (signatures by signer and time: their verdict is the item's `signature`). */
export type AttachmentView = (
  | Exclude<Attachment, { kind: 'signature' }>
  | { kind: 'signature'; encrypted: boolean; signer: string; time: string }
  | { kind: 'signature'; encrypted: boolean; problem: string }
) & {
  /** The attachment item's id: the JID of who attached it (XEP-0470). */
  by: string;
};

export interface ItemAttachments {
  signature: SignatureView;
  /** Every attachment read (signatures included), when asked for. */
  attachments?: AttachmentView[];
  /** Attachment items that could not be read (reasons), when asked for. */
  problems?: string[];
}

export interface VerifierOptions {
  service: string;
  node: string;
  /** The node's owner where its address tells (PEP): their signature is looked for first. */
  owner?: string;
  record: NodeRecord | undefined;
  decryptor: Decryptor;
  /** Keep every attachment for display (fetch --attachments). */
  keepAttachments: boolean;
  /**
   * The ids of the items that have an attachments node, from the service's listing; undefined
   * (or resolving to it) when the listing cannot tell.
   */
  attached?: Promise<Set<string> | undefined>;
  /** Without a listing, read every item's attachments, not only when the first items have some (--require-signed). */
  everyItem?: boolean;
}

/** An item's attachment items; none when its attachments node does not exist (or was not looked for: why). */
interface AttachmentsRead {
  items: AttachmentItem[];
  /** The attachments node answered (or might exist: the request failed). */
  found: boolean;
  notLookedFor?: string;
}

interface AttachmentItem {
  by: string;
  attachments: Attachment[];
  problem?: string;
}

export class SignatureVerifier {
  private readonly signers = new Map<string, Promise<SignerKeys | undefined>>();
  private lookups = 0;
  private keyAccess: Promise<unknown> = Promise.resolve();
  private readonly requests = new Limiter(ATTACHMENT_REQUESTS_IN_FLIGHT);
  private started = 0;
  private readonly sample: Array<Promise<boolean>> = [];
  private sampleHasAttachments: Promise<boolean> | undefined;

  constructor(
    private readonly ctx: AppContext,
    private readonly options: VerifierOptions,
  ) {}

  /**
   * Starts reading the item's attachments now; the result waits for the item's plaintext, which
   * is asked for (parsed) only if there is a signature to check.
   */
  start(item: PubsubItem): (plaintext: (() => Element | undefined) | undefined) => Promise<ItemAttachments> {
    const index = this.started++;
    const lookup = this.lookUp(item, index);
    if (index < SAMPLED_ITEMS)
      this.sample.push(
        lookup.then(
          (read) => read.found,
          () => true,
        ),
      );
    const attachments = lookup.catch((error: unknown) => error as Error);
    return async (plaintext) => {
      const looked = await attachments;
      if (looked instanceof Error) {
        if (looked instanceof IqError || isOxpsError(looked, 'TIMEOUT'))
          return {
            signature: {
              status: 'unsigned',
              reason: `attachments not readable (${looked instanceof IqError ? looked.condition : looked.message})`,
            },
          };
        throw looked;
      }
      if (looked.notLookedFor) return { signature: { status: 'unsigned', reason: looked.notLookedFor } };
      const read = looked.items;
      const signature = plaintext
        ? await this.verdict(item, plaintext, read)
        : { status: 'unsigned' as const };
      if (!this.options.keepAttachments) return { signature };
      return {
        signature,
        attachments: read.flatMap((entry) =>
          entry.attachments.map((attachment) => attachmentView(attachment, entry.by)),
        ),
        problems: read
          .filter((entry) => entry.problem)
          .map((entry) => `attachment ${entry.by}: ${entry.problem}`),
      };
    };
  }

  /** Reads the item's attachments where they may exist (see the top of this file). */
  private async lookUp(item: PubsubItem, index: number): Promise<AttachmentsRead> {
    const attached = await this.options.attached;
    if (attached) return attached.has(item.id) ? this.read(item) : { items: [], found: false };
    if (index < SAMPLED_ITEMS || this.options.everyItem) return this.read(item);
    this.sampleHasAttachments ??= Promise.all(this.sample).then((found) => {
      const some = found.some(Boolean);
      if (!some)
        this.ctx.reporter.verbose(
          `attachments: none of the first ${SAMPLED_ITEMS} items has any, the others' are not looked for (--require-signed looks at every item's)`,
        );
      return some;
    });
    if (await this.sampleHasAttachments) return this.read(item);
    return {
      items: [],
      found: false,
      notLookedFor: `not looked for: none of the first ${SAMPLED_ITEMS} items fetched has attachments`,
    };
  }

  private async read(item: PubsubItem): Promise<AttachmentsRead> {
    const items = await this.requests.run(() => this.attachmentItems(item));
    return items ? { items, found: true } : { items: [], found: false };
  }

  /**
   * The item's attachment items, decrypted (at most MAX_DECRYPTED_ATTACHMENTS), the owner's and
   * publisher's first; undefined when it has no attachments node (or one we may not read).
   */
  private async attachmentItems(item: PubsubItem): Promise<AttachmentItem[] | undefined> {
    const { service, node, owner } = this.options;
    const session = await this.ctx.session();
    const attachmentsNode = attachmentsNodeName(service, node, item.id);
    const what = `reading the attachments of item ${item.id} of ${node}`;
    let items: PubsubItem[];
    try {
      items = parseItemsResult(
        await session.iq(itemsIq(service, attachmentsNode, { maxItems: MAX_ATTACHMENT_ITEMS }), what),
      ).items.slice(0, MAX_ATTACHMENT_ITEMS);
    } catch (error) {
      // no attachments node (or one we may not read): nothing attached
      if (error instanceof IqError && NO_ATTACHMENTS.has(error.condition)) return undefined;
      throw error;
    }
    const wanted = [owner, item.publisher && bareJid(item.publisher)].filter((jid): jid is string =>
      Boolean(jid),
    );
    // a flooded node: the few signers that matter may be beyond the most recent items
    if (
      items.length >= MAX_ATTACHMENT_ITEMS &&
      wanted.some((jid) => !items.some((i) => bareJid(i.id) === jid))
    ) {
      const targeted = parseItemsResult(
        await session.iq(itemsIq(service, attachmentsNode, { ids: wanted }), what),
      ).items;
      items = [
        ...targeted.filter((t) => wanted.includes(bareJid(t.id))),
        ...items.filter((i) => !wanted.includes(bareJid(i.id))),
      ].slice(0, MAX_ATTACHMENT_ITEMS);
    }
    const ordered = [...items].sort(
      (a, b) => Number(wanted.includes(bareJid(b.id))) - Number(wanted.includes(bareJid(a.id))),
    );
    let decryptions = 0;
    return Promise.all(
      ordered.map((attachmentItem) =>
        this.readAttachmentItem(attachmentItem, () => ++decryptions <= MAX_DECRYPTED_ATTACHMENTS),
      ),
    );
  }

  private async readAttachmentItem(item: PubsubItem, mayDecrypt: () => boolean): Promise<AttachmentItem> {
    const by = item.id;
    if (!item.payload) return { by, attachments: [], problem: item.problem ?? 'no payload' };
    try {
      const payload = parseAttachmentsPayload(item.payload);
      const attachments = readAttachments(payload.clear, false);
      if (!payload.encrypted) return { by, attachments };
      const secret = readingSecret(this.options.record, payload.encrypted.secretId);
      if (!secret)
        return {
          by,
          attachments,
          problem: `encrypted with a secret we do not have (${payload.encrypted.secretId})`,
        };
      if (!mayDecrypt())
        return {
          by,
          attachments,
          problem: `not decrypted (at most ${MAX_DECRYPTED_ATTACHMENTS} encrypted attachment items are read per item)`,
        };
      const plaintext = await this.options.decryptor.decrypt(payload.encrypted.ciphertext, secret.key);
      const text = new TextDecoder('utf-8', { fatal: true }).decode(plaintext);
      return {
        by,
        attachments: [
          ...attachments,
          ...readAttachments(decryptedAttachments(parseXmlElement(text, 'decrypted attachment')), true),
        ],
      };
    } catch (error) {
      if (
        error instanceof MalformedAttachments ||
        error instanceof ItemDecryptError ||
        error instanceof OxpsError ||
        error instanceof TypeError
      ) {
        return { by, attachments: [], problem: error.message };
      }
      throw error;
    }
  }

  /** The best of the item's signatures: a verified one (the owner's first) over any failure. */
  private async verdict(
    item: PubsubItem,
    payload: () => Element | undefined,
    read: AttachmentItem[],
  ): Promise<SignatureView> {
    const candidates: Array<{
      by: string;
      signature?: SignatureElement;
      problem?: string;
      encrypted: boolean;
    }> = [];
    for (const entry of read) {
      for (const attachment of entry.attachments) {
        if (attachment.kind !== 'signature') continue;
        candidates.push(
          'signature' in attachment
            ? { by: entry.by, signature: attachment.signature, encrypted: attachment.encrypted }
            : { by: entry.by, problem: attachment.problem, encrypted: attachment.encrypted },
        );
      }
    }
    if (candidates.length === 0) return { status: 'unsigned' };
    const plaintext = payload();
    if (!plaintext) return { status: 'unsigned' };
    const views: SignatureView[] = [];
    for (const candidate of candidates.slice(0, MAX_SIGNATURES_CHECKED)) {
      views.push(
        candidate.signature
          ? await this.check(item, plaintext, candidate.by, candidate.signature, candidate.encrypted)
          : {
              status: 'bad',
              encrypted: candidate.encrypted,
              reason: `attachment ${candidate.by}: ${candidate.problem}`,
            },
      );
    }
    return views.sort((a, b) => rank(a, this.options.owner) - rank(b, this.options.owner))[0]!;
  }

  private async check(
    item: PubsubItem,
    plaintext: Element,
    by: string,
    signature: SignatureElement,
    encrypted: boolean,
  ): Promise<SignatureView> {
    const signer = bareJid(signature.signer);
    const base = { signer, time: signature.stampText, encrypted };
    if (bareJid(by) !== signer || by.includes('/'))
      return {
        ...base,
        status: 'bad',
        reason: `the attachment item ${by} carries a signature by ${signer} (only ${signer} may attach it)`,
      };
    if (signature.stamp.getTime() > Date.now() + MAX_FUTURE_TIME_MS)
      return { ...base, status: 'bad', reason: `signed in the future (${signature.stampText})` };
    if (item.publisher && bareJid(item.publisher) !== signer)
      return {
        ...base,
        status: 'not-publisher',
        reason: `the server says ${bareJid(item.publisher)} published the item`,
      };
    const replayed = replayedFrom(plaintext, this.options.service, this.options.node, item.id);
    if (replayed)
      return { ...base, status: 'bad', reason: `the signed entry is ${replayed} (copied from there?)` };
    let bytes: Uint8Array;
    try {
      bytes = signedBytes({
        service: this.options.service,
        stamp: signature.stamp,
        signer: signature.signer,
        item: plaintextItem(plaintext),
      });
    } catch (error) {
      if (error instanceof C14nError)
        return { ...base, status: 'bad', reason: `the item cannot be canonicalised (${error.message})` };
      throw error;
    }
    const { verifyDetached } = await import('../crypto/detachedSignature.js');
    let keys = await this.signerKeys(signer, false);
    if (!keys)
      return { ...base, status: 'untrusted', reason: `no OpenPGP key of ${signer} could be looked up` };
    let result = await verifyDetached(bytes, signature.signatureBase64, keys.keys);
    if (!result.ok && result.reason === 'no-key') {
      // a key the signer published since we last looked
      keys = await this.signerKeys(signer, true);
      if (keys) result = await verifyDetached(bytes, signature.signatureBase64, keys.keys);
    }
    if (result.ok) {
      const trusted = keys?.trusted.has(result.fingerprint);
      return trusted
        ? { ...base, status: 'verified', fingerprint: result.fingerprint }
        : {
            ...base,
            status: 'untrusted',
            fingerprint: result.fingerprint,
            reason: `key ${result.fingerprint} is not trusted (oxps key trust ${signer} ${result.fingerprint})`,
          };
    }
    if (result.reason === 'no-key')
      return { ...base, status: 'bad', reason: `not made by any published key of ${signer}` };
    return { ...base, status: 'bad', reason: result.message };
  }

  /**
   * The signer's keys, looked up once per run (and once more on `refresh`); the state is taken
   * only for the look-up, saved if it learnt keys, and released, so that a long fetch does not
   * hold up a publishing job.
   */
  private signerKeys(jid: string, refresh: boolean): Promise<SignerKeys | undefined> {
    const key = `${refresh ? 'refresh' : 'cached'} ${jid}`;
    let found = this.signers.get(key);
    if (!found) {
      const lookup = async (): Promise<SignerKeys | undefined> => {
        if (++this.lookups > MAX_SIGNERS_LOOKED_UP) return undefined;
        const keyring = await this.ctx.keyring();
        const state = await this.ctx.state();
        try {
          const before = JSON.stringify(state.data.contacts[jid] ?? null);
          const keys = await keyring.signatureKeys(jid, refresh);
          if (JSON.stringify(state.data.contacts[jid] ?? null) !== before) await state.save();
          return keys;
        } catch (error) {
          if (
            error instanceof IqError ||
            isOxpsError(error, 'TIMEOUT') ||
            isOxpsError(error, 'KEY_NOT_FOUND')
          )
            return undefined;
          throw error;
        } finally {
          await this.ctx.releaseState();
        }
      };
      found = this.keyAccess.then(lookup, lookup);
      this.keyAccess = found.catch(() => undefined);
      this.signers.set(key, found);
    }
    return found;
  }
}

/** Runs at most `size` tasks at once, the others in the order they came. */
class Limiter {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(private readonly size: number) {}

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.size) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.running++;
    try {
      return await task();
    } finally {
      this.running--;
      this.waiting.shift()?.();
    }
  }
}

interface SignerKeys {
  keys: openpgp.PublicKey[];
  trusted: Set<string>;
}

function attachmentView(attachment: Attachment, by: string): AttachmentView {
  if (attachment.kind === 'signature' && 'signature' in attachment) {
    return {
      kind: 'signature',
      encrypted: attachment.encrypted,
      signer: attachment.signature.signer,
      time: attachment.signature.stampText,
      by,
    };
  }
  return { ...attachment, by };
}

const NO_ATTACHMENTS = new Set([
  'item-not-found',
  'forbidden',
  'not-authorized',
  'not-allowed',
  'feature-not-implemented',
  'service-unavailable',
]);

const RANK: Record<SignatureStatus, number> = {
  verified: 0,
  untrusted: 1,
  'not-publisher': 2,
  bad: 3,
  unsigned: 4,
};

function rank(view: SignatureView, owner: string | undefined): number {
  return RANK[view.status] * 2 + (view.signer === owner ? 0 : 1);
}

function bareJid(jid: string): string {
  return jid.split('/')[0]!.toLowerCase();
}

/**
 * Where an Atom entry says it belongs, when that is another item: Libervia (and oxps) give each
 * entry the id xmpp:SERVICE?;node=NODE;item=ID. A signature covers the entry but not the item it
 * is published as, so a copy of a signed entry under another item is told apart by it.
 */
function replayedFrom(payload: Element, service: string, node: string, itemId: string): string | undefined {
  if (!payload.is('entry', NS.atom)) return undefined;
  const id = payload.getChildText('id', NS.atom)?.trim();
  const match = id ? /^xmpp:([^?]+)\?;node=([^;]*);item=([^;]*)$/.exec(id) : null;
  if (!match) return undefined;
  const decode = (part: string) => {
    try {
      return decodeURIComponent(part.replace(/\+/g, ' '));
    } catch {
      return part;
    }
  };
  const [where, from, item] = [decode(match[1]!), decode(match[2]!), decode(match[3]!)];
  if (bareJid(where) === bareJid(service) && from === node && item === itemId) return undefined;
  return `item ${item} of ${from} on ${where}`;
}
