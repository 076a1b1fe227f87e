// Where a context keeps what outlives one request: the profile's files (state, batch journals,
// decrypted-items cache, under the XDG directories), or memory only (a library account opened
// with a JID and a password: nothing is written, everything is gone at close()).
import { join } from 'node:path';
import { ItemCache, type ItemCacheOptions } from '../store/itemCache.js';
import { Journal, MemoryJournal, type BatchJournal, type JournalHeader } from '../store/journal.js';
import { paths } from '../store/paths.js';
import type { Keystore } from '../store/keystore/keystore.js';
import { ProfileStateHandle, emptyState } from './state.js';

export interface ContextStorage {
  /** The profile state, locked until released (memory: shared, nothing to lock). */
  openState(lockWaitMs: number): Promise<ProfileStateHandle>;
  /** The journal of the batch named `name`, or a new one headed by `fresh()`. */
  openJournal(name: string, fresh: () => JournalHeader): Promise<BatchJournal>;
  /** The decrypted-items cache of a node; undefined when items are not cached. */
  openItemCache(service: string, node: string, options: ItemCacheOptions): Promise<ItemCache | undefined>;
}

/** The profile's files under the XDG directories (what the CLI uses). */
export function profileStorage(profile: string, keystore: Keystore): ContextStorage {
  return {
    openState: (lockWaitMs) => ProfileStateHandle.open(profile, keystore, lockWaitMs),
    openJournal: (name, fresh) => Journal.open(join(paths.journalDir(profile), `${name}.journal`), fresh),
    async openItemCache(service, node, options) {
      let key = await keystore.get(profile, 'cache-key');
      if (!key) {
        key = (await import('node:crypto')).randomBytes(32).toString('base64');
        await keystore.set(profile, 'cache-key', key);
      }
      return ItemCache.open(
        paths.profileCacheDir(profile),
        Buffer.from(key, 'base64'),
        service,
        node,
        options,
      );
    },
  };
}

/** State and journals in memory, no cache: nothing touches the disk. */
export function memoryStorage(): ContextStorage {
  const state = emptyState();
  const journals = new Map<string, MemoryJournal>();
  return {
    openState: () => Promise.resolve(ProfileStateHandle.inMemory(state)),
    openJournal(name, fresh) {
      let journal = journals.get(name);
      if (!journal) journals.set(name, (journal = new MemoryJournal(`memory:${name}`, fresh())));
      return Promise.resolve(journal);
    },
    openItemCache: () => Promise.resolve(undefined),
  };
}
