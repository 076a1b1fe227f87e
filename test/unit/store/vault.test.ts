// The passphrase vault: a file written with other scrypt parameters than today's (an older or
// newer oxps, a slower machine's choice) stays readable after oxps rewrites it.
import { randomBytes, scryptSync } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { VaultStore } from '../../../src/store/keystore/vault.js';
import { seal } from '../../../src/store/sealed.js';

const PASSPHRASE = 'correct horse battery staple';
let dir: string;
let path: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'oxps-vault-'));
  path = join(dir, 'vault');
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A vault file as oxps writes it, but with scrypt cost N (oxps itself writes 2^15). */
async function writeVaultWith(N: number, entries: Record<string, string>): Promise<void> {
  const salt = randomBytes(16);
  const key = scryptSync(PASSPHRASE, salt, 32, { N, r: 8, p: 1, maxmem: 256 * N * 8 });
  const file = {
    format: 'oxps-vault',
    version: 1,
    kdf: { name: 'scrypt', N, r: 8, p: 1, salt: salt.toString('base64') },
    sealed: seal(key, 'OXPSVLT1', 'vault', Buffer.from(JSON.stringify(entries), 'utf8')).toString('base64'),
  };
  await writeFile(path, JSON.stringify(file), { mode: 0o600 });
}

const open = (): VaultStore => new VaultStore(path, async () => PASSPHRASE);

describe('VaultStore', () => {
  it('#14.3 asks for the passphrase once when the state and the login read the vault at the same time', async () => {
    await writeVaultWith(1 << 14, { 'alice/password': 'alicepass', 'alice/state-key': 'c3RhdGU=' });
    let asked = 0;
    const store = new VaultStore(path, async () => {
      asked++;
      return PASSPHRASE;
    });
    expect(await Promise.all([store.get('alice', 'password'), store.get('alice', 'state-key')])).toEqual([
      'alicepass',
      'c3RhdGU=',
    ]);
    expect(asked).toBe(1);
  });

  it('#12.12 keeps a vault made with scrypt N=2^14 readable after updating it', async () => {
    await writeVaultWith(1 << 14, { 'alice/password': 'alicepass' });
    const store = open();
    expect(await store.get('alice', 'password')).toBe('alicepass');
    await store.set('alice', 'state-key', 'c3RhdGU=');

    const fresh = open();
    expect(await fresh.get('alice', 'password')).toBe('alicepass');
    expect(await fresh.get('alice', 'state-key')).toBe('c3RhdGU=');
    // the file says which parameters its key was derived with
    const kdf = JSON.parse(await readFile(path, 'utf8')).kdf as { N: number };
    expect([1 << 14, 1 << 15]).toContain(kdf.N);
  });

  it('#12.12 refuses a vault asking scrypt for more than 1 GiB, before asking for the passphrase', async () => {
    await writeVaultWith(1 << 14, {});
    const file = JSON.parse(await readFile(path, 'utf8'));
    await writeFile(path, JSON.stringify({ ...file, kdf: { ...file.kdf, N: 1 << 22, r: 32 } }), {
      mode: 0o600,
    });
    let asked = false;
    const store = new VaultStore(path, async () => {
      asked = true;
      return PASSPHRASE;
    });
    await expect(store.get('alice', 'password')).rejects.toMatchObject({
      code: 'STATE_CORRUPT',
      message: expect.stringContaining('implausible scrypt parameters (N=4194304, r=32, p=1)'),
    });
    expect(asked).toBe(false);
  });

  it('asks for a new passphrase only when creating the vault, and once per store', async () => {
    const asked: boolean[] = [];
    const source = async ({ creating }: { creating: boolean }) => {
      asked.push(creating);
      return PASSPHRASE;
    };
    const first = new VaultStore(path, source);
    await first.set('carol', 'password', 'one');
    await first.set('carol', 'state-key', 'two');
    const second = new VaultStore(path, source);
    await second.set('carol', 'cache-key', 'three');
    expect(await second.get('carol', 'password')).toBe('one');
    expect(asked).toEqual([true, false]);
  });

  it('#12.12 a new vault uses N=2^15 and reads back with a fresh store', async () => {
    await open().set('bob', 'password', 'bobpass');
    expect(JSON.parse(await readFile(path, 'utf8')).kdf).toMatchObject({
      name: 'scrypt',
      N: 1 << 15,
      r: 8,
      p: 1,
    });
    expect(await open().get('bob', 'password')).toBe('bobpass');
  });
});
