import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireLock } from '../../../src/store/lock.js';
import { OxpsError } from '../../../src/errors.js';
import { rejected } from '../../helpers/thrown.js';

let dir: string;
let path: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'oxps-lock-'));
  path = join(dir, 'profile.lock');
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function exists(file: string): Promise<boolean> {
  return stat(file).then(() => true, () => false);
}

/** The PID of a process that has exited (so no process has it, barring reuse). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  const pid = Number(child.stdout);
  expect(() => process.kill(pid, 0)).toThrow();
  return pid;
}

async function locked(waitMs: number): Promise<{ error: OxpsError; elapsed: number }> {
  const started = Date.now();
  const error = await rejected(OxpsError, async () => {
    const lock = await acquireLock(path, waitMs, 'profile alice');
    await lock.release();
  });
  return { error, elapsed: Date.now() - started };
}

describe('acquireLock', () => {
  it('creates a private lock file naming this process', async () => {
    const lock = await acquireLock(path, 1000, 'profile alice');
    const owner = JSON.parse(await readFile(path, 'utf8')) as { pid: number; host: string; since: string };
    expect(owner.pid).toBe(process.pid);
    expect(owner.host).toBe(hostname());
    expect(Number.isNaN(Date.parse(owner.since))).toBe(false);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    await lock.release();
  });

  it('creates the lock directory when it is missing', async () => {
    const nested = join(dir, 'state', 'alice', 'lock');
    const lock = await acquireLock(nested, 1000, 'profile alice');
    expect(await exists(nested)).toBe(true);
    await lock.release();
  });

  it('makes a second acquirer in the same process wait, then fail with LOCKED', async () => {
    const first = await acquireLock(path, 1000, 'profile alice');
    const { error, elapsed } = await locked(400);
    expect(error.code).toBe('LOCKED');
    expect(error.exitCode).toBe(11);
    expect(error.message).toContain('profile alice');
    expect(error.message).toContain(`pid ${process.pid}`);
    expect(error.hint).toMatch(/--lock-wait/);
    expect(elapsed).toBeGreaterThanOrEqual(380);
    expect(elapsed).toBeLessThan(5000);
    // the holder keeps its lock
    expect(JSON.parse(await readFile(path, 'utf8')).pid).toBe(process.pid);
    await first.release();
  });

  it('fails at once when asked not to wait', async () => {
    const first = await acquireLock(path, 1000, 'profile alice');
    const { error, elapsed } = await locked(0);
    expect(error.code).toBe('LOCKED');
    expect(elapsed).toBeLessThan(1000);
    await first.release();
  });

  it('hands the lock to a waiter once the holder releases it', async () => {
    const first = await acquireLock(path, 1000, 'profile alice');
    const second = acquireLock(path, 5000, 'profile alice');
    setTimeout(() => void first.release(), 150);
    const lock = await second;
    expect(JSON.parse(await readFile(path, 'utf8')).pid).toBe(process.pid);
    await lock.release();
    expect(await exists(path)).toBe(false);
  });

  it('takes over at once a lock whose owner process is dead', async () => {
    const pid = deadPid();
    await writeFile(path, JSON.stringify({ pid, host: hostname(), since: '2026-01-01T00:00:00.000Z' }), { mode: 0o600 });
    const started = Date.now();
    const lock = await acquireLock(path, 10_000, 'profile alice');
    expect(Date.now() - started).toBeLessThan(1000);
    expect(JSON.parse(await readFile(path, 'utf8')).pid).toBe(process.pid);
    await lock.release();
  });

  it('takes over the lock of the suggested dead PID 999999', async () => {
    expect(() => process.kill(999999, 0)).toThrow();
    await writeFile(path, JSON.stringify({ pid: 999999, host: hostname(), since: new Date().toISOString() }), { mode: 0o600 });
    const lock = await acquireLock(path, 10_000, 'profile alice');
    expect(JSON.parse(await readFile(path, 'utf8')).pid).toBe(process.pid);
    await lock.release();
  });

  it('takes over an empty (never completed) lock file', async () => {
    await writeFile(path, '', { mode: 0o600 });
    const lock = await acquireLock(path, 5000, 'profile alice');
    expect(JSON.parse(await readFile(path, 'utf8')).pid).toBe(process.pid);
    await lock.release();
  });

  it('respects a lock held by a process on another host, even with a dead-looking PID', async () => {
    await writeFile(path, JSON.stringify({ pid: deadPid(), host: `not-${hostname()}`, since: '2026-01-01T00:00:00.000Z' }));
    const { error } = await locked(200);
    expect(error.code).toBe('LOCKED');
    expect(await exists(path)).toBe(true);
  });

  it('respects a lock held by another live process on this host', async () => {
    // PID 1 is always alive (kill(1, 0) may say EPERM, which must not count as dead)
    await writeFile(path, JSON.stringify({ pid: 1, host: hostname(), since: '2026-01-01T00:00:00.000Z' }));
    const { error } = await locked(200);
    expect(error.code).toBe('LOCKED');
    expect(error.message).toContain('pid 1 since 2026-01-01T00:00:00.000Z');
  });
});

describe('Lock.release', () => {
  it('removes the lock file, and may be called twice', async () => {
    const lock = await acquireLock(path, 1000, 'profile alice');
    expect(await exists(path)).toBe(true);
    await lock.release();
    expect(await exists(path)).toBe(false);
    await expect(lock.release()).resolves.toBeUndefined();
  });

  it('does not remove a lock that another process took after release', async () => {
    const first = await acquireLock(path, 1000, 'profile alice');
    await first.release();
    const second = await acquireLock(path, 1000, 'profile alice');
    await first.release();
    expect(await exists(path)).toBe(true);
    await second.release();
    expect(await exists(path)).toBe(false);
  });

  it('lets the lock be acquired again at once', async () => {
    const first = await acquireLock(path, 1000, 'profile alice');
    await first.release();
    const started = Date.now();
    const second = await acquireLock(path, 0, 'profile alice');
    expect(Date.now() - started).toBeLessThan(500);
    await second.release();
  });
});
