import { describe, expect, it, beforeEach } from 'vitest';
import { mkdtemp, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHash, randomBytes } from 'node:crypto';
import { ItemCache } from '../../../src/store/itemCache.js';
import { seal } from '../../../src/store/sealed.js';

const KEY = randomBytes(32);
const SERVICE = 'alice@example.org';
const NODE = 'urn:example:notes';
const MAX_ENTRY = 64 * 1024;

describe('ItemCache (#12.6: one sealed record per item)', () => {
  let dir: string;
  let notes: string[];

  const open = (maxEntryBytes = MAX_ENTRY) =>
    ItemCache.open(dir, KEY, SERVICE, NODE, { maxEntryBytes, note: (message) => notes.push(message) });
  const files = async () =>
    (await readdir(dir, { recursive: true, withFileTypes: true }))
      .filter((e) => e.isFile())
      .map((e) => join(e.parentPath, e.name));

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'oxps-item-cache-'));
    notes = [];
  });

  it('#12.6 keeps each item in a file of its own (mode 0600), read back by a later run', async () => {
    const cache = await open();
    await cache.put('a', { h: 'ha', s: 'S1', x: '<note>é🎉</note>' });
    await cache.put('b', { h: 'hb', s: 'S1', e: 'integrity check failed', m: 1024 });
    expect(await files()).toHaveLength(2);
    for (const file of await files()) expect((await stat(file)).mode & 0o777).toBe(0o600);

    const later = await open();
    expect(await later.get('a', 'ha')).toEqual({ h: 'ha', s: 'S1', x: '<note>é🎉</note>' });
    expect(await later.get('b', 'hb')).toEqual({ h: 'hb', s: 'S1', e: 'integrity check failed', m: 1024 });
    expect(await later.get('a', 'another ciphertext')).toBeUndefined();
    expect(await later.get('c', 'hc')).toBeUndefined();
    expect(notes).toEqual([]);
  });

  it('#12.6 names files by a keyed hash: neither item ids nor node names show on disk', async () => {
    const cache = await open();
    await cache.put('my-secret-post-title', { h: 'h', s: 'S1', x: '<note/>' });
    const [file] = await files();
    expect(file).not.toMatch(/secret-post|notes|alice/);
    expect((await readFile(file!)).includes(Buffer.from('<note/>'))).toBe(false);
  });

  it('#12.6 a corrupt, truncated or misplaced entry is a miss with a note, and the others still serve', async () => {
    const cache = await open();
    await cache.put('a', { h: 'ha', s: 'S1', x: '<a/>' });
    await cache.put('b', { h: 'hb', s: 'S1', x: '<b/>' });
    await cache.put('c', { h: 'hc', s: 'S1', x: '<c/>' });
    const [fileA, fileB, fileC] = ['a', 'b', 'c'].map((id) => cache.entryFile(id)) as [
      string,
      string,
      string,
    ];
    const bytes = await readFile(fileA);
    bytes[bytes.length - 1]! ^= 1;
    await writeFile(fileA, bytes);
    await writeFile(fileB, bytes.subarray(0, 5));

    const later = await open();
    expect(await later.get('a', 'ha')).toBeUndefined();
    expect(await later.get('b', 'hb')).toBeUndefined();
    expect(await later.get('c', 'hc')).toEqual({ h: 'hc', s: 'S1', x: '<c/>' });
    expect(notes).toEqual([
      expect.stringMatching(/cache entry of item a .*unreadable/),
      expect.stringMatching(/cache entry of item b .*unreadable/),
    ]);

    // a file of item c copied over item a's is refused: each record is bound to its item
    await writeFile(fileA, await readFile(fileC));
    expect(await later.get('a', 'hc')).toBeUndefined();
  });

  it('#12.6 an entry bigger than the limit is not read at all', async () => {
    const roomy = await open(4 * MAX_ENTRY);
    await roomy.put('big', { h: 'h', s: 'S1', x: `<n>${'x'.repeat(2 * MAX_ENTRY)}</n>` });
    expect(await roomy.get('big', 'h')).toBeDefined();
    expect(await (await open()).get('big', 'h')).toBeUndefined();
    // nor written: it could never be read back
    await (await open()).put('other', { h: 'h', s: 'S1', x: `<n>${'x'.repeat(2 * MAX_ENTRY)}</n>` });
    expect(await files()).toHaveLength(1);
    expect(notes).toEqual([expect.stringMatching(/cache entry of item big is larger than/)]);
  });

  it('#12.6 the single-file cache of earlier versions is removed, not read', async () => {
    const context = `items:${SERVICE}\u0000${NODE}`;
    const old = join(dir, `${createHash('sha256').update(context).digest('hex').slice(0, 32)}.items`);
    await writeFile(
      old,
      seal(
        KEY,
        'OXPSIC01',
        context,
        Buffer.from(JSON.stringify({ v: 1, entries: { a: { h: 'ha', s: 'S1', x: '<a/>' } } })),
      ),
      { mode: 0o600 },
    );
    const cache = await open();
    expect(await cache.get('a', 'ha')).toBeUndefined();
    await expect(stat(old)).rejects.toThrow(/ENOENT/);
  });

  it('#12.6 prune keeps only the items still on the node', async () => {
    const cache = await open();
    for (const id of ['a', 'b', 'c']) await cache.put(id, { h: id, s: 'S1', x: `<${id}/>` });
    await cache.prune(['b']);
    expect(await files()).toHaveLength(1);
    expect(await cache.get('b', 'b')).toBeDefined();
  });

  it('#12.6 a cache that cannot be written is a note, not an error', async () => {
    const cache = await open();
    await writeFile(join(dir, 'blocker'), '');
    const blocked = await ItemCache.open(join(dir, 'blocker'), KEY, SERVICE, NODE, {
      maxEntryBytes: MAX_ENTRY,
      note: (message) => notes.push(message),
    });
    await blocked.put('a', { h: 'ha', s: 'S1', x: '<a/>' });
    expect(notes).toEqual([expect.stringMatching(/could not cache item a/)]);
    expect(await cache.get('a', 'ha')).toBeUndefined();
  });
});
