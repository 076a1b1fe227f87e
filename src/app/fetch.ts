// `oxps fetch`: retrieve items and decrypt them with any known secret of the node, revoked
// ones included. Items that cannot be read are reported with the reason, never dropped and
// never shown raw as if they were content (a Libervia bug we do not copy). Items stream to
// the caller in order while the next ones are fetched and decrypted (on worker threads for
// big nodes); decrypted items are cached, so a second fetch does not decrypt again. What one
// fetch holds is bounded: a decrypted item is at most maxItemBytes, and only as many items are
// read ahead as fit in READ_AHEAD_BYTES of such items.
import { OxpsError } from '../errors.js';
import { DEFAULT_MAX_PLAINTEXT_BYTES, ItemDecryptError, MAX_CIPHERTEXT_BYTES } from '../crypto/itemCipher.js';
import { Decryptor } from '../crypto/decryptPool.js';
import { MalformedItem, parseEncrypted } from '../protocol/oxps/encrypted.js';
import { NS } from '../protocol/namespaces.js';
import { itemsIq, parseItemsResult, type PubsubItem } from '../protocol/pubsub/items.js';
import { parseXmlElement, type Element } from '../protocol/xml.js';
import { ItemCache } from '../store/itemCache.js';
import { IqError } from '../xmpp/session.js';
import { bareJid, isAccountService } from '../xmpp/jid.js';
import type { AppContext } from './context.js';
import { ensureNodeRecord, nodeRecord, type ItemsRetrieval, type NodeRecord } from './state.js';
import { readingSecret, unknownSecretReason } from './nodeOrigin.js';
import type { AttachmentView, ItemAttachments, SignatureVerifier, SignatureView } from './signatures.js';
import { attachedItems, SAMPLED_ITEMS } from './attachmentsListing.js';
import { ItemListing } from './itemListing.js';

export interface FetchRequest {
  service: string;
  node: string;
  max?: number;
  all?: boolean;
  ids?: string[];
  /** Items per request for --all, and requests in flight. */
  batch?: number;
  window?: number;
  /** Skip the decrypted-items cache. */
  noCache?: boolean;
  /** Give encrypted payloads as they are (backups, exports, measuring the fetch alone). */
  noDecrypt?: boolean;
  /** Largest decrypted payload read (default DEFAULT_MAX_ITEM_BYTES); bigger items fail. */
  maxItemBytes?: number;
  /** Check each item's signature (XEP-0475), read from its XEP-0470 attachments. */
  verify?: boolean;
  /** Give every attachment of each item (noticed, reactions…), decrypted. */
  attachments?: boolean;
  /**
   * Every item's signature matters (--require-signed): where the service's node listing cannot
   * tell which items have attachments, each item's are read, not only when the first items have some.
   */
  everySignature?: boolean;
  /**
   * The node's listing, where the caller reads it too (node audit orders the items by it): --all
   * then checks every answer against it, whatever it remembers of the service.
   */
  listing?: ItemListing;
}

/** An Atom entry is kilobytes: a megabyte leaves room for long posts, not for bombs. */
export const DEFAULT_MAX_ITEM_BYTES = DEFAULT_MAX_PLAINTEXT_BYTES;

export interface ItemBase {
  id: string;
  publisher?: string;
}

/** What the attachments say of a readable item (with verify or attachments). */
export interface Attached {
  signature?: SignatureView;
  attachments?: AttachmentView[];
  attachmentProblems?: string[];
}

/** A payload as text, and as an element for whoever reads inside it (parsed at most once; not in JSON). */
export interface Payload {
  xml: string;
  element(): Element;
}

function payload(xml: string, parsed?: Element): Payload {
  let element = parsed;
  return { xml, element: () => (element ??= parseXmlElement(xml, 'payload')) };
}

export type FetchedItem =
  | (ItemBase & Payload & Attached & { status: 'decrypted'; secretId: string; secretRevoked: boolean })
  | (ItemBase & Payload & Attached & { status: 'plaintext' })
  | (ItemBase & Payload & { status: 'encrypted' })
  | (ItemBase & { status: 'failed'; secretId?: string; reason: string })
  | (ItemBase & { status: 'missing' });

type WithoutElement<Item> = Item extends unknown ? Omit<Item, 'element'> : never;

/** An item as `fetch --json` prints it: the element stays behind. */
export type FetchedItemJson = WithoutElement<FetchedItem>;

/** Items decrypted ahead of the one being output… */
const READ_AHEAD = 64;
/** …as long as that many items of the largest size allowed fit in this. */
const READ_AHEAD_BYTES = 16 * 1024 * 1024;

/**
 * `before`: work that may change the node's secrets (the quick sync); the first request for the
 * items goes out beside it, and decryption waits for it.
 */
export async function* fetchItems(
  ctx: AppContext,
  request: FetchRequest,
  before: Promise<void> = Promise.resolve(),
): AsyncGenerator<FetchedItem> {
  const state = await ctx.state();
  const retrieval = new RetrievalMemory(request.service, state.data.itemsRetrieval?.[request.service]);
  const retrieved = retrieveItems(ctx, request, retrieval);
  const first = retrieved.next();
  first.catch(() => undefined);
  const attached = readsAttachments(request) ? listedAttachments(ctx, request) : undefined;
  attached?.catch(() => undefined);
  try {
    await before;
  } catch (error) {
    await first.catch(() => undefined);
    await retrieved.return(undefined);
    throw error;
  }
  const record = structuredClone(nodeRecord(state.data, request.service, request.node));
  // Reading needs only this copy: unlock the profile so a long fetch does not hold up the
  // cron job that wants to publish (the cache file is replaced atomically, last writer wins).
  await ctx.releaseState();
  const maxItemBytes = request.maxItemBytes ?? DEFAULT_MAX_ITEM_BYTES;
  const cache =
    request.noCache || request.noDecrypt
      ? undefined
      : await openCache(ctx, request.service, request.node, maxItemBytes);
  const reader = new ItemReader(
    record,
    cache,
    new Decryptor({ maxPlaintextBytes: maxItemBytes }),
    maxItemBytes,
    Boolean(request.noDecrypt),
  );
  const readAhead = Math.max(1, Math.min(READ_AHEAD, Math.floor(READ_AHEAD_BYTES / maxItemBytes)));
  const ahead: Array<Promise<FetchedItem>> = [];
  const seen = new Set<string>();
  const owner = knownOwner(request.service);
  const verifier = await signatureVerifier(ctx, request, record, owner, reader.decryptor, attached);
  const next = async () => {
    const item = await ahead.shift()!;
    const warning = foreignPublisherWarning(owner, request.node, item);
    if (warning) ctx.reporter.warn(warning);
    return item;
  };
  try {
    for (let step = await first; !step.done; step = await retrieved.next()) {
      const item = step.value;
      seen.add(item.id);
      const attached = verifier?.start(item);
      ahead.push(
        attached
          ? reader.read(item).then((read) => withAttachments(read, item, attached))
          : reader.read(item),
      );
      if (ahead.length >= readAhead) yield await next();
    }
    while (ahead.length) yield await next();
    for (const id of new Set(request.ids)) if (!seen.has(id)) yield { id, status: 'missing' };
    if (cache) {
      ctx.reporter.verbose(`${reader.cacheHits} item(s) read from the cache of decrypted items`);
      if (request.all) await cache.prune(seen);
    }
    const { main, workers } = reader.decryptor.costly;
    if (main + workers > 0)
      ctx.reporter.verbose(
        `${main + workers} costly item(s) (GnuPG-made S2K) decrypted: ${main} on the main thread, ${workers} on worker threads`,
      );
    await retrieval.save(ctx);
  } finally {
    await retrieved.return(undefined);
    await Promise.allSettled(ahead);
    await reader.decryptor.close();
  }
}

async function signatureVerifier(
  ctx: AppContext,
  request: FetchRequest,
  record: NodeRecord | undefined,
  owner: string | undefined,
  decryptor: Decryptor,
  attached: Promise<Set<string> | undefined> | undefined,
): Promise<SignatureVerifier | undefined> {
  if (!readsAttachments(request)) return undefined;
  const { SignatureVerifier } = await import('./signatures.js');
  return new SignatureVerifier(ctx, {
    service: request.service,
    node: request.node,
    owner,
    record,
    decryptor,
    keepAttachments: Boolean(request.attachments),
    attached,
    everyItem: Boolean(request.everySignature || request.attachments),
  });
}

function readsAttachments(request: FetchRequest): boolean {
  return !request.noDecrypt && Boolean(request.verify || request.attachments);
}

/**
 * The service's node listing, asked beside the items request, where it may save requests: a
 * fetch of a few items reads their attachments as cheaply (see SAMPLED_ITEMS).
 */
function listedAttachments(
  ctx: AppContext,
  request: FetchRequest,
): Promise<Set<string> | undefined> | undefined {
  const few = request.ids?.length ? request.ids.length : request.all ? Infinity : (request.max ?? 10);
  if (few <= SAMPLED_ITEMS) return undefined;
  return attachedItems(ctx, request.service, request.node);
}

/** The item with its signature's verdict (and attachments): readable items only. */
async function withAttachments(
  item: FetchedItem,
  pubsubItem: PubsubItem,
  attached: (plaintext: (() => Element | undefined) | undefined) => Promise<ItemAttachments>,
): Promise<FetchedItem> {
  if (item.status !== 'decrypted' && item.status !== 'plaintext') {
    await attached(undefined);
    return item;
  }
  // the payload as it came (its namespaces declared up the stanza), or the decrypted one
  const plaintext = item.status === 'plaintext' ? () => pubsubItem.payload : () => item.element();
  const { signature, attachments, problems } = await attached(plaintext);
  return {
    ...item,
    signature,
    ...(attachments && { attachments }),
    ...(problems?.length ? { attachmentProblems: problems } : {}),
  };
}

/** Whether the user asked that every item of the node be signed (oxps node set --require-signed). */
export async function nodeRequiresSignatures(
  ctx: AppContext,
  service: string,
  node: string,
): Promise<boolean> {
  return Boolean(nodeRecord((await ctx.state()).data, service, node)?.requireSigned);
}

/** Stores the node's local settings (oxps node set); returns the record's settings after the change. */
export async function setNodeSettings(
  ctx: AppContext,
  service: string,
  node: string,
  settings: { requireSigned?: boolean },
): Promise<{ service: string; node: string; requireSigned: boolean }> {
  const state = await ctx.state();
  const record = ensureNodeRecord(state.data, service, node);
  if (settings.requireSigned !== undefined) {
    if (settings.requireSigned) record.requireSigned = true;
    else delete record.requireSigned;
  }
  await state.save();
  return { service, node, requireSigned: Boolean(record.requireSigned) };
}

/** A node's owner where its address tells: a PEP node is its account's; a component's node, unknown here. */
export function knownOwner(service: string): string | undefined {
  return isAccountService(service) ? bareJid(service) : undefined;
}

/**
 * XEP-0473 does not authenticate publishers, but where the server names one (Prosody's PEP does
 * not; components may) an item someone other than the owner published deserves a word.
 */
export function foreignPublisherWarning(
  owner: string | undefined,
  node: string,
  item: { id: string; publisher?: string },
): string | undefined {
  if (!owner || !item.publisher || bareJid(item.publisher) === owner) return undefined;
  return `item ${item.id} of ${node} was published by ${item.publisher}, not by the node's owner ${owner}`;
}

async function openCache(
  ctx: AppContext,
  service: string,
  node: string,
  maxItemBytes: number,
): Promise<ItemCache | undefined> {
  const note = (message: string) => ctx.reporter.verbose(message);
  return ctx.storage.openItemCache(service, node, { maxEntryBytes: maxItemBytes, note });
}

async function* retrieveItems(
  ctx: AppContext,
  request: FetchRequest,
  retrieval: RetrievalMemory,
): AsyncGenerator<PubsubItem> {
  try {
    yield* requestItems(ctx, request, retrieval);
  } catch (error) {
    throw error instanceof IqError ? nodeAccessError(error, request.service, request.node) : error;
  }
}

/**
 * What a refusal of the node's items means for the reader. Prosody answers forbidden both to
 * someone off a whitelist and for another account's PEP node that does not exist.
 */
export function nodeAccessError(error: IqError, service: string, node: string): OxpsError {
  if (error.condition === 'item-not-found') {
    return new OxpsError(
      'NODE_NOT_FOUND',
      `node ${node} does not exist on ${service}`,
      'check the node name (-n) and the service (-s)',
    );
  }
  if (error.condition === 'forbidden' || error.condition === 'not-authorized') {
    const owner = knownOwner(service);
    const where = owner ? `on ${owner}'s account` : `on ${service}`;
    const whom = owner ?? `the owner of ${node} on ${service}`;
    return new OxpsError(
      'SERVER_ERROR',
      `you are not a reader of ${node} ${where} (the owner has not shared it with you, or removed you; ${service} answered ${error.condition})`,
      `ask ${whom} to share it with you; if they have, check the node name`,
    );
  }
  return error;
}

async function* requestItems(
  ctx: AppContext,
  request: FetchRequest,
  retrieval: RetrievalMemory,
): AsyncGenerator<PubsubItem> {
  const { service, node, max, all, ids } = request;
  const session = await ctx.session();
  const what = `fetching items of node ${node} on ${service}`;
  if (ids?.length || !all) {
    const result = await session.iq(
      itemsIq(service, node, { ids, maxItems: ids?.length ? undefined : (max ?? 10) }),
      what,
    );
    yield* parseItemsResult(result).items;
    return;
  }
  const batches = { batch: request.batch ?? 100, window: request.window ?? 4 };
  const listing = request.listing ?? new ItemListing(ctx, service, node);
  if (retrieval.known === 'by-id') {
    const allIds = await listing.ids();
    if (allIds) yield* fetchByIds(ctx, service, node, allIds, batches);
    else yield* rsmPages(ctx, request);
    return;
  }
  // One request for the whole node: the server loads it once (Prosody's file storage loads the
  // whole node for any request). A service not known yet is also asked for the node's listing,
  // in the same round trip, to check that its answer is whole; so is one whose listing the
  // caller reads anyway.
  const checked = retrieval.known && !request.listing ? undefined : listing.ids();
  const answer = parseItemsResult(await session.iq(itemsIq(service, node), what));
  yield* answer.items;
  // a <set/> is only a reason to ask the listing: its count sizes nothing here
  const saysMore =
    answer.rsm !== undefined && (answer.rsm.count === undefined || answer.rsm.count > answer.items.length);
  const listed = checked ? await checked : saysMore ? await listing.ids() : undefined;
  const received = new Set(answer.items.map((item) => item.id));
  const missing = (listed ?? []).filter((id) => !received.has(id));
  if (missing.length > 0) {
    ctx.reporter.verbose(
      `${service} answered with ${answer.items.length} of the ${listed!.length} items it lists: fetching the other ${missing.length} by id`,
    );
    retrieval.learn('by-id');
    yield* fetchByIds(ctx, service, node, missing, batches);
  } else if (saysMore && !listed && answer.rsm?.last && answer.items.length > 0) {
    retrieval.learn('by-id');
    yield* rsmPages(ctx, request, answer.rsm.last);
  } else if (checked) {
    retrieval.learn('whole');
  }
}

/**
 * RSM pages where the service supports them; a service without RSM ignores the <set/> and
 * answers with every item at once, which ends the loop as well.
 */
async function* rsmPages(ctx: AppContext, request: FetchRequest, after?: string): AsyncGenerator<PubsubItem> {
  const { service, node } = request;
  const session = await ctx.session();
  for (;;) {
    const page = parseItemsResult(
      await session.iq(
        itemsIq(service, node, { page: { max: request.batch ?? 100, after } }),
        `fetching items of node ${node} on ${service}`,
      ),
    );
    yield* page.items;
    if (!page.rsm?.last || page.items.length === 0 || page.rsm.last === after) return;
    after = page.rsm.last;
  }
}

/** What fetch --all learnt of how a service answers, saved in the profile state when it changed. */
class RetrievalMemory {
  private learnt: ItemsRetrieval | undefined;

  constructor(
    private readonly service: string,
    readonly known: ItemsRetrieval | undefined,
  ) {}

  learn(retrieval: ItemsRetrieval): void {
    this.learnt = retrieval;
  }

  async save(ctx: AppContext): Promise<void> {
    if (this.learnt === undefined || this.learnt === this.known) return;
    const handle = await ctx.state();
    (handle.data.itemsRetrieval ??= {})[this.service] = this.learnt;
    await handle.save();
    await ctx.releaseState();
    ctx.reporter.verbose(
      `remembered: ${this.service} ${this.learnt === 'whole' ? 'answers a request for all items whole' : 'cuts answers short, items are fetched by id'}`,
    );
  }
}

/** Items by id, `batch` per request, `window` requests in flight, yielded in order. */
async function* fetchByIds(
  ctx: AppContext,
  service: string,
  node: string,
  ids: string[],
  { batch, window }: { batch: number; window: number },
): AsyncGenerator<PubsubItem> {
  const session = await ctx.session();
  const progress = ctx.reporter.progress('fetching', ids.length);
  const requests: Array<Promise<PubsubItem[]>> = [];
  let next = 0;
  const request = () => {
    const chunk = ids.slice(next, next + batch);
    next += batch;
    requests.push(
      session
        .iq(itemsIq(service, node, { ids: chunk }), `fetching items of node ${node} on ${service}`)
        .then((r) => parseItemsResult(r).items),
    );
  };
  try {
    while (next < ids.length && requests.length < window) request();
    while (requests.length) {
      const items = await requests.shift()!;
      if (next < ids.length) request();
      progress.tick(items.length);
      yield* items;
    }
  } finally {
    progress.done();
    await Promise.allSettled(requests);
  }
}

class ItemReader {
  cacheHits = 0;

  constructor(
    private readonly record: NodeRecord | undefined,
    private readonly cache: ItemCache | undefined,
    readonly decryptor: Decryptor,
    private readonly maxItemBytes: number,
    private readonly noDecrypt = false,
  ) {}

  async read(item: PubsubItem): Promise<FetchedItem> {
    const base: ItemBase = { id: item.id, ...(item.publisher ? { publisher: item.publisher } : {}) };
    if (!item.payload) return { ...base, status: 'failed', reason: item.problem ?? 'item has no payload' };
    if (!item.payload.is('encrypted', NS.oxps))
      return { ...base, status: 'plaintext', ...payload(item.payload.toString()) };
    if (this.noDecrypt) return { ...base, status: 'encrypted', ...payload(item.payload.toString()) };
    let secretId: string | undefined;
    try {
      const encrypted = parseEncrypted(item.payload);
      secretId = encrypted.secretId;
      if (encrypted.ciphertext.length > MAX_CIPHERTEXT_BYTES) {
        return {
          ...base,
          status: 'failed',
          secretId,
          reason: `item too large (${encrypted.ciphertext.length} bytes of ciphertext; oxps reads at most ${MAX_CIPHERTEXT_BYTES})`,
        };
      }
      const secret = readingSecret(this.record, secretId);
      if (!secret)
        return { ...base, status: 'failed', secretId, reason: unknownSecretReason(this.record, secretId) };
      const hash = ItemCache.hash(encrypted.ciphertext);
      const cached = await this.cache?.get(item.id, hash);
      // a failure under a smaller size limit than now may have been only the item's size
      if (cached?.e !== undefined && cached.m !== undefined && this.maxItemBytes <= cached.m)
        return { ...base, status: 'failed', secretId, reason: cached.e };
      if (cached?.x !== undefined && cached.s === secretId) {
        this.assertSize(Buffer.byteLength(cached.x, 'utf8'));
        this.cacheHits++;
        return {
          ...base,
          status: 'decrypted',
          secretId,
          secretRevoked: secret.revoked,
          ...payload(cached.x),
        };
      }
      try {
        const plaintext = await this.decryptor.decrypt(encrypted.ciphertext, secret.key);
        const { xml, element } = decodePlaintext(plaintext);
        await this.cache?.put(item.id, { h: hash, s: secretId, x: xml });
        return {
          ...base,
          status: 'decrypted',
          secretId,
          secretRevoked: secret.revoked,
          ...payload(xml, element),
        };
      } catch (error) {
        // with the right secret known, a failure is permanent for this ciphertext: remember it
        if (error instanceof ItemDecryptError || error instanceof OxpsError)
          await this.cache?.put(item.id, { h: hash, s: secretId, e: error.message, m: this.maxItemBytes });
        throw error;
      }
    } catch (error) {
      if (error instanceof MalformedItem || error instanceof ItemDecryptError || error instanceof OxpsError) {
        return { ...base, status: 'failed', ...(secretId ? { secretId } : {}), reason: error.message };
      }
      throw error;
    }
  }

  private assertSize(bytes: number): void {
    if (bytes > this.maxItemBytes)
      throw new ItemDecryptError(
        `decrypted payload larger than ${this.maxItemBytes} bytes (${bytes}); to read it, raise --max-item-size`,
      );
  }
}

/** Reads one item outside a fetch run (tests, single items): no cache, inline decryption. */
export async function readItem(item: PubsubItem, record: NodeRecord | undefined): Promise<FetchedItem> {
  const decryptor = new Decryptor({ maxWorkers: 0 });
  try {
    return await new ItemReader(record, undefined, decryptor, DEFAULT_MAX_ITEM_BYTES).read(item);
  } finally {
    await decryptor.close();
  }
}

/** The plaintext must be UTF-8 and exactly one well-formed element (no DOCTYPE, no entities). */
function decodePlaintext(bytes: Uint8Array): { xml: string; element: Element } {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new OxpsError('DECRYPT_FAILED', 'decrypted payload is not UTF-8 text');
  }
  const element = parseXmlElement(text, 'decrypted payload');
  return { xml: text.trim(), element };
}
