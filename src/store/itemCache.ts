// The cache of decrypted items (DESIGN.md §3): one file per item, sealed with AES-256-GCM under
// the profile's cache key, holding the hash of the ciphertext it was made from, so a changed
// item is decrypted again. One record per item keeps a fetch's memory to the items in flight
// (a single document of every plaintext of a big node once outgrew what V8 can stringify), and
// a bad file costs only its own item. Disposable: a missing, unreadable or oversized entry is a
// miss (with a note), a failed write is a note, and deleting the cache loses nothing.
import { open, readdir, unlink } from 'node:fs/promises';
import { createHash, createHmac } from 'node:crypto';
import { join } from 'node:path';
import { writeFileAtomic } from './atomicFile.js';
import { seal, unseal } from './sealed.js';

const MAGIC = 'OXPSIC02';
/** The single-file cache of oxps before 12.6, removed on sight (disposable, and it may be huge). */
const OLD_SUFFIX = '.items';
/** Bytes of a record beyond its payload: seal header, nonce and tag, and the metadata line. */
const RECORD_OVERHEAD = 36 + 4096;
const MAX_REASON = 1000;

export interface CachedItem {
  /** Hash of the ciphertext the entry was made from. */
  h: string;
  /** Secret id that decrypted it. */
  s?: string;
  /** Decrypted payload. */
  x?: string;
  /** Why it could not be decrypted (kept for permanent failures only). */
  e?: string;
  /** The size limit of decrypted items in force when it failed (a larger one may succeed). */
  m?: number;
}

export interface ItemCacheOptions {
  /** Largest payload worth keeping; a bigger record on disk is not even read. */
  maxEntryBytes: number;
  /** Where misses caused by bad entries and failed writes are told (verbose output). */
  note: (message: string) => void;
}

export class ItemCache {
  private constructor(
    private readonly dir: string,
    private readonly key: Buffer,
    private readonly namesKey: Buffer,
    private readonly context: string,
    private readonly options: ItemCacheOptions,
  ) {}

  static async open(
    cacheDir: string,
    key: Buffer,
    service: string,
    node: string,
    options: ItemCacheOptions,
  ): Promise<ItemCache> {
    const context = `${service}\u0000${node}`;
    const oldFile = join(
      cacheDir,
      `${createHash('sha256').update(`items:${context}`).digest('hex').slice(0, 32)}${OLD_SUFFIX}`,
    );
    await unlink(oldFile).catch(() => undefined);
    const namesKey = createHmac('sha256', key).update('oxps item cache file names').digest();
    return new ItemCache(
      join(cacheDir, fileName(namesKey, `node\u0000${context}`)),
      key,
      namesKey,
      context,
      options,
    );
  }

  static hash(ciphertext: Uint8Array): string {
    return createHash('sha256').update(ciphertext).digest('base64url').slice(0, 22);
  }

  /** The file of an item's record: a keyed hash, so item ids and node names do not show on disk. */
  entryFile(itemId: string): string {
    return join(this.dir, fileName(this.namesKey, `item\u0000${itemId}`));
  }

  async get(itemId: string, hash: string): Promise<CachedItem | undefined> {
    let record: Buffer | undefined;
    try {
      record = await this.readRecord(itemId);
      if (!record) return undefined;
      const entry = decodeRecord(unseal(this.key, MAGIC, this.recordContext(itemId), record));
      return entry.h === hash ? entry : undefined;
    } catch (error) {
      this.options.note(
        `cache entry of item ${itemId} unreadable (${(error as Error).message}): decrypting it again`,
      );
      return undefined;
    }
  }

  async put(itemId: string, entry: CachedItem): Promise<void> {
    const payload = Buffer.from(entry.x ?? '', 'utf8');
    if (payload.length > this.options.maxEntryBytes) return;
    const failure = entry.e !== undefined ? { e: entry.e.slice(0, MAX_REASON), m: entry.m } : {};
    const meta = { h: entry.h, ...(entry.s !== undefined ? { s: entry.s } : {}), ...failure };
    const record = Buffer.concat([Buffer.from(`${JSON.stringify(meta)}\n`, 'utf8'), payload]);
    try {
      await writeFileAtomic(
        this.entryFile(itemId),
        seal(this.key, MAGIC, this.recordContext(itemId), record),
        undefined,
        { durable: false },
      );
    } catch (error) {
      this.options.note(`could not cache item ${itemId} (${(error as Error).message})`);
    }
  }

  /** Deletes the records of items no longer on the node (after a fetch of all its items). */
  async prune(itemIds: Iterable<string>): Promise<void> {
    const keep = new Set(Array.from(itemIds, (id) => fileName(this.namesKey, `item\u0000${id}`)));
    const names = await readdir(this.dir).catch(() => [] as string[]);
    await Promise.all(
      names
        .filter((name) => !keep.has(name))
        .map((name) => unlink(join(this.dir, name)).catch(() => undefined)),
    );
  }

  /** The sealed record, or undefined when there is none or it is too big to be one of ours. */
  private async readRecord(itemId: string): Promise<Buffer | undefined> {
    let handle;
    try {
      handle = await open(this.entryFile(itemId), 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    try {
      const { size } = await handle.stat();
      const limit = this.options.maxEntryBytes + RECORD_OVERHEAD;
      if (size > limit) {
        this.options.note(`cache entry of item ${itemId} is larger than ${limit} bytes: decrypting it again`);
        return undefined;
      }
      return await handle.readFile();
    } finally {
      await handle.close();
    }
  }

  private recordContext(itemId: string): string {
    return `item:${this.context}\u0000${itemId}`;
  }
}

function fileName(namesKey: Buffer, what: string): string {
  return createHmac('sha256', namesKey).update(what).digest('hex').slice(0, 32);
}

/** A record is a JSON metadata line, then the payload's UTF-8 bytes (no escaping, no copy). */
function decodeRecord(record: Buffer): CachedItem {
  const newline = record.indexOf(0x0a);
  if (newline < 0) throw new Error('no metadata line');
  const meta = JSON.parse(record.subarray(0, newline).toString('utf8')) as Record<string, unknown>;
  const optional = (value: unknown) => value === undefined || typeof value === 'string';
  if (
    typeof meta.h !== 'string' ||
    !optional(meta.s) ||
    !optional(meta.e) ||
    !(meta.m === undefined || typeof meta.m === 'number')
  )
    throw new Error('bad metadata');
  const entry: CachedItem = { h: meta.h, ...(meta.s !== undefined ? { s: meta.s } : {}) };
  if (meta.e !== undefined) return { ...entry, e: meta.e, ...(meta.m !== undefined ? { m: meta.m } : {}) };
  return { ...entry, x: record.subarray(newline + 1).toString('utf8') };
}
