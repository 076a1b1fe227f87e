// Where oxps keeps its files (XDG base directories, DESIGN.md §3).
import { rm } from 'node:fs/promises';
import { homedir } from 'node:os';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { OxpsError } from '../errors.js';

function xdg(variable: string, fallback: string): string {
  const value = process.env[variable];
  return value && value.startsWith('/') ? value : join(homedir(), fallback);
}

export const paths = {
  configDir: () => join(xdg('XDG_CONFIG_HOME', '.config'), 'oxps'),
  configFile: () => join(paths.configDir(), 'config.json'),
  dataDir: () => join(xdg('XDG_DATA_HOME', '.local/share'), 'oxps'),
  cacheDir: () => join(xdg('XDG_CACHE_HOME', '.cache'), 'oxps'),
  vaultFile: () => join(paths.dataDir(), 'vault'),
  profileDataDir: (profile: string) => join(paths.dataDir(), profileDirName(profile)),
  stateFile: (profile: string) => join(paths.profileDataDir(profile), 'state'),
  journalDir: (profile: string) => join(paths.profileDataDir(profile), 'journals'),
  profileCacheDir: (profile: string) => join(paths.cacheDir(), profileDirName(profile)),
};

export const PROFILE_NAME_MAX = 128;
export const PROFILE_NAME_RULE = `letters, digits and . _ @ + - (not only dots), at most ${PROFILE_NAME_MAX} characters`;

/**
 * Why `name` cannot be a profile name, or undefined if it can. Names become directory names
 * and keystore entries: a conservative alphabet that still takes a bare JID (the default name).
 */
export function profileNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'it is empty';
  if (name.length > PROFILE_NAME_MAX) return `it is longer than ${PROFILE_NAME_MAX} characters`;
  if (/^\.+$/.test(name)) return 'it is only dots';
  const bad = /[^A-Za-z0-9._@+-]/u.exec(name);
  if (bad) return `it contains ${JSON.stringify(bad[0])}`;
  return undefined;
}

/** Returns `name` if it can be a profile name; else a one-line usage error naming `source` (-p, OXPS_PROFILE, …). */
export function checkProfileName(name: string, source: string): string {
  const problem = profileNameProblem(name);
  if (problem)
    throw new OxpsError(
      'USAGE',
      `profile name ${JSON.stringify(name)} (from ${source}) is not allowed: ${problem}`,
      `use ${PROFILE_NAME_RULE}, e.g. -p work`,
    );
  return name;
}

/**
 * The directory name of a profile. Checked profile names map to themselves but for "+" (kept as
 * "_" for the directories of earlier versions); an account from OXPS_JID may hold any JID.
 */
function profileDirName(profile: string): string {
  const name = profile.replace(/[^A-Za-z0-9._@-]/g, '_');
  if (profileNameProblem(name))
    throw new OxpsError(
      'INTERNAL',
      `no directory for the profile ${JSON.stringify(profile)}`,
      'choose another profile name',
    );
  return name;
}

/** Whether `path` lies strictly below `root` once both are resolved (never `root` itself, nor beside or above it). */
export function isStrictlyInside(root: string, path: string): boolean {
  const rel = relative(resolve(root), resolve(path));
  return rel !== '' && !isAbsolute(rel) && rel !== '..' && !rel.startsWith(`..${sep}`);
}

/** Deletes the tree at `path`, refusing unless it lies strictly inside `root` (one of oxps's own folders). */
export async function removeInside(root: string, path: string): Promise<void> {
  if (!isStrictlyInside(root, path)) {
    throw new OxpsError(
      'INTERNAL',
      `refusing to delete ${path}: it is not inside ${root}`,
      'report this as a bug in oxps',
    );
  }
  await rm(path, { recursive: true, force: true });
}
