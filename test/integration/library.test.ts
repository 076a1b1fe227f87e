// The library (`import { … } from 'oxps'`, issue 15.1): an account opened with a JID and a
// password writes nothing to disk, and the README's CI-seeding example runs from the packed
// tarball, installed without dev dependencies, against the test Prosody.
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { copyFile, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { TestUser, json, ok, runNode, serverInfo } from '../helpers/cli.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const LIBRARY = pathToFileURL(join(ROOT, 'dist/src/lib/index.js')).href;
const EXAMPLE = join(ROOT, 'examples/ci-seed.mjs');

const TYPED_CONSUMER = `import { openAccount, OxpsError, type FetchedItemJson, type BulkResult } from 'oxps';
const oxps = await openAccount({ jid: 'ci@example.org', password: 'secret', port: 5222 });
const items: FetchedItemJson[] = [];
for await (const item of oxps.fetch({ node: 'n', all: true })) if (item.status === 'decrypted') items.push(item);
const batch: BulkResult = await oxps.publishMany({
  node: 'n',
  items: [{ payload: '<a xmlns="urn:x"/>' }],
  signal: AbortSignal.timeout(1000),
  onProgress: (published: number, total: number) => console.log(published, total),
});
try {
  await oxps.close();
} catch (error) {
  if (error instanceof OxpsError) console.log(error.code, error.exitCode satisfies number, batch.published, items.length);
}
`;

function serverEnv(user: TestUser): Record<string, string> {
  const { port, certFile } = serverInfo();
  return {
    SEED_JID: user.jid,
    SEED_PASSWORD: `${user.name}pass`,
    SEED_HOST: '127.0.0.1',
    SEED_PORT: String(port),
    SEED_TLS_CA: certFile,
  };
}

async function filesUnder(dir: string): Promise<string[]> {
  return (await readdir(dir, { recursive: true })).map(String);
}

describe('the library', () => {
  it('#15.2 an account opened with a JID and a password writes nothing under HOME or the XDG directories', async () => {
    const [writer, reader] = await TestUser.createMany(['libwriter', 'libreader']);
    await reader!.addProfile();
    ok(await reader!.run(['key', 'generate']));
    const empty = await mkdtemp(join(tmpdir(), 'oxps-nothing-'));
    const script = join(await mkdtemp(join(tmpdir(), 'oxps-script-')), 'memory.mjs');
    await writeFile(
      script,
      `import { openAccount } from ${JSON.stringify(LIBRARY)};
const env = process.env;
const oxps = await openAccount({ jid: env.SEED_JID, password: env.SEED_PASSWORD, host: env.SEED_HOST,
  port: Number(env.SEED_PORT), tlsCa: env.SEED_TLS_CA });
const node = 'urn:example:memory';
await oxps.encryptNode({ node });
await oxps.publish({ node, id: 'one', payload: '<note xmlns="urn:example:note">one</note>' });
const stopped = new AbortController();
const batch = oxps.publishMany({ node, items: [1, 2, 3].map((i) => ({ id: 'b' + i, payload: '<note xmlns="urn:example:note">' + i + '</note>' })),
  window: 1, signal: stopped.signal, onProgress: (published) => { if (published === 1) stopped.abort(); } });
const interrupted = await batch.then(() => 'finished', (error) => error.code + ' ' + error.exitCode);
const resumed = await oxps.publishMany({ node, items: [1, 2, 3].map((i) => ({ id: 'b' + i, payload: '<note xmlns="urn:example:note">' + i + '</note>' })) });
await oxps.share({ node, with: [env.SEED_READER] });
const items = [];
for await (const item of oxps.fetch({ node })) items.push(item);
const secrets = await oxps.listSecrets({ node });
const key = await oxps.exportKey();
await oxps.close();
console.log(JSON.stringify({ interrupted, resumed, items, secrets, key: key.startsWith('-----BEGIN PGP PRIVATE KEY BLOCK-----') }));
`,
    );
    const result = await runNode([script], {
      env: {
        ...serverEnv(writer!),
        SEED_READER: reader!.jid,
        HOME: empty,
        XDG_CONFIG_HOME: empty,
        XDG_DATA_HOME: empty,
        XDG_CACHE_HOME: empty,
        XDG_STATE_HOME: empty,
        XDG_RUNTIME_DIR: empty,
      },
    });
    expect(result.code, result.stderr).toBe(0);
    const out = json<{
      interrupted: string;
      resumed: { alreadyDone: number; published: number };
      items: Array<{ id: string; status: string; xml?: string; element?: unknown }>;
      secrets: { secrets: Array<{ sharedWith: string[] }> };
      key: boolean;
    }>(result);
    expect(out.interrupted).toBe('INTERRUPTED 130');
    expect(out.resumed.alreadyDone).toBeGreaterThanOrEqual(1);
    expect(out.resumed.alreadyDone + out.resumed.published).toBe(3);
    expect(out.items.map((i) => [i.id, i.status]).sort()).toEqual([
      ['b1', 'decrypted'],
      ['b2', 'decrypted'],
      ['b3', 'decrypted'],
      ['one', 'decrypted'],
    ]);
    expect(out.items.find((i) => i.id === 'one')?.xml).toContain('>one</note>');
    expect(out.secrets.secrets[0]?.sharedWith).toEqual([reader!.jid]);
    expect(out.key).toBe(true);
    expect(await filesUnder(empty)).toEqual([]);
    // the reader reads with the CLI what the library wrote with a key generated in memory
    const read = json<{ items: Array<{ status: string }> }>(
      ok(await reader!.run(['--json', 'fetch', '-s', writer!.jid, '-n', 'urn:example:memory'])),
    );
    expect(read.items.map((i) => i.status)).toEqual(['decrypted', 'decrypted', 'decrypted', 'decrypted']);
    await rm(empty, { recursive: true, force: true });
  });

  it('#15.1 a profile opened by name publishes through the same use cases as the CLI, which reads it back', async () => {
    const owner = await TestUser.create('libprofile');
    await owner.addProfile();
    ok(await owner.run(['key', 'generate']));
    const script = join(await mkdtemp(join(tmpdir(), 'oxps-script-')), 'profile.mjs');
    await writeFile(
      script,
      `import { openAccount, OxpsError } from ${JSON.stringify(LIBRARY)};
const oxps = await openAccount(process.env.PROFILE);
const node = 'urn:example:profile';
const made = await oxps.encryptNode({ node });
const published = await oxps.publish({ node, id: 'p1', payload: '<note xmlns="urn:example:note">from code</note>' });
const refused = await oxps.publish({ node, payload: '<note>no namespace</note>' }).catch((e) => e instanceof OxpsError && e.code + ' ' + e.exitCode);
const missing = await openAccount('nobody').catch((e) => e instanceof OxpsError && e.code + ' ' + e.exitCode);
await oxps.close();
console.log(JSON.stringify({ created: made.created, encrypted: published.encrypted, refused, missing }));
`,
    );
    const result = await runNode([script], { env: { ...owner.env, PROFILE: owner.jid } });
    expect(result.code, result.stderr).toBe(0);
    expect(json(result)).toEqual({
      created: true,
      encrypted: true,
      refused: 'INPUT_INVALID 2',
      missing: 'PROFILE_NOT_FOUND 3',
    });
    const read = json<{ items: Array<{ id: string; status: string; xml: string }> }>(
      ok(await owner.run(['--json', 'fetch', '-n', 'urn:example:profile'])),
    );
    expect(read.items.map((i) => [i.id, i.status])).toEqual([['p1', 'decrypted']]);
    expect(read.items[0]!.xml).toContain('from code');
  });

  it('#15.1 the README example seeds a node from the packed tarball, installed without dev dependencies', async () => {
    // the README shows this very file
    expect(await readFile(join(ROOT, 'README.md'), 'utf8')).toContain(await readFile(EXAMPLE, 'utf8'));
    const [seeder, reader] = await TestUser.createMany(['seeder', 'seedreader']);
    await reader!.addProfile();
    ok(await reader!.run(['key', 'generate']));
    const project = await mkdtemp(join(tmpdir(), 'oxps-consumer-'));
    const exec = promisify(execFile);
    const packed = await exec('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', project], {
      cwd: ROOT,
    });
    const [{ filename }] = JSON.parse(packed.stdout) as [{ filename: string }];
    await writeFile(join(project, 'package.json'), JSON.stringify({ private: true, type: 'module' }));
    await exec(
      'npm',
      ['install', '--omit=dev', '--no-audit', '--no-fund', '--prefer-offline', join(project, filename)],
      { cwd: project, timeout: 170_000 },
    );
    await copyFile(EXAMPLE, join(project, 'ci-seed.mjs'));
    // the types of the package: a TypeScript consumer of the surface compiles (skipLibCheck, as tsc --init sets)
    await writeFile(join(project, 'typed.ts'), TYPED_CONSUMER);
    await exec(
      process.execPath,
      [
        join(ROOT, 'node_modules/typescript/bin/tsc'),
        ...['--noEmit', '--strict', '--skipLibCheck', '--module', 'nodenext', '--target', 'es2022'],
        ...['--types', 'node', '--typeRoots', join(ROOT, 'node_modules/@types'), 'typed.ts'],
      ],
      { cwd: project },
    );
    const seeded = await runNode([join(project, 'ci-seed.mjs')], {
      env: { ...serverEnv(seeder!), SEED_READER: reader!.jid },
    });
    expect(seeded.code, seeded.stderr).toBe(0);
    expect(json(seeded)).toEqual({
      node: 'urn:example:fixtures',
      published: 20,
      readable: 20,
      sharedWith: [reader!.jid],
    });
    expect(seeded.stderr).toContain('seeded 20/20');
    const read = json<{ items: Array<{ id: string; status: string }> }>(
      ok(await reader!.run(['--json', 'fetch', '-s', seeder!.jid, '-n', 'urn:example:fixtures', '--all'])),
    );
    expect(read.items).toHaveLength(20);
    expect(new Set(read.items.map((i) => i.status))).toEqual(new Set(['decrypted']));
    await rm(project, { recursive: true, force: true });
  });
});
