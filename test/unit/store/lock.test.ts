import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, rename, rm, stat, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { acquireLock } from '../../../src/store/lock.js';
import { OxpsError } from '../../../src/errors.js';
import { rejected } from '../../helpers/thrown.js';

// Every node:fs/promises call of the code under test is wrapped so that the watched lock file can
// be inspected before and after it: what another process could observe between two calls.
const probe = vi.hoisted(() => ({ watched: undefined as string | undefined, seen: [] as string[] }));
vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<Record<string, unknown>>();
  const observe = (): void => {
    if (!probe.watched) return;
    try {
      probe.seen.push(readFileSync(probe.watched, 'utf8'));
    } catch {
      // no lock file at this moment
    }
  };
  const wrapped = Object.fromEntries(
    Object.entries(actual).map(([name, value]) => [
      name,
      typeof value !== 'function'
        ? value
        : async (...args: unknown[]) => {
            observe();
            try {
              return await (value as (...a: unknown[]) => Promise<unknown>)(...args);
            } finally {
              observe();
            }
          },
    ]),
  );
  return { ...wrapped, default: wrapped };
});

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
  return stat(file).then(
    () => true,
    () => false,
  );
}

/** The PID of a process that has exited (so no process has it, barring reuse). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], {
    encoding: 'utf8',
  });
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
    await writeFile(path, JSON.stringify({ pid, host: hostname(), since: '2026-01-01T00:00:00.000Z' }), {
      mode: 0o600,
    });
    const started = Date.now();
    const lock = await acquireLock(path, 10_000, 'profile alice');
    expect(Date.now() - started).toBeLessThan(1000);
    expect(JSON.parse(await readFile(path, 'utf8')).pid).toBe(process.pid);
    await lock.release();
  });

  it('takes over the lock of the suggested dead PID 999999', async () => {
    expect(() => process.kill(999999, 0)).toThrow();
    await writeFile(
      path,
      JSON.stringify({ pid: 999999, host: hostname(), since: new Date().toISOString() }),
      { mode: 0o600 },
    );
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
    await writeFile(
      path,
      JSON.stringify({ pid: deadPid(), host: `not-${hostname()}`, since: '2026-01-01T00:00:00.000Z' }),
    );
    const { error } = await locked(200);
    expect(error.code).toBe('LOCKED');
    expect(await exists(path)).toBe(true);
  });

  it('#12.13 never lets the lock file be seen empty or half written, even by racing acquirers', async () => {
    probe.watched = path;
    probe.seen = [];
    try {
      await Promise.all(
        Array.from({ length: 8 }, async () => {
          const lock = await acquireLock(path, 10_000, 'profile alice');
          await lock.release();
        }),
      );
    } finally {
      probe.watched = undefined;
    }
    expect(probe.seen.length).toBeGreaterThan(0);
    for (const content of probe.seen)
      expect(JSON.parse(content)).toMatchObject({ pid: process.pid, host: hostname() });
  });

  it('#12.13 never breaks into a live takeover, however old it looks', async () => {
    // a waiter (PID 1 stands for a live one) checking a dead owner's lock, stalled on a loaded machine
    await writeFile(
      path,
      JSON.stringify({ pid: deadPid(), host: hostname(), since: '2026-01-01T00:00:00.000Z', token: 'dead' }),
      { mode: 0o600 },
    );
    const takeover = `${path}.takeover`;
    await writeFile(
      takeover,
      JSON.stringify({ pid: 1, host: hostname(), since: '2026-01-01T00:00:00.000Z', token: 'stalled' }),
      { mode: 0o600 },
    );
    await utimes(takeover, new Date('2026-01-01T00:00:00Z'), new Date('2026-01-01T00:00:00Z'));
    const { error } = await locked(300);
    expect(error.code).toBe('LOCKED');
    expect(JSON.parse(await readFile(takeover, 'utf8')).token).toBe('stalled');
  });

  it("#12.13 clears at once a takeover left by a dead process, then the dead owner's lock", async () => {
    await writeFile(
      path,
      JSON.stringify({ pid: deadPid(), host: hostname(), since: '2026-01-01T00:00:00.000Z', token: 'dead' }),
      { mode: 0o600 },
    );
    await writeFile(
      `${path}.takeover`,
      JSON.stringify({ pid: deadPid(), host: hostname(), since: new Date().toISOString(), token: 'killed' }),
      { mode: 0o600 },
    );
    const started = Date.now();
    const lock = await acquireLock(path, 10_000, 'profile alice');
    // not after a delay for the takeover to look old: its owner is known to be gone
    expect(Date.now() - started).toBeLessThan(3000);
    expect(JSON.parse(await readFile(path, 'utf8')).pid).toBe(process.pid);
    expect(await exists(`${path}.takeover`)).toBe(false);
    await lock.release();
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

  it('#12.13 does not delete the lock of a run that took ours over', async () => {
    const ours = await acquireLock(path, 1000, 'profile alice');
    // another run replaced our record with its own (as a takeover of a lock judged stale does)
    const theirs = JSON.stringify({
      pid: 1,
      host: hostname(),
      since: '2026-01-01T00:00:00.000Z',
      token: 'theirs',
    });
    await writeFile(`${path}.theirs`, theirs, { mode: 0o600 });
    await rename(`${path}.theirs`, path);
    await ours.release();
    expect(await readFile(path, 'utf8')).toBe(theirs);
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
