// `oxps publish --jsonl`: many items, pipelined (several publish IQs in flight), resumable
// (journal, see store/journal.ts), reconnecting with backoff when the connection drops.
import { createHash } from 'node:crypto';
import { OxpsError } from '../errors.js';
import { xep82DateTime } from '../protocol/datetime.js';
import type { BatchJournal } from '../store/journal.js';
import type { AppContext } from './context.js';
import { ensureCapacity, heldItems } from './nodeCapacity.js';
import { ENCRYPTED_NODE_CONFIG } from './pubsubNode.js';
import {
  openPublisher,
  parsePayload,
  randomItemId,
  type ItemToPublish,
  type PublishOptions,
} from './publish.js';

export interface BulkOptions extends PublishOptions {
  /** The JSONL input: one {"id"?: string, "payload": "<xml…>"} per line. */
  text: string;
  /** Publish IQs in flight at once. */
  window: number;
  /** Reconnections allowed after the connection drops. */
  retries: number;
  /** Publish even when the node keeps fewer items than it would hold (the oldest are dropped). */
  allowDrop?: boolean;
  /** Stops the batch after the requests in flight: what was acknowledged stays in the journal. */
  signal?: AbortSignal;
  /** Told after each acknowledged item: items of the batch on the server, of `total`. */
  onProgress?: (published: number, total: number) => void;
}

export interface BulkResult {
  service: string;
  node: string;
  total: number;
  published: number;
  alreadyDone: number;
  /** Items of the batch the node holds afterwards (absent when it will not list its items). */
  held?: number;
  /** How many items the node keeps (pubsub#max_items), when we may read it. */
  keeps?: number;
  journal: string;
}

export function parseJsonl(text: string): ItemToPublish[] {
  const items: ItemToPublish[] = [];
  text.split('\n').forEach((line, index) => {
    if (!line.trim()) return;
    const where = `JSONL line ${index + 1}`;
    let record: { id?: unknown; payload?: unknown; sign?: unknown };
    try {
      record = JSON.parse(line) as typeof record;
    } catch (error) {
      throw new OxpsError(
        'INPUT_INVALID',
        `${where} is not JSON: ${(error as Error).message}`,
        'one object per line: {"id": "optional", "payload": "<element xmlns=…>…</element>", "sign": optional true or false}',
      );
    }
    if (typeof record.payload !== 'string')
      throw new OxpsError(
        'INPUT_INVALID',
        `${where} has no "payload" string`,
        'one object per line: {"id": "optional", "payload": "<element xmlns=…>…</element>", "sign": optional true or false}',
      );
    if (record.id !== undefined && (typeof record.id !== 'string' || !record.id))
      throw new OxpsError('INPUT_INVALID', `${where}: "id" must be a non-empty string`);
    if (record.sign !== undefined && typeof record.sign !== 'boolean')
      throw new OxpsError('INPUT_INVALID', `${where}: "sign" must be true or false`);
    const payload = parsePayload(record.payload, `the payload of ${where}`);
    items.push({
      ...(record.id ? { id: record.id } : {}),
      payload,
      ...(record.sign === undefined ? {} : { sign: record.sign }),
    });
  });
  if (items.length === 0)
    throw new OxpsError(
      'INPUT_INVALID',
      'the JSONL input holds no item',
      'one object per line: {"payload": "<element xmlns=…/>"}',
    );
  return items;
}

const RETRYABLE = new Set(['CONNECTION_LOST', 'TIMEOUT', 'CONNECT_FAILED']);

export async function bulkPublish(ctx: AppContext, options: BulkOptions): Promise<BulkResult> {
  const { service, node } = options;
  const items = parseJsonl(options.text);
  const digest = createHash('sha256')
    .update(`${service}\n${node}\n${options.plaintext ? 'clear' : 'encrypted'}\n`)
    .update(options.text)
    .digest('hex')
    .slice(0, 32);
  const journal = await ctx.storage.openJournal(digest, () => ({
    version: 1,
    service,
    node,
    created: xep82DateTime(new Date()),
    ids: items.map((item) => item.id ?? randomItemId()),
    ...(options.sign ? { sign: true } : {}),
  }));
  const journalPath = journal.path;
  // the same lines, resumed with or without --sign, would leave the batch half signed
  if (Boolean(journal.header.sign) !== Boolean(options.sign)) {
    await journal.close();
    throw new OxpsError(
      'USAGE',
      `this batch was started ${journal.header.sign ? 'with' : 'without'} --sign: resume it the same way`,
      `${journal.header.sign ? 'add' : 'drop'} --sign (or remove ${journalPath} to start afresh: items already published would be published again)`,
    );
  }
  const ids = journal.header.ids;
  let capacity;
  try {
    capacity = await ensureCapacity(ctx, {
      service,
      node,
      ids,
      allowDrop: Boolean(options.allowDrop),
      creationConfig: options.plaintext ? {} : ENCRYPTED_NODE_CONFIG,
    });
  } catch (error) {
    await journal.close();
    throw error;
  }
  const alreadyDone = journal.done.size;
  const todo = items.map((_, index) => index).filter((index) => !journal.done.has(index));
  if (alreadyDone > 0)
    ctx.reporter.notice(`resuming: ${alreadyDone} of ${items.length} items were published by an earlier run`);
  const progress = ctx.reporter.progress('publishing', todo.length);
  const tick = () => {
    progress.tick();
    options.onProgress?.(journal.done.size, items.length);
  };
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        await publishAll(
          ctx,
          options,
          items,
          journal,
          todo.filter((index) => !journal.done.has(index)),
          tick,
        );
        break;
      } catch (error) {
        await journal.flush();
        if (!(error instanceof OxpsError && RETRYABLE.has(error.code)) || attempt >= options.retries)
          throw error;
        const delay = Math.min(30_000, 500 * 2 ** attempt);
        ctx.reporter.warn(
          `${error.message}; reconnecting in ${delay / 1000} s (attempt ${attempt + 1} of ${options.retries})`,
        );
        await ctx.reconnect();
        await new Promise((resolve) => setTimeout(resolve, delay));
      }
    }
  } finally {
    progress.done();
    await journal.close();
  }
  await (await ctx.state()).save();
  const held = await heldItems(ctx, service, node, ids);
  const keeps = capacity.keeps !== undefined && Number.isFinite(capacity.keeps) ? capacity.keeps : undefined;
  const result: BulkResult = {
    service,
    node,
    total: items.length,
    published: items.length - alreadyDone,
    alreadyDone,
    ...(held === undefined ? {} : { held }),
    ...(keeps === undefined ? {} : { keeps }),
    journal: journalPath,
  };
  if (held !== undefined && held < items.length && !options.allowDrop) {
    throw new OxpsError(
      'PARTIAL',
      `node ${node} on ${service} holds only ${held} of the ${items.length} items published: the service dropped the others (pubsub#max_items)`,
      "ask the node's owner to raise its max_items, or publish to a node that keeps more",
    );
  }
  return result;
}

async function publishAll(
  ctx: AppContext,
  options: BulkOptions,
  items: ItemToPublish[],
  journal: BatchJournal,
  todo: number[],
  tick: () => void,
): Promise<void> {
  const publisher = await openPublisher(ctx, options);
  let next = 0;
  let failure: unknown;
  const worker = async () => {
    while (failure === undefined && !options.signal?.aborted && next < todo.length) {
      const index = todo[next++]!;
      try {
        await publisher.send(await publisher.build({ ...items[index]!, id: journal.header.ids[index] }));
        journal.markDone(index);
        tick();
      } catch (error) {
        failure ??= error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.window) }, worker));
  await journal.flush();
  if (failure !== undefined) throw failure as Error;
  if (options.signal?.aborted)
    throw new OxpsError(
      'INTERRUPTED',
      `publishing to ${options.node} was aborted: ${journal.done.size} of ${items.length} items are published`,
      'publish the same items again to resume (the journal knows which are done)',
    );
}
