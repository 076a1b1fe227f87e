// The configuration file: profiles (account, server, TLS trust) and defaults. It holds no
// secret — passwords and keys live in the keystore — but is kept private all the same.
import { readFile } from 'node:fs/promises';
import { OxpsError } from '../errors.js';
import { assertPrivateFile, writeFileAtomic } from './atomicFile.js';
import { acquireLock } from './lock.js';
import { paths } from './paths.js';
import type { KeystoreChoice } from './keystore/keystore.js';

export type TrustPolicy = 'btbv' | 'manual' | 'always';

export interface ProfileConfig {
  jid: string;
  host?: string;
  port?: number;
  /** Path of a PEM file with CA certificates to trust for this account's server. */
  tlsCa?: string;
  keystore?: KeystoreChoice;
  trust?: TrustPolicy;
}

export interface Config {
  version: 1;
  defaultProfile?: string;
  profiles: Record<string, ProfileConfig>;
}

const EMPTY: Config = { version: 1, profiles: {} };

export async function loadConfig(): Promise<Config> {
  const file = paths.configFile();
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return structuredClone(EMPTY);
    throw error;
  }
  await assertPrivateFile(file, 'the configuration file');
  let config: Config;
  try {
    config = JSON.parse(text) as Config;
  } catch (error) {
    throw new OxpsError('INPUT_INVALID', `the configuration file ${file} is not valid JSON: ${(error as Error).message}`, `fix or remove ${file}`);
  }
  if (config.version !== 1 || typeof config.profiles !== 'object' || config.profiles === null) {
    throw new OxpsError('INPUT_INVALID', `the configuration file ${file} has an unknown format`, `fix or remove ${file}`);
  }
  return config;
}

/** Read-modify-write of the configuration under its lock. */
export async function updateConfig(change: (config: Config) => void, lockWaitMs = 30_000): Promise<Config> {
  const file = paths.configFile();
  const lock = await acquireLock(`${file}.lock`, lockWaitMs, `the configuration ${file}`);
  try {
    const config = await loadConfig();
    change(config);
    await writeFileAtomic(file, `${JSON.stringify(config, null, 2)}\n`);
    return config;
  } finally {
    await lock.release();
  }
}
