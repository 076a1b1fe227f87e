// What one fetch may cost and what it says about items it did not get: items that decrypt big
// are streamed and cached one record per item (#12.6: a corrupt cache entry costs only its own
// decryption), and item ids that do not exist are reported as missing (#12.16).
import { describe, expect, it, beforeAll } from 'vitest';
import { readdir, readFile, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import * as openpgp from 'openpgp';
import { BIN, TestUser, json, ok, runNode, type RunResult } from '../helpers/cli.js';
import { withUser } from '../helpers/inProcess.js';
import { publishIq } from '../../src/protocol/pubsub/publish.js';
import { buildEncrypted } from '../../src/protocol/oxps/encrypted.js';

const KIB = 1024;
/** Below the default --max-item-size (1 MiB); zlib makes each a few KB on the wire. */
const BIG_ITEM_BYTES = 900 * KIB;
const BIG_ITEMS = 40;
/** A V8 heap smaller than the 40 plaintexts held twice (36 MB each time). */
const HEAP_MB = 64;

interface Fetched {
  items: Array<{ id: string; status: string; xml?: string; reason?: string }>;
  counts: Record<string, number>;
}

async function zlibEncrypted(plaintext: string, secret: { id: string; key: string }) {
  const message = await openpgp.createMessage({ binary: Buffer.from(plaintext), format: 'binary' });
  const ciphertext = await openpgp.encrypt({
    message,
    passwords: [secret.key],
    format: 'binary',
    config: {
      preferredCompressionAlgorithm: openpgp.enums.compression.zlib,
      s2kIterationCountByte: 0,
      aeadProtect: false,
    },
  });
  return buildEncrypted({ secretId: secret.id, ciphertext });
}

async function cacheFiles(user: TestUser): Promise<string[]> {
  const root = join(user.home, 'cache', 'oxps');
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name))
    .sort();
}

describe('fetch of items that decrypt big (#12.6)', () => {
  let alice: TestUser;
  const node = `urn:example:big:${Date.now()}`;

  const heapLimited = (args: string[]): Promise<RunResult> =>
    runNode([`--max-old-space-size=${HEAP_MB}`, BIN, ...args], { env: alice.env });

  beforeAll(async () => {
    alice = await TestUser.create('alice');
    await alice.addProfile();
    ok(await alice.run(['encrypt-node', '-n', node]));
    const [secret] = json<{ secrets: Array<{ id: string; key: string }> }>(
      await alice.run(['--json', 'secret', 'list', '-n', node, '--show-secrets']),
    ).secrets;
    await withUser(alice, async (ctx) => {
      const session = await ctx.session();
      for (let i = 0; i < BIG_ITEMS; i++) {
        const plaintext = `<note xmlns='urn:example:big'>${i} ${'x'.repeat(BIG_ITEM_BYTES)}</note>`;
        await session.iq(
          publishIq(alice.jid, node, `big-${i}`, await zlibEncrypted(plaintext, secret!)),
          'publishing a big item',
        );
      }
    });
  });

  it('#12.6 fetches 40 items of 900 KiB within a 64 MB heap, then again from the cache (one 0600 file per item)', async () => {
    const first = await heapLimited(['-v', '--json', 'fetch', '-n', node, '--all']);
    expect(first.code, first.stderr.slice(-2000)).toBe(0);
    const body = json<Fetched>(first);
    expect(body.counts.decrypted).toBe(BIG_ITEMS);
    expect(body.items.every((i) => i.status === 'decrypted' && i.xml!.length > BIG_ITEM_BYTES)).toBe(true);

    const files = await cacheFiles(alice);
    expect(files).toHaveLength(BIG_ITEMS);
    for (const file of files) expect((await stat(file)).mode & 0o777).toBe(0o600);

    const second = await heapLimited(['-v', '--json', 'fetch', '-n', node, '--all']);
    expect(second.code, second.stderr.slice(-2000)).toBe(0);
    expect(json<Fetched>(second).counts.decrypted).toBe(BIG_ITEMS);
    expect(second.stderr).toContain(`${BIG_ITEMS} item(s) read from the cache`);
  });

  it('#12.6 a corrupt, truncated, empty or oversized cache entry is decrypted again, never an error', async () => {
    const [flipped, cut, emptied, bloated] = await cacheFiles(alice);
    const bytes = await readFile(flipped!);
    bytes[bytes.length >> 1]! ^= 0x40;
    await writeFile(flipped!, bytes);
    await truncate(cut!, 10);
    await truncate(emptied!, 0);
    await writeFile(bloated!, randomBytes(3 * 1024 * KIB));

    const fetched = await alice.run(['-v', '--json', 'fetch', '-n', node, '--all']);
    expect(fetched.code, fetched.stderr.slice(-2000)).toBe(0);
    expect(json<Fetched>(fetched).counts.decrypted).toBe(BIG_ITEMS);
    expect(fetched.stderr.match(/cache entry of item big-\d+ .*decrypting it again/g)).toHaveLength(4);
    expect(fetched.stderr).toContain(`${BIG_ITEMS - 4} item(s) read from the cache`);

    const again = await alice.run(['-v', '--json', 'fetch', '-n', node, '--all']);
    expect(again.code, again.stderr.slice(-2000)).toBe(0);
    expect(again.stderr).toContain(`${BIG_ITEMS} item(s) read from the cache`);
  });

  it('#12.6 --max-item-size refuses bigger items (from the cache too) and reads sizes as bytes, K or M', async () => {
    const small = await alice.run(['--json', 'fetch', '-n', node, '-i', 'big-1', '--max-item-size', '512K']);
    expect(small.code).toBe(9);
    expect(json<Fetched>(small).items).toEqual([
      expect.objectContaining({
        id: 'big-1',
        status: 'failed',
        reason: expect.stringMatching(/larger than 524288 bytes/),
      }),
    ]);

    for (const size of ['1M', '1000K', String(1024 * 1024)]) {
      const fetched = await alice.run([
        '--json',
        'fetch',
        '-n',
        node,
        '-i',
        'big-1',
        '--max-item-size',
        size,
      ]);
      expect(fetched.code, `${size}: ${fetched.stderr}`).toBe(0);
    }
    for (const size of ['12Q', '0', '-1K', '1.5M', '1G']) {
      const refused = await alice.run(['fetch', '-n', node, '-i', 'big-1', '--max-item-size', size]);
      expect(refused.code, size).toBe(2);
      expect(refused.stderr.split('\n')[0], size).toMatch(
        /^error: option '--max-item-size <size>' argument .* is invalid\. expected a size/,
      );
      expect(refused.stderr, size).not.toMatch(/\n\s+at /);
    }
  });
});

describe('fetch of ids that do not exist (#12.16)', () => {
  let alice: TestUser;
  const node = `urn:example:missing:${Date.now()}`;

  beforeAll(async () => {
    alice = await TestUser.create('alice');
    await alice.addProfile();
    ok(await alice.run(['encrypt-node', '-n', node]));
    ok(
      await alice.run(['publish', '-n', node, '-i', 'present', '-'], {
        input: "<note xmlns='urn:example'>here</note>",
      }),
    );
  });

  it('#12.16 fetch -i present absent prints the present item, lists the absent one as missing, exits 9', async () => {
    const fetched = await alice.run(['--json', 'fetch', '-n', node, '-i', 'present', '-i', 'absent']);
    expect(fetched.code, fetched.stderr).toBe(9);
    const body = json<Fetched>(fetched);
    expect(body.items).toEqual([
      expect.objectContaining({ id: 'present', status: 'decrypted' }),
      { id: 'absent', status: 'missing' },
    ]);
    expect(body.counts).toMatchObject({ decrypted: 1, missing: 1 });
    expect(JSON.parse(fetched.stderr.trim().split('\n').pop()!)).toEqual({
      error: expect.objectContaining({
        code: 'PARTIAL',
        exitCode: 9,
        message: expect.stringContaining('absent'),
      }),
    });

    const human = await alice.run(['fetch', '-n', node, '-i', 'present', '-i', 'absent']);
    expect(human.code).toBe(9);
    expect(human.stdout).toContain('here');
    expect(human.stdout).toContain('✘ item absent: not found');
  });

  it('#12.16 fetch -i of ids that all do not exist is "not found" (exit 3)', async () => {
    const fetched = await alice.run(['--json', 'fetch', '-n', node, '-i', 'absent', '-i', 'gone']);
    expect(fetched.code, fetched.stderr).toBe(3);
    expect(json<Fetched>(fetched).items).toEqual([
      { id: 'absent', status: 'missing' },
      { id: 'gone', status: 'missing' },
    ]);
    expect(JSON.parse(fetched.stderr.trim().split('\n').pop()!)).toEqual({
      error: expect.objectContaining({ code: 'ITEM_NOT_FOUND', exitCode: 3 }),
    });
  });
});
