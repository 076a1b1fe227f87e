import { chmod, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { assertPrivateFile, ensurePrivateDir, writeFileAtomic } from '../../../src/store/atomicFile.js';
import { OxpsError } from '../../../src/errors.js';
import { rejected } from '../../helpers/thrown.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'oxps-atomic-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function modeOf(path: string): Promise<number> {
  return (await stat(path)).mode & 0o777;
}

describe('writeFileAtomic', () => {
  it('creates a 0600 file with the data', async () => {
    const path = join(dir, 'state.bin');
    await writeFileAtomic(path, 'hello é');
    expect(await readFile(path, 'utf8')).toBe('hello é');
    expect(await modeOf(path)).toBe(0o600);
  });

  it('writes 0600 whatever the umask', async () => {
    const previous = process.umask(0);
    try {
      const path = join(dir, 'loose-umask');
      await writeFileAtomic(path, 'x');
      expect(await modeOf(path)).toBe(0o600);
    } finally {
      process.umask(previous);
    }
  });

  it('writes binary data unchanged', async () => {
    const path = join(dir, 'binary');
    const data = Uint8Array.from({ length: 256 }, (_, i) => i);
    await writeFileAtomic(path, data);
    expect((await readFile(path)).equals(Buffer.from(data))).toBe(true);
  });

  it('replaces an existing file, making a loose one private, and leaves no temporary file', async () => {
    const path = join(dir, 'config.json');
    await writeFile(path, 'old', { mode: 0o644 });
    await chmod(path, 0o644);
    await writeFileAtomic(path, 'new');
    expect(await readFile(path, 'utf8')).toBe('new');
    expect(await modeOf(path)).toBe(0o600);
    expect(await readdir(dir)).toEqual(['config.json']);
  });

  it('creates missing parent directories as private (0700)', async () => {
    const path = join(dir, 'a', 'b', 'file');
    await writeFileAtomic(path, 'x');
    expect(await readFile(path, 'utf8')).toBe('x');
    expect(await modeOf(join(dir, 'a'))).toBe(0o700);
    expect(await modeOf(join(dir, 'a', 'b'))).toBe(0o700);
  });

  it('honours an explicit mode', async () => {
    const path = join(dir, 'public');
    await writeFileAtomic(path, 'x', 0o644);
    expect(await modeOf(path)).toBe(0o644);
  });

  it('keeps the last of several concurrent writes complete (never a mix)', async () => {
    const path = join(dir, 'raced');
    const contents = Array.from({ length: 20 }, (_, i) => String(i).repeat(10_000));
    await Promise.all(contents.map((c) => writeFileAtomic(path, c)));
    expect(contents).toContain(await readFile(path, 'utf8'));
    expect(await readdir(dir)).toEqual(['raced']);
  });

  it('ensurePrivateDir accepts an existing directory', async () => {
    await ensurePrivateDir(dir);
    await ensurePrivateDir(join(dir, 'new'));
    expect(await modeOf(join(dir, 'new'))).toBe(0o700);
  });
});

describe('assertPrivateFile', () => {
  const refusal = (path: string): Promise<OxpsError> =>
    rejected(OxpsError, () => assertPrivateFile(path, 'the state file'));

  it('refuses a 0644 file with FILE_PERMISSIONS and a chmod 600 hint', async () => {
    const path = join(dir, 'state');
    await writeFile(path, 'x');
    await chmod(path, 0o644);
    const error = await refusal(path);
    expect(error.code).toBe('FILE_PERMISSIONS');
    expect(error.message).toContain('the state file');
    expect(error.message).toContain(path);
    expect(error.message).toContain('644');
    expect(error.hint).toContain('chmod 600');
    expect(error.hint).toContain(path);
    expect(error.exitCode).toBe(10);
  });

  it.each([0o640, 0o604, 0o660, 0o606, 0o601, 0o610, 0o777])('refuses mode %o', async (mode) => {
    const path = join(dir, 'state');
    await writeFile(path, 'x');
    await chmod(path, mode);
    expect((await refusal(path)).code).toBe('FILE_PERMISSIONS');
  });

  it.each([0o600, 0o400, 0o700])('accepts mode %o', async (mode) => {
    const path = join(dir, 'state');
    await writeFile(path, 'x');
    await chmod(path, mode);
    await expect(assertPrivateFile(path, 'the state file')).resolves.toBeUndefined();
  });

  it('accepts a file written by writeFileAtomic', async () => {
    const path = join(dir, 'state');
    await writeFileAtomic(path, 'x');
    await expect(assertPrivateFile(path, 'the state file')).resolves.toBeUndefined();
  });

  it('accepts a missing file (nothing to protect yet)', async () => {
    await expect(assertPrivateFile(join(dir, 'missing'), 'the state file')).resolves.toBeUndefined();
  });
});
