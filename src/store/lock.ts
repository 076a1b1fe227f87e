// An exclusive lock file per profile, so that concurrent oxps runs (cron overlapping an
// interactive session) serialise instead of interleaving their writes. The lock names its
// owner's PID: a lock left by a killed process is taken over at once instead of waiting out
// a staleness delay.
import { open, readFile, stat, unlink } from 'node:fs/promises';
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
  try {
    const handle = await open(path, 'wx', 0o600);
    const owner: LockOwner = { pid: process.pid, host: hostname(), since: new Date().toISOString() };
    await handle.writeFile(JSON.stringify(owner));
    await handle.close();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
    throw error;
  }
  let released = false;
  return {
    release: async () => {
      if (released) return;
      released = true;
      await unlink(path).catch(() => undefined);
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

/** A lock whose owner process is gone (on this host), or that was never fully written. */
async function isStale(path: string): Promise<boolean> {
  const owner = await readOwner(path);
  if (!owner) {
    // the owner may be between open() and write(): only call it stale if that lasts
    await new Promise((resolve) => setTimeout(resolve, 50));
    return (await readOwner(path)) === undefined && (await exists(path));
  }
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
