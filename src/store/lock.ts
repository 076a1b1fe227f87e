// An exclusive lock file per profile, so that concurrent oxps runs (cron overlapping an
// interactive session) serialise instead of interleaving their writes. The lock names its
// owner's PID: a lock left by a killed process is taken over at once instead of waiting out
// a staleness delay. The record is complete before the lock's name appears (written to a temp
// file, then hard-linked to the lock's name, which fails if the name is taken), and carries a
// random token, so that a run releases only the lock it holds.
import { link, open, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { OxpsError } from '../errors.js';
import { ensurePrivateDir } from './atomicFile.js';
import { dirname } from 'node:path';

export interface Lock {
  release(): Promise<void>;
}

interface LockOwner {
  pid: number;
  host: string;
  since: string;
  token: string;
}

export async function acquireLock(path: string, waitMs: number, what: string): Promise<Lock> {
  await ensurePrivateDir(dirname(path));
  const deadline = Date.now() + waitMs;
  for (let delay = 20; ; delay = Math.min(delay * 2, 250)) {
    const lock = await tryLock(path);
    if (lock) return lock;
    if (await removeIfStale(path)) continue;
    if (Date.now() >= deadline) {
      const owner = await readOwner(path);
      throw new OxpsError(
        'LOCKED',
        `${what} is in use by another oxps process${owner ? ` (pid ${owner.pid} since ${owner.since})` : ''}; waited ${Math.round(waitMs / 1000)} s`,
        'wait for it to finish, or raise --lock-wait SECONDS',
      );
    }
    await new Promise((resolve) => setTimeout(resolve, delay));
  }
}

async function tryLock(path: string): Promise<Lock | undefined> {
  const token = randomBytes(16).toString('hex');
  const owner: LockOwner = { pid: process.pid, host: hostname(), since: new Date().toISOString(), token };
  const temp = `${path}.${token}.tmp`;
  await writeFile(temp, JSON.stringify(owner), { mode: 0o600, flag: 'wx' });
  try {
    await link(temp, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
    throw error;
  } finally {
    await unlink(temp).catch(() => undefined);
  }
  let released = false;
  return {
    release: async () => {
      if (released) return;
      released = true;
      if ((await readOwner(path))?.token === token) await unlink(path).catch(() => undefined);
    },
  };
}

/**
 * Removes a stale lock. Several waiters may find the same stale lock at once, and one of them
 * may already have replaced it with its own live lock by the time another deletes "the stale
 * one": so the check and the removal run under a second, short-lived lock (PATH.takeover).
 */
async function removeIfStale(path: string): Promise<boolean> {
  const takeover = `${path}.takeover`;
  let handle;
  try {
    handle = await open(takeover, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    // a takeover left by a process killed inside it: the section lasts milliseconds
    const age = Date.now() - (await stat(takeover).catch(() => undefined))?.mtimeMs!;
    if (age > TAKEOVER_STALE_MS) await unlink(takeover).catch(() => undefined);
    return false;
  }
  try {
    if (!(await isStale(path))) return false;
    await unlink(path).catch(() => undefined);
    return true;
  } finally {
    await handle.close();
    await unlink(takeover).catch(() => undefined);
  }
}

const TAKEOVER_STALE_MS = 5000;

async function readOwner(path: string): Promise<LockOwner | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as LockOwner;
  } catch {
    return undefined;
  }
}

/**
 * A lock whose owner process is gone (on this host), or whose record is unreadable: a lock is
 * never seen half written, so such a file was left by a crash of an older oxps.
 */
async function isStale(path: string): Promise<boolean> {
  const owner = await readOwner(path);
  if (!owner) return exists(path);
  if (owner.host !== hostname()) return false;
  try {
    process.kill(owner.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await readFile(path);
    return true;
  } catch {
    return false;
  }
}
