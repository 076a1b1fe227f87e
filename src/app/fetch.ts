// `oxps fetch`: retrieve items and decrypt them with any known secret of the node, revoked
// ones included. Items that cannot be read are reported with the reason, never dropped and
// never shown raw as if they were content (a Libervia bug we do not copy). Items stream to
// the caller in order while the next ones are fetched and decrypted (on worker threads for
// big nodes); decrypted items are cached, so a second fetch does not decrypt again. What one
// fetch holds is bounded: a decrypted item is at most maxItemBytes, and only as many items are
// read ahead as fit in READ_AHEAD_BYTES of such items.
import type { Element } from '@xmpp/xml';
import { OxpsError } from '../errors.js';
import { DEFAULT_MAX_PLAINTEXT_BYTES, ItemDecryptError, MAX_CIPHERTEXT_BYTES } from '../crypto/itemCipher.js';
import { Decryptor } from '../crypto/decryptPool.js';
import { MalformedItem, parseEncrypted } from '../protocol/oxps/encrypted.js';
import { NS } from '../protocol/namespaces.js';
import { itemsIq, parseItemsResult, type PubsubItem } from '../protocol/pubsub/items.js';
import { nodeItemIdsIq, parseNodeItemIds } from '../protocol/pubsub/disco.js';
import { parseXmlElement } from '../protocol/xml.js';
import { ItemCache } from '../store/itemCache.js';
import { paths } from '../store/paths.js';
import { IqError } from '../xmpp/session.js';
import { bareJid, isAccountService } from '../xmpp/jid.js';
import type { AppContext } from './context.js';
import { nodeRecord, type NodeRecord } from './state.js';
import { readingSecret, unknownSecretReason } from './nodeOrigin.js';

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
}

/** An Atom entry is kilobytes: a megabyte leaves room for long posts, not for bombs. */
export const DEFAULT_MAX_ITEM_BYTES = DEFAULT_MAX_PLAINTEXT_BYTES;

interface ItemBase {
  id: string;
  publisher?: string;
}

/** A payload as text, and as an element for whoever reads inside it (parsed at most once; not in JSON). */
interface Payload {
  xml: string;
  element(): Element;
}

function payload(xml: string, parsed?: Element): Payload {
  let element = parsed;
  return { xml, element: () => (element ??= parseXmlElement(xml, 'payload')) };
}

export type FetchedItem =
  | (ItemBase & Payload & { status: 'decrypted'; secretId: string; secretRevoked: boolean })
  | (ItemBase & Payload & { status: 'plaintext' })
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

export async function* fetchItems(ctx: AppContext, request: FetchRequest): AsyncGenerator<FetchedItem> {
  const state = await ctx.state();
  const record = structuredClone(nodeRecord(state.data, request.service, request.node));
  // Reading needs only this copy: unlock the profile so a long fetch does not hold up the
  // cron job that wants to publish (the cache file is replaced atomically, last writer wins).
  await ctx.releaseState();
  const maxItemBytes = request.maxItemBytes ?? DEFAULT_MAX_ITEM_BYTES;
  const cache = request.noCache || request.noDecrypt ? undefined : await openCache(ctx, request.service, request.node, maxItemBytes);
  const reader = new ItemReader(record, cache, new Decryptor({ maxPlaintextBytes: maxItemBytes }), maxItemBytes, Boolean(request.noDecrypt));
  const readAhead = Math.max(1, Math.min(READ_AHEAD, Math.floor(READ_AHEAD_BYTES / maxItemBytes)));
  const ahead: Array<Promise<FetchedItem>> = [];
  const seen = new Set<string>();
  const owner = knownOwner(request.service);
  const next = async () => {
    const item = await ahead.shift()!;
    const warning = foreignPublisherWarning(owner, request.node, item);
    if (warning) ctx.reporter.warn(warning);
    return item;
  };
  try {
    for await (const item of retrieveItems(ctx, request)) {
      seen.add(item.id);
      ahead.push(reader.read(item));
      if (ahead.length >= readAhead) yield await next();
    }
    while (ahead.length) yield await next();
    for (const id of new Set(request.ids)) if (!seen.has(id)) yield { id, status: 'missing' };
    if (cache) {
      ctx.reporter.verbose(`${reader.cacheHits} item(s) read from the cache of decrypted items`);
      if (request.all) await cache.prune(seen);
    }
  } finally {
    await Promise.allSettled(ahead);
    await reader.decryptor.close();
  }
}

/** A node's owner where its address tells: a PEP node is its account's; a component's node, unknown here. */
export function knownOwner(service: string): string | undefined {
  return isAccountService(service) ? bareJid(service) : undefined;
}

/**
 * XEP-0473 does not authenticate publishers, but where the server names one (Prosody's PEP does
 * not; components may) an item someone other than the owner published deserves a word.
 */
export function foreignPublisherWarning(owner: string | undefined, node: string, item: { id: string; publisher?: string }): string | undefined {
  if (!owner || !item.publisher || bareJid(item.publisher) === owner) return undefined;
  return `item ${item.id} of ${node} was published by ${item.publisher}, not by the node's owner ${owner}`;
}

async function openCache(ctx: AppContext, service: string, node: string, maxItemBytes: number): Promise<ItemCache> {
  const { profile } = ctx.account;
  let key = await ctx.keystore.get(profile, 'cache-key');
  if (!key) {
    key = (await import('node:crypto')).randomBytes(32).toString('base64');
    await ctx.keystore.set(profile, 'cache-key', key);
  }
  const note = (message: string) => ctx.reporter.verbose(message);
  return ItemCache.open(paths.profileCacheDir(profile), Buffer.from(key, 'base64'), service, node, { maxEntryBytes: maxItemBytes, note });
}

async function* retrieveItems(ctx: AppContext, request: FetchRequest): AsyncGenerator<PubsubItem> {
  try {
    yield* requestItems(ctx, request);
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
    return new OxpsError('NODE_NOT_FOUND', `node ${node} does not exist on ${service}`, 'check the node name (-n) and the service (-s)');
  }
  if (error.condition === 'forbidden' || error.condition === 'not-authorized') {
    const owner = knownOwner(service);
    const where = owner ? `on ${owner}'s account` : `on ${service}`;
    const whom = owner ?? `the owner of ${node} on ${service}`;
    return new OxpsError('SERVER_ERROR', `you are not a reader of ${node} ${where} (the owner has not shared it with you, or removed you; ${service} answered ${error.condition})`, `ask ${whom} to share it with you; if they have, check the node name`);
  }
  return error;
}

async function* requestItems(ctx: AppContext, request: FetchRequest): AsyncGenerator<PubsubItem> {
  const { service, node, max, all, ids } = request;
  const session = await ctx.session();
  const what = `fetching items of node ${node} on ${service}`;
  if (ids?.length || !all) {
    const result = await session.iq(itemsIq(service, node, { ids, maxItems: ids?.length ? undefined : (max ?? 10) }), what);
    yield* parseItemsResult(result).items;
    return;
  }
  const allIds = await itemIds(ctx, service, node);
  if (allIds) {
    yield* fetchByIds(ctx, service, node, allIds, request.batch ?? 100, request.window ?? 4);
    return;
  }
  // RSM pages where the service supports them; a service without RSM ignores the <set/> and
  // answers with every item at once, which ends the loop as well.
  let after: string | undefined;
  for (;;) {
    const page = parseItemsResult(await session.iq(itemsIq(service, node, { page: { max: request.batch ?? 100, after } }), what));
    yield* page.items;
    if (!page.rsm?.last || page.items.length === 0 || page.rsm.last === after) return;
    after = page.rsm.last;
  }
}

/** The node's item ids from disco#items, or undefined when the service does not list them. */
async function itemIds(ctx: AppContext, service: string, node: string): Promise<string[] | undefined> {
  try {
    const ids = parseNodeItemIds(await (await ctx.session()).iq(nodeItemIdsIq(service, node), `listing the items of node ${node} on ${service}`));
    return ids.length ? ids : undefined;
  } catch (error) {
    if (error instanceof IqError && error.condition !== 'forbidden' && error.condition !== 'item-not-found') return undefined;
    throw error;
  }
}

/** Items by id, `batch` per request, `window` requests in flight, yielded in order. */
async function* fetchByIds(ctx: AppContext, service: string, node: string, ids: string[], batch: number, window: number): AsyncGenerator<PubsubItem> {
  const session = await ctx.session();
  const progress = ctx.reporter.progress('fetching', ids.length);
  const requests: Array<Promise<PubsubItem[]>> = [];
  let next = 0;
  const request = () => {
    const chunk = ids.slice(next, next + batch);
    next += batch;
    requests.push(session.iq(itemsIq(service, node, { ids: chunk }), `fetching items of node ${node} on ${service}`).then((r) => parseItemsResult(r).items));
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
    if (!item.payload.is('encrypted', NS.oxps)) return { ...base, status: 'plaintext', ...payload(item.payload.toString()) };
    if (this.noDecrypt) return { ...base, status: 'encrypted', ...payload(item.payload.toString()) };
    let secretId: string | undefined;
    try {
      const encrypted = parseEncrypted(item.payload);
      secretId = encrypted.secretId;
      if (encrypted.ciphertext.length > MAX_CIPHERTEXT_BYTES) {
        return { ...base, status: 'failed', secretId, reason: `item too large (${encrypted.ciphertext.length} bytes of ciphertext; oxps reads at most ${MAX_CIPHERTEXT_BYTES})` };
      }
      const secret = readingSecret(this.record, secretId);
      if (!secret) return { ...base, status: 'failed', secretId, reason: unknownSecretReason(this.record, secretId) };
      const hash = ItemCache.hash(encrypted.ciphertext);
      const cached = await this.cache?.get(item.id, hash);
      // a failure under a smaller size limit than now may have been only the item's size
      if (cached?.e !== undefined && cached.m !== undefined && this.maxItemBytes <= cached.m) return { ...base, status: 'failed', secretId, reason: cached.e };
      if (cached?.x !== undefined && cached.s === secretId) {
        this.assertSize(Buffer.byteLength(cached.x, 'utf8'));
        this.cacheHits++;
        return { ...base, status: 'decrypted', secretId, secretRevoked: secret.revoked, ...payload(cached.x) };
      }
      try {
        const plaintext = await this.decryptor.decrypt(encrypted.ciphertext, secret.key);
        const { xml, element } = decodePlaintext(plaintext);
        await this.cache?.put(item.id, { h: hash, s: secretId, x: xml });
        return { ...base, status: 'decrypted', secretId, secretRevoked: secret.revoked, ...payload(xml, element) };
      } catch (error) {
        // with the right secret known, a failure is permanent for this ciphertext: remember it
        if (error instanceof ItemDecryptError || error instanceof OxpsError) await this.cache?.put(item.id, { h: hash, s: secretId, e: error.message, m: this.maxItemBytes });
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
    if (bytes > this.maxItemBytes) throw new ItemDecryptError(`decrypted payload larger than ${this.maxItemBytes} bytes (${bytes}); to read it, raise --max-item-size`);
  }
}

/** Reads one item outside a fetch run (tests, single items): no cache, inline decryption. */
export async function readItem(item: PubsubItem, record: NodeRecord | undefined): Promise<FetchedItem> {
  const decryptor = new Decryptor({ maxWorkers: 1 });
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
