// Nothing lost: a batch and a rotation killed midway finish on the next run without duplicates,
// a dropped connection is survived, concurrent runs serialise, a corrupt state is never
// overwritten, and no secret reaches argv or a file in clear.
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { spawn } from 'node:child_process';
import { readdir, readFile, writeFile, chmod, stat } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { BIN, TestUser, json, ok } from '../helpers/cli.js';
import { cleanEnv } from '../harness/process.js';
import { startProsody, removeServerDir, type ProsodyServer } from '../harness/prosody.js';

const PUBSUB = 'pubsub.localhost';

function items(count: number, tag: string): string {
  return Array.from({ length: count }, (_, i) =>
    JSON.stringify({
      payload: `<entry xmlns='http://www.w3.org/2005/Atom'><title>${tag} ${i}</title></entry>`,
    }),
  ).join('\n');
}

/**
 * Starts oxps and calls `tick` every `everyMs` while it runs, SIGKILLing it when `tick` says
 * 'kill'; resolves with its exit code (null when killed) and its output.
 */
async function whileRunning(
  env: NodeJS.ProcessEnv,
  args: string[],
  input: string | undefined,
  everyMs: number,
  tick: (pid: number, stderr: string) => Promise<'kill' | void>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  // a child that exits without reading its input must not fail the run with EPIPE
  child.stdin.on('error', () => undefined);
  child.stdin.end(input ?? '');
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  let finished = false;
  void exited.then(() => (finished = true));
  while (!finished) {
    if ((await tick(child.pid!, stderr)) === 'kill') {
      child.kill('SIGKILL');
      break;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  return { code: await exited, stdout, stderr };
}

/** Starts oxps and SIGKILLs it as soon as `ready` says so (polled every 20 ms). */
async function killWhen(
  user: TestUser,
  args: string[],
  ready: (stderr: string) => Promise<boolean> | boolean,
  input?: string,
): Promise<void> {
  const run = await whileRunning(cleanEnv(user.env), args, input, 20, async (_pid, stderr) =>
    (await ready(stderr)) ? 'kill' : undefined,
  );
  expect(run.code, `oxps ${args.join(' ')} finished before it could be killed:\n${run.stderr}`).toBeNull();
}

async function journalRecords(user: TestUser): Promise<number> {
  const dir = join(user.env.XDG_DATA_HOME!, 'oxps', user.jid, 'journals');
  const files = await readdir(dir).catch(() => [] as string[]);
  let records = 0;
  for (const file of files.filter((f) => f.endsWith('.journal') && !f.startsWith('.'))) {
    records += (await readFile(join(dir, file), 'utf8').catch(() => ''))
      .split('\n')
      .filter((l) => /^\d+$/.test(l)).length;
  }
  return records;
}

/** A user with a profile on a Prosody of the test's own (its accounts are "<name>@localhost"). */
async function deviceOn(server: ProsodyServer, name: string): Promise<TestUser> {
  const user = await TestUser.device(name);
  await user.addProfile([], server);
  return user;
}

describe('runs killed midway', () => {
  // This server answers the batch's first 200 publishes and then none, and stops answering the
  // pings of a session once it has sent its second message (revoke, then shared secret) to r5:
  // each run is certainly midway when it is killed, however fast the machine.
  const BATCH_NODE = 'kill-batch';
  const ANSWERED = 200;
  /** The journal is made durable every 64 records: the batch is killed after the first 64. */
  const JOURNALED = 64;
  const READERS = ['r1', 'r2', 'r3', 'r4', 'r5', 'r6', 'r7', 'r8'];
  const holdRotation = { 'r5@localhost': 2 };
  let server: ProsodyServer;

  beforeAll(async () => {
    server = await startProsody({
      pubsubAdmins: ['alice@localhost'],
      extraAccounts: READERS,
      unanswered: { [`${BATCH_NODE} publish`]: ANSWERED },
      holdPingsAfterMessages: holdRotation,
    });
  });

  afterAll(async () => {
    await server.stop();
    await removeServerDir(server);
  });

  it('a 1,000-item batch publishes every item exactly once after a rerun', { timeout: 600_000 }, async () => {
    const alice = await deviceOn(server, 'alice');
    ok(await alice.run(['encrypt-node', '-s', PUBSUB, '-n', BATCH_NODE]));
    const input = items(1000, 'batch');
    await killWhen(
      alice,
      ['--timeout', '300', 'publish', '-s', PUBSUB, '-n', BATCH_NODE, '--jsonl', '-'],
      async () => (await journalRecords(alice)) >= JOURNALED,
      input,
    );
    const partial = await journalRecords(alice);
    expect(partial).toBeGreaterThanOrEqual(JOURNALED);
    expect(partial).toBeLessThanOrEqual(ANSWERED);
    // the same server, now answering every publish
    await server.stop();
    server = await startProsody({
      dir: server.dir,
      port: server.port,
      pubsubAdmins: ['alice@localhost'],
      extraAccounts: READERS,
      holdPingsAfterMessages: holdRotation,
    });

    const rerun = await alice.run(['--json', 'publish', '-s', PUBSUB, '-n', BATCH_NODE, '--jsonl', '-'], {
      input,
      timeoutMs: 300_000,
    });
    expect(rerun.code, rerun.stderr).toBe(0);
    const result = json<{ total: number; published: number; alreadyDone: number }>(rerun);
    expect(result.total).toBe(1000);
    expect(result.alreadyDone).toBeGreaterThanOrEqual(partial);
    const fetched = json<{ items: Array<{ id: string; status: string; xml: string }> }>(
      await alice.run(['--json', '--timeout', '120', 'fetch', '-s', PUBSUB, '-n', BATCH_NODE, '--all']),
    );
    expect(fetched.items).toHaveLength(1000);
    expect(new Set(fetched.items.map((i) => i.id)).size).toBe(1000);
    expect(fetched.items.every((i) => i.status === 'decrypted')).toBe(true);
    const titles = new Set(fetched.items.map((i) => /<title>([^<]*)</.exec(i.xml)![1]));
    expect(titles.size).toBe(1000);

    // a third run publishes nothing
    const third = json<{ published: number }>(
      await alice.run(['--json', 'publish', '-s', PUBSUB, '-n', BATCH_NODE, '--jsonl', '-'], { input }),
    );
    expect(third.published).toBe(0);
  });

  it(
    'a rotation is finished by the next command, and every recipient gets the new secret',
    { timeout: 360_000 },
    async () => {
      const alice = await deviceOn(server, 'alice');
      const readers = await Promise.all(READERS.map((name) => deviceOn(server, name)));
      await Promise.all([alice, ...readers].map(async (user) => ok(await user.run(['key', 'generate']))));
      const node = `urn:example:reliability:rotate:${Date.now()}`;
      ok(await alice.run(['encrypt-node', '-n', node]));
      ok(await alice.run(['secret', 'share', '-n', node, ...readers.map((r) => r.jid)]));

      await killWhen(alice, ['-v', '--timeout', '300', 'secret', 'rotate', '-n', node], (stderr) =>
        /sent shared-secret/.test(stderr),
      );

      // any later command that goes online finishes the notifications recorded before the kill
      const listed = await alice.run(['--json', 'secret', 'list', '-n', node]);
      expect(listed.code, listed.stderr).toBe(0);
      const secrets = json<{ secrets: Array<{ id: string; revoked: boolean; sharedWith: string[] }> }>(
        listed,
      ).secrets;
      const current = secrets.filter((s) => !s.revoked);
      expect(current).toHaveLength(1);
      expect(current[0]!.sharedWith.sort()).toEqual(readers.map((r) => r.jid).sort());
      for (const reader of readers) {
        ok(await reader.run(['sync']));
        const theirs = json<{ secrets: Array<{ id: string; revoked: boolean }> }>(
          await reader.run(['--json', 'secret', 'list', '-s', alice.jid, '-n', node]),
        ).secrets;
        expect(theirs.filter((s) => !s.revoked).map((s) => s.id)).toEqual([current[0]!.id]);
      }
    },
  );
});

describe('a server that goes away', () => {
  // The server answers the first 64 publishes of the batch, then takes requests without
  // answering: the batch is then certainly midway when the server is stopped, however fast the
  // machine. Fetches of "frozen" are never answered.
  const HELD = 64;
  const frozen = { 'frozen items': 0 };
  let server: ProsodyServer;

  beforeAll(async () => {
    server = await startProsody({
      pubsubAdmins: ['alice@localhost'],
      unanswered: { 'restart-batch publish': HELD, ...frozen },
    });
  });

  afterAll(async () => {
    await server.stop();
    await removeServerDir(server);
  });

  const userOn = (name: string): Promise<TestUser> => deviceOn(server, name);

  it('a batch survives a server restart: it reconnects with backoff and finishes', async () => {
    const alice = await userOn('alice');
    const node = 'restart-batch';
    ok(await alice.run(['encrypt-node', '-s', PUBSUB, '-n', node]));
    const input = items(400, 'restart');
    const child = spawn(
      process.execPath,
      [
        BIN,
        '--json',
        '--timeout',
        '10',
        'publish',
        '-s',
        PUBSUB,
        '-n',
        node,
        '--jsonl',
        '-',
        '--retries',
        '8',
      ],
      { env: cleanEnv(alice.env), stdio: ['pipe', 'pipe', 'pipe'] },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    // a child that exits without reading its input must not fail the run with EPIPE
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    while ((await journalRecords(alice)) < HELD) await new Promise((r) => setTimeout(r, 20));
    expect(child.exitCode, stderr).toBeNull();
    await server.stop();
    server = await startProsody({
      dir: server.dir,
      port: server.port,
      pubsubAdmins: ['alice@localhost'],
      unanswered: frozen,
    });
    expect(await exited, stderr).toBe(0);
    expect(stderr).toMatch(/reconnecting/);
    expect(json<{ total: number }>({ code: 0, stdout, stderr }).total).toBe(400);
    const fetched = json<{ items: Array<{ id: string }> }>(
      await alice.run(['--json', 'fetch', '-s', PUBSUB, '-n', node, '--all', '--no-decrypt']),
    );
    expect(new Set(fetched.items.map((i) => i.id)).size).toBe(400);
  });

  it('#12.17 no answer from the server ends in a timeout, not a hang', async () => {
    const bob = await userOn('bob');
    ok(await bob.run(['encrypt-node', '-n', 'frozen']));
    const result = await bob.run(['--timeout', '2', '--no-sync', 'fetch', '-n', 'frozen'], {
      timeoutMs: 30_000,
    });
    expect(result.code, result.stderr).toBe(5);
    expect(result.stderr).toMatch(/no answer from .* within 2 s/);
  });

  it('#12.17 a server that accepts the connection and never speaks ends in a login timeout', async () => {
    const bob = await userOn('bob');
    process.kill(server.pid, 'SIGSTOP');
    try {
      const result = await bob.run(['--timeout', '2', '--no-sync', 'fetch', '-n', 'frozen'], {
        timeoutMs: 30_000,
      });
      expect(result.code, result.stderr).toBe(5);
      expect(result.stderr).toMatch(/no answer from .* within 2 s while logging in/);
    } finally {
      process.kill(server.pid, 'SIGCONT');
    }
  });
});

describe('concurrent runs on one profile', () => {
  let alice: TestUser;

  beforeAll(async () => {
    alice = await TestUser.create('alice');
    await alice.addProfile();
  });

  it('serialise: both encrypt-node results are in the state, and both publishes land', async () => {
    const stamp = Date.now();
    const [a, b] = await Promise.all([
      alice.run(['encrypt-node', '-n', `urn:example:c:${stamp}:a`]),
      alice.run(['encrypt-node', '-n', `urn:example:c:${stamp}:b`]),
    ]);
    expect([a.code, b.code], a.stderr + b.stderr).toEqual([0, 0]);
    for (const node of ['a', 'b']) {
      const list = json<{ secrets: unknown[] }>(
        await alice.run(['--json', 'secret', 'list', '-n', `urn:example:c:${stamp}:${node}`]),
      );
      expect(list.secrets).toHaveLength(1);
    }
    const node = `urn:example:c:${stamp}:a`;
    const [p1, p2] = await Promise.all(
      ['one', 'two'].map((t) =>
        alice.run(['--json', 'publish', '-n', node, '-'], { input: `<note xmlns='urn:example'>${t}</note>` }),
      ),
    );
    expect([p1!.code, p2!.code]).toEqual([0, 0]);
    const fetched = json<{ items: Array<{ xml: string }> }>(await alice.run(['--json', 'fetch', '-n', node]));
    expect(fetched.items.map((i) => i.xml).sort()).toEqual([
      '<note xmlns="urn:example">one</note>',
      '<note xmlns="urn:example">two</note>',
    ]);
  });

  it('a run that cannot get the lock in time fails clearly', async () => {
    const lock = join(alice.env.XDG_DATA_HOME!, 'oxps', alice.jid, 'state.lock');
    // a live process holds it: this test process
    await writeFile(
      lock,
      JSON.stringify({
        pid: process.pid,
        host: (await import('node:os')).hostname(),
        since: new Date().toISOString(),
      }),
    );
    try {
      const result = await alice.run(['--lock-wait', '1', 'secret', 'list', '-n', 'x']);
      expect(result.code).toBe(11);
      expect(result.stderr).toMatch(/in use by another oxps process \(pid \d+/);
      expect(result.stderr).toContain('--lock-wait');
    } finally {
      await (await import('node:fs/promises')).unlink(lock);
    }
  });
});

describe('state and files', () => {
  it('a corrupt state file is reported, never overwritten, and its last good copy is kept', async () => {
    const alice = await TestUser.create('alice');
    await alice.addProfile();
    ok(await alice.run(['encrypt-node', '-n', 'urn:example:corrupt']));
    ok(await alice.run(['encrypt-node', '-n', 'urn:example:corrupt2']));
    const file = join(alice.env.XDG_DATA_HOME!, 'oxps', alice.jid, 'state');
    const bytes = await readFile(file);
    bytes[bytes.length - 3] = bytes[bytes.length - 3]! ^ 0xff;
    await writeFile(file, bytes);
    const digest = createHash('sha256').update(bytes).digest('hex');
    const result = await alice.run(['encrypt-node', '-n', 'urn:example:corrupt3']);
    expect(result.code).toBe(10);
    expect(result.stderr).toContain(file);
    expect(result.stderr).toContain(`${file}.prev`);
    expect(
      createHash('sha256')
        .update(await readFile(file))
        .digest('hex'),
    ).toBe(digest);
    // restoring the last good copy works
    await writeFile(file, await readFile(`${file}.prev`));
    ok(await alice.run(['secret', 'list', '-n', 'urn:example:corrupt']));
  });

  it('refuses a world-readable configuration or vault with the chmod that fixes it', async () => {
    const bob = await TestUser.create('bob');
    await bob.addProfile();
    const config = join(bob.env.XDG_CONFIG_HOME!, 'oxps', 'config.json');
    expect((await stat(config)).mode & 0o777).toBe(0o600);
    await chmod(config, 0o644);
    const result = await bob.run(['profile', 'list']);
    expect(result.code).toBe(10);
    expect(result.stderr).toContain(`chmod 600 ${config}`);
    await chmod(config, 0o600);
    const vault = join(bob.env.XDG_DATA_HOME!, 'oxps', 'vault');
    await chmod(vault, 0o644);
    const vaultResult = await bob.run(['secret', 'list', '-n', 'x']);
    expect(vaultResult.code).toBe(10);
    expect(vaultResult.stderr).toContain(`chmod 600 ${vault}`);
  });
});

describe('secrets stay secret', () => {
  it('no password, passphrase, node secret, private key or backup code in argv or in clear in any file', async () => {
    const [alice, bob] = await TestUser.createMany(['alice', 'bob']);
    const seenArgv: string[] = [];
    const watch = async (user: TestUser, args: string[], input?: string) => {
      const env = cleanEnv({ ...user.env, OXPS_PASSWORD: `${user.name}pass` });
      const run = await whileRunning(env, args, input, 10, async (pid) => {
        seenArgv.push(await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => ''));
      });
      expect(run.code).toBe(0);
      return run.stdout;
    };
    for (const user of [alice!, bob!]) {
      await watch(user, user.profileAddArgs());
      await watch(user, ['key', 'generate']);
    }
    const node = `urn:example:scan:${Date.now()}`;
    await watch(alice!, ['encrypt-node', '-n', node]);
    await watch(alice!, ['publish', '-n', node, '-'], "<note xmlns='urn:example'>top secret text</note>");
    await watch(alice!, ['secret', 'share', '-n', node, bob!.jid]);
    const listed = await watch(alice!, ['--json', 'secret', 'list', '-n', node]);
    const backup = JSON.parse(await watch(alice!, ['--json', 'key', 'backup'])) as { backupCode: string };
    await watch(bob!, ['sync']);
    await watch(bob!, ['fetch', '-s', alice!.jid, '-n', node]);
    const shown = JSON.parse(
      await watch(alice!, ['--json', 'secret', 'list', '-n', node, '--show-secrets']),
    ) as { secrets: Array<{ key: string }> };
    const secretKey = shown.secrets[0]!.key;
    expect(listed).not.toContain(secretKey);

    const needles = [
      secretKey,
      backup.backupCode,
      `${alice!.name}pass`,
      `${bob!.name}pass`,
      alice!.env.OXPS_PASSPHRASE!,
      bob!.env.OXPS_PASSPHRASE!,
      'top secret text',
      'BEGIN PGP PRIVATE KEY',
    ];
    for (const argv of seenArgv) for (const needle of needles) expect(argv).not.toContain(needle);
    for (const user of [alice!, bob!]) {
      for (const file of await walk(user.home)) {
        const bytes = await readFile(file);
        for (const needle of needles)
          expect(bytes.includes(Buffer.from(needle)), `${needle} found in ${file}`).toBe(false);
        expect((await stat(file)).mode & 0o077, `${file} is readable by others`).toBe(0);
      }
    }
  });
});

async function walk(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const files: string[] = [];
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await walk(path)));
    else if (entry.isFile()) files.push(path);
  }
  return files;
}
