// Profile names become directory names under oxps's data and cache folders: which names are
// allowed, and the check that removal never reaches outside those folders.
import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  checkProfileName,
  isStrictlyInside,
  paths,
  profileNameProblem,
  removeInside,
} from '../../../src/store/paths.js';
import { OxpsError } from '../../../src/errors.js';
import { rejected, thrown } from '../../helpers/thrown.js';

describe('profileNameProblem', () => {
  it.each([
    'alice@example.org',
    'me+blog@example.org',
    'work',
    'a.b_c-d',
    '.hidden',
    'x..y',
    '..a',
    'x'.repeat(128),
  ])('#12.2 allows %j', (name) => {
    expect(profileNameProblem(name)).toBeUndefined();
  });

  it.each([
    ['', 'it is empty'],
    ['.', 'it is only dots'],
    ['..', 'it is only dots'],
    ['...', 'it is only dots'],
    ['../x', 'it contains "/"'],
    ['a/b', 'it contains "/"'],
    ['a\\b', 'it contains "\\\\"'],
    ['two words', 'it contains " "'],
    ['nul\0byte', 'it contains "\\u0000"'],
    ['jörg@example.org', 'it contains "ö"'],
    ['x'.repeat(129), 'it is longer than 128 characters'],
  ])('#12.2 refuses %j: %s', (name, problem) => {
    expect(profileNameProblem(name)).toBe(problem);
  });

  it('#12.2 checkProfileName names the source in a one-line usage error', () => {
    const error = thrown(OxpsError, () => checkProfileName('..', '-p'));
    expect(error.code).toBe('USAGE');
    expect(error.message).toBe('profile name ".." (from -p) is not allowed: it is only dots');
    expect(error.message).not.toContain('\n');
  });
});

describe('isStrictlyInside', () => {
  it.each([
    ['/d/oxps', '/d/oxps/alice', true],
    ['/d/oxps', '/d/oxps/alice/state', true],
    ['/d/oxps/', '/d/oxps/a/../b', true],
    ['/d/oxps', '/d/oxps/..a', true],
    ['/d/oxps', '/d/oxps', false],
    ['/d/oxps', '/d/oxps/.', false],
    ['/d/oxps', '/d/oxps/..', false],
    ['/d/oxps', '/d/oxps/../other', false],
    ['/d/oxps', '/d/oxps-other/x', false],
    ['/d/oxps', '/d', false],
    ['/d/oxps', '/', false],
    ['/d/oxps', '/d/oxps/alice/../..', false],
  ])('#12.2 %s contains %s: %s', (root, path, inside) => {
    expect(isStrictlyInside(root, path)).toBe(inside);
  });
});

describe('removeInside and the profile directories', () => {
  let home: string;
  const saved = { data: process.env.XDG_DATA_HOME, cache: process.env.XDG_CACHE_HOME };

  beforeEach(async () => {
    home = await mkdtemp(join(tmpdir(), 'oxps-paths-'));
    process.env.XDG_DATA_HOME = join(home, 'data');
    process.env.XDG_CACHE_HOME = join(home, 'cache');
  });

  afterEach(async () => {
    process.env.XDG_DATA_HOME = saved.data;
    process.env.XDG_CACHE_HOME = saved.cache;
    await rm(home, { recursive: true, force: true });
  });

  it('#12.2 deletes a tree strictly inside the root, and refuses the root itself or anything beside it', async () => {
    const sibling = join(home, 'data', 'other-app', 'keep');
    await mkdir(join(home, 'data', 'other-app'), { recursive: true });
    await writeFile(sibling, 'keep');
    await mkdir(join(paths.dataDir(), 'alice'), { recursive: true });

    await removeInside(paths.dataDir(), join(paths.dataDir(), 'alice'));
    await expect(stat(join(paths.dataDir(), 'alice'))).rejects.toThrow();
    for (const outside of [
      paths.dataDir(),
      join(paths.dataDir(), '..'),
      join(paths.dataDir(), '.'),
      join(home, 'data', 'other-app'),
    ]) {
      const error = await rejected(OxpsError, () => removeInside(paths.dataDir(), outside));
      expect(error.message).toContain('refusing to delete');
    }
    expect(await readFile(sibling, 'utf8')).toBe('keep');
    expect((await stat(paths.dataDir())).isDirectory()).toBe(true);
  });

  it('#12.2 a profile directory is a direct child of the data and cache folders; dot-only names have none', () => {
    expect(paths.profileDataDir('me+blog@example.org')).toBe(
      join(home, 'data', 'oxps', 'me_blog@example.org'),
    );
    expect(paths.profileCacheDir('alice@example.org')).toBe(join(home, 'cache', 'oxps', 'alice@example.org'));
    for (const name of ['.', '..', '']) {
      expect(() => paths.profileDataDir(name)).toThrow(OxpsError);
      expect(() => paths.profileCacheDir(name)).toThrow(OxpsError);
    }
    // an account from OXPS_JID may hold characters a profile name may not: still one safe directory
    expect(paths.profileDataDir('jörg/x@example.org')).toBe(join(home, 'data', 'oxps', 'j_rg_x@example.org'));
  });
});
