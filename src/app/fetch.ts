// `oxps fetch`: retrieve items and decrypt them with any known secret of the node, revoked
// ones included. Items that cannot be read are reported with the reason, never dropped and
// never shown raw as if they were content (a Libervia bug we do not copy).
import { decryptItem, ItemDecryptError } from '../crypto/itemCipher.js';
import { MalformedItem, parseEncrypted } from '../protocol/oxps/encrypted.js';
import { NS } from '../protocol/namespaces.js';
import { itemsIq, parseItemsResult, type PubsubItem } from '../protocol/pubsub/items.js';
import { parseXmlElement } from '../protocol/xml.js';
import { OxpsError } from '../errors.js';
import type { AppContext } from './context.js';
import { nodeRecord, type NodeRecord } from './state.js';

export interface FetchRequest {
  service: string;
  node: string;
  max?: number;
  all?: boolean;
  ids?: string[];
  pageSize?: number;
}

interface ItemBase {
  id: string;
  publisher?: string;
}

export type FetchedItem =
  | (ItemBase & { status: 'decrypted'; secretId: string; secretRevoked: boolean; xml: string })
  | (ItemBase & { status: 'plaintext'; xml: string })
  | (ItemBase & { status: 'failed'; secretId?: string; reason: string });

export async function* fetchItems(ctx: AppContext, request: FetchRequest): AsyncGenerator<FetchedItem> {
  const state = await ctx.state();
  const record = nodeRecord(state.data, request.service, request.node);
  for await (const item of retrieveItems(ctx, request)) yield await readItem(item, record);
}

async function* retrieveItems(ctx: AppContext, { service, node, max, all, ids, pageSize = 100 }: FetchRequest): AsyncGenerator<PubsubItem> {
  const session = await ctx.session();
  const what = `fetching items of node ${node} on ${service}`;
  if (ids?.length || !all) {
    const result = await session.iq(itemsIq(service, node, { ids, maxItems: ids?.length ? undefined : (max ?? 10) }), what);
    yield* parseItemsResult(result).items;
    return;
  }
  // --all: RSM pages where the service supports them; a service without RSM ignores the
  // <set/> and answers with every item at once, which ends the loop as well.
  let after: string | undefined;
  for (;;) {
    const page = parseItemsResult(await session.iq(itemsIq(service, node, { page: { max: pageSize, after } }), what));
    yield* page.items;
    if (!page.rsm?.last || page.items.length === 0 || page.rsm.last === after) return;
    after = page.rsm.last;
  }
}

export async function readItem(item: PubsubItem, record: NodeRecord | undefined): Promise<FetchedItem> {
  const base: ItemBase = { id: item.id, ...(item.publisher ? { publisher: item.publisher } : {}) };
  if (!item.payload) return { ...base, status: 'failed', reason: item.problem ?? 'item has no payload' };
  if (!item.payload.is('encrypted', NS.oxps)) return { ...base, status: 'plaintext', xml: item.payload.toString() };
  let secretId: string | undefined;
  try {
    const encrypted = parseEncrypted(item.payload);
    secretId = encrypted.secretId;
    const secret = record?.secrets.find((s) => s.id === secretId);
    if (!secret) return { ...base, status: 'failed', secretId, reason: `unknown secret ${secretId} (not shared with us)` };
    const xml = decodePlaintext(await decryptItem(encrypted.ciphertext, secret.key));
    return { ...base, status: 'decrypted', secretId, secretRevoked: secret.revoked, xml };
  } catch (error) {
    if (error instanceof MalformedItem || error instanceof ItemDecryptError || error instanceof OxpsError) {
      return { ...base, status: 'failed', ...(secretId ? { secretId } : {}), reason: error.message };
    }
    throw error;
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
