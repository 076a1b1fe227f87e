// `oxps fetch`: retrieve items and decrypt them with any known secret of the node, revoked
// ones included. Items that cannot be read are reported with the reason, never dropped and
// never shown raw as if they were content (a Libervia bug we do not copy). Items stream to
// the caller in order while the next ones are fetched and decrypted (on worker threads for
// big nodes); decrypted items are cached, so a second fetch does not decrypt again.
import { OxpsError } from '../errors.js';
import { ItemDecryptError, MAX_CIPHERTEXT_BYTES } from '../crypto/itemCipher.js';
import { Decryptor } from '../crypto/decryptPool.js';
import { MalformedItem, parseEncrypted } from '../protocol/oxps/encrypted.js';
import { NS } from '../protocol/namespaces.js';
import { itemsIq, parseItemsResult, type PubsubItem } from '../protocol/pubsub/items.js';
import { nodeItemIdsIq, parseNodeItemIds } from '../protocol/pubsub/disco.js';
import { parseXmlElement } from '../protocol/xml.js';
import { ItemCache } from '../store/itemCache.js';
import { paths } from '../store/paths.js';
import { IqError } from '../xmpp/session.js';
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
}

interface ItemBase {
  id: string;
  publisher?: string;
}

export type FetchedItem =
  | (ItemBase & { status: 'decrypted'; secretId: string; secretRevoked: boolean; xml: string })
  | (ItemBase & { status: 'plaintext'; xml: string })
  | (ItemBase & { status: 'encrypted'; xml: string })
  | (ItemBase & { status: 'failed'; secretId?: string; reason: string });

/** Items decrypted ahead of the one being output. */
const READ_AHEAD = 64;

export async function* fetchItems(ctx: AppContext, request: FetchRequest): AsyncGenerator<FetchedItem> {
  const state = await ctx.state();
  const record = structuredClone(nodeRecord(state.data, request.service, request.node));
  // Reading needs only this copy: unlock the profile so a long fetch does not hold up the
  // cron job that wants to publish (the cache file is replaced atomically, last writer wins).
  await ctx.releaseState();
  const reader = new ItemReader(record, request.noCache || request.noDecrypt ? undefined : await openCache(ctx, request.service, request.node), new Decryptor(), Boolean(request.noDecrypt));
  const ahead: Array<Promise<FetchedItem>> = [];
  try {
    for await (const item of retrieveItems(ctx, request)) {
      ahead.push(reader.read(item));
      if (ahead.length >= READ_AHEAD) yield await ahead.shift()!;
    }
    while (ahead.length) yield await ahead.shift()!;
    await reader.cache?.save();
  } finally {
    await Promise.allSettled(ahead);
    await reader.decryptor.close();
  }
}

async function openCache(ctx: AppContext, service: string, node: string): Promise<ItemCache> {
  const { profile } = ctx.account;
  let key = await ctx.keystore.get(profile, 'cache-key');
  if (!key) {
    key = (await import('node:crypto')).randomBytes(32).toString('base64');
    await ctx.keystore.set(profile, 'cache-key', key);
  }
  return ItemCache.open(paths.profileCacheDir(profile), Buffer.from(key, 'base64'), service, node);
}

async function* retrieveItems(ctx: AppContext, request: FetchRequest): AsyncGenerator<PubsubItem> {
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
  constructor(
    private readonly record: NodeRecord | undefined,
    readonly cache: ItemCache | undefined,
    readonly decryptor: Decryptor,
    private readonly noDecrypt = false,
  ) {}

  async read(item: PubsubItem): Promise<FetchedItem> {
    const base: ItemBase = { id: item.id, ...(item.publisher ? { publisher: item.publisher } : {}) };
    if (!item.payload) return { ...base, status: 'failed', reason: item.problem ?? 'item has no payload' };
    if (!item.payload.is('encrypted', NS.oxps)) return { ...base, status: 'plaintext', xml: item.payload.toString() };
    if (this.noDecrypt) return { ...base, status: 'encrypted', xml: item.payload.toString() };
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
      const cached = this.cache?.get(item.id, hash);
      if (cached?.e !== undefined) return { ...base, status: 'failed', secretId, reason: cached.e };
      if (cached?.x !== undefined && cached.s === secretId) return { ...base, status: 'decrypted', secretId, secretRevoked: secret.revoked, xml: cached.x };
      try {
        const xml = decodePlaintext(await this.decryptor.decrypt(encrypted.ciphertext, secret.key));
        this.cache?.put(item.id, { h: hash, s: secretId, x: xml });
        return { ...base, status: 'decrypted', secretId, secretRevoked: secret.revoked, xml };
      } catch (error) {
        // with the right secret known, a failure is permanent for this ciphertext: remember it
        if (error instanceof ItemDecryptError || error instanceof OxpsError) this.cache?.put(item.id, { h: hash, s: secretId, e: error.message });
        throw error;
      }
    } catch (error) {
      if (error instanceof MalformedItem || error instanceof ItemDecryptError || error instanceof OxpsError) {
        return { ...base, status: 'failed', ...(secretId ? { secretId } : {}), reason: error.message };
      }
      throw error;
    }
  }
}

/** Reads one item outside a fetch run (tests, single items): no cache, inline decryption. */
export async function readItem(item: PubsubItem, record: NodeRecord | undefined): Promise<FetchedItem> {
  const decryptor = new Decryptor(1);
  try {
    return await new ItemReader(record, undefined, decryptor).read(item);
  } finally {
    await decryptor.close();
  }
}

/** The plaintext must be UTF-8 and exactly one well-formed element (no DOCTYPE, no entities). */
function decodePlaintext(bytes: Uint8Array): string {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    throw new OxpsError('DECRYPT_FAILED', 'decrypted payload is not UTF-8 text');
  }
  parseXmlElement(text, 'decrypted payload');
  return text.trim();
}
