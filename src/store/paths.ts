// Where oxps keeps its files (XDG base directories, DESIGN.md §3).
import { homedir } from 'node:os';
import { join } from 'node:path';

function xdg(variable: string, fallback: string): string {
  const value = process.env[variable];
  return value && value.startsWith('/') ? value : join(homedir(), fallback);
}

export const paths = {
  configDir: () => join(xdg('XDG_CONFIG_HOME', '.config'), 'oxps'),
  configFile: () => join(paths.configDir(), 'config.json'),
  dataDir: () => join(xdg('XDG_DATA_HOME', '.local/share'), 'oxps'),
  vaultFile: () => join(paths.dataDir(), 'vault'),
  profileDataDir: (profile: string) => join(paths.dataDir(), safeName(profile)),
  stateFile: (profile: string) => join(paths.profileDataDir(profile), 'state'),
  journalDir: (profile: string) => join(paths.profileDataDir(profile), 'journals'),
  profileCacheDir: (profile: string) => join(xdg('XDG_CACHE_HOME', '.cache'), 'oxps', safeName(profile)),
};

/** Profile names become directory names: keep them to a safe alphabet. */
export function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9._@-]/g, '_');
}
