// An exclusive lock file per profile, so that concurrent oxps runs (cron overlapping an
// interactive session) serialise instead of interleaving their writes. The lock names its
// owner's PID: a lock left by a killed process is taken over at once instead of waiting out
// a staleness delay. The record is complete before the lock's name appears (written to a temp
// file, then hard-linked to the lock's name, which fails if the name is taken), and carries a
// random token, so that a run releases only the lock it holds.
import { link, readFile, rename, unlink, writeFile } from 'node:fs/promises';
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
      const owner = await readRecord(path);
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
      if ((await readRecord(path).catch(() => undefined))?.token === token)
        await unlink(path).catch(() => undefined);
    },
  };
}

/**
 * Removes a stale lock. Several waiters may find the same stale lock at once, and one of them
 * may already have replaced it with its own live lock by the time another deletes "the stale
 * one": so the check and the removal run under a second, short-lived lock (PATH.takeover),
 * itself a lock record, which is broken only once its owner is gone (never for its age: a
 * waiter stalled on a loaded machine still holds it).
 */
async function removeIfStale(path: string): Promise<boolean> {
  const takeoverPath = `${path}.takeover`;
  const takeover = await tryLock(takeoverPath);
  if (!takeover) {
    await removeAbandonedTakeover(takeoverPath);
    return false;
  }
  try {
    const record = await readRecord(path);
    if (record === undefined) return true; // released meanwhile
    if (!abandoned(record)) return false;
    await unlink(path).catch(() => undefined);
    return true;
  } finally {
    await takeover.release();
  }
}

/**
 * Removes a takeover lock whose owner died inside it. Another waiter may do the same at once
 * and take the takeover lock for itself: so the file is moved aside first, and put back if it
 * no longer held the dead owner's record.
 */
async function removeAbandonedTakeover(path: string): Promise<void> {
  const record = await readRecord(path);
  if (record === undefined || !abandoned(record)) return;
  const aside = `${path}.${randomBytes(16).toString('hex')}.dead`;
  try {
    await rename(path, aside);
  } catch {
    return; // already gone
  }
  if (JSON.stringify(await readRecord(aside)) !== JSON.stringify(record))
    await link(aside, path).catch(() => undefined);
  await unlink(aside).catch(() => undefined);
}

/** The record of the lock at `path`: undefined when there is no lock, null when it cannot be read as one. */
async function readRecord(path: string): Promise<LockOwner | null | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const record = JSON.parse(text) as LockOwner | null;
    return Number.isInteger(record?.pid) && record!.pid > 0 && typeof record!.host === 'string'
      ? record
      : null;
  } catch {
    return null;
  }
}

/**
 * Whether a lock's owner is gone (a process of this host that no longer runs). An unreadable
 * record counts as gone: a lock is never seen half written, so it was left by an older oxps.
 */
function abandoned(record: LockOwner | null): boolean {
  if (record === null) return true;
  if (record.host !== hostname()) return false;
  try {
    process.kill(record.pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
