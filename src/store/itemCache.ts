// The cache of decrypted items (DESIGN.md §3): per node, sealed with AES-256-GCM, keyed by item
// id and a hash of the ciphertext, so a changed item is decrypted again. Disposable: a missing
// or unreadable cache file is an empty cache, and deleting it loses nothing.
import { readFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { writeFileAtomic } from './atomicFile.js';
import { seal, unseal } from './sealed.js';

const MAGIC = 'OXPSIC01';

export interface CachedItem {
  /** Hash of the ciphertext the entry was made from. */
  h: string;
  /** Secret id that decrypted it. */
  s?: string;
  /** Decrypted payload. */
  x?: string;
  /** Why it could not be decrypted (kept for permanent failures only). */
  e?: string;
}

export class ItemCache {
  private dirty = false;

  private constructor(
    private readonly path: string,
    private readonly key: Buffer,
    private readonly context: string,
    private readonly entries: Map<string, CachedItem>,
  ) {}

  static async open(dir: string, key: Buffer, service: string, node: string): Promise<ItemCache> {
    const context = `items:${service}\u0000${node}`;
    const path = join(dir, `${createHash('sha256').update(context).digest('hex').slice(0, 32)}.items`);
    let entries = new Map<string, CachedItem>();
    try {
      const document = JSON.parse(unseal(key, MAGIC, context, await readFile(path)).toString('utf8')) as { v: number; entries: Record<string, CachedItem> };
      if (document.v === 1) entries = new Map(Object.entries(document.entries));
    } catch {
      // no cache yet, or one we cannot read: start afresh
    }
    return new ItemCache(path, key, context, entries);
  }

  static hash(ciphertext: Uint8Array): string {
    return createHash('sha256').update(ciphertext).digest('base64url').slice(0, 22);
  }

  get(itemId: string, hash: string): CachedItem | undefined {
    const entry = this.entries.get(itemId);
    return entry?.h === hash ? entry : undefined;
  }

  put(itemId: string, entry: CachedItem): void {
    this.entries.set(itemId, entry);
    this.dirty = true;
  }

  async save(): Promise<void> {
    if (!this.dirty) return;
    const document = { v: 1, entries: Object.fromEntries(this.entries) };
    await writeFileAtomic(this.path, seal(this.key, MAGIC, this.context, Buffer.from(JSON.stringify(document), 'utf8')));
    this.dirty = false;
  }
}
