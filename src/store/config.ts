// The configuration file: profiles (account, server, TLS trust) and defaults. It holds no
// secret — passwords and keys live in the keystore — but is kept private all the same.
import { readFile } from 'node:fs/promises';
import { OxpsError } from '../errors.js';
import { assertPrivateFile, writeFileAtomic } from './atomicFile.js';
import { acquireLock } from './lock.js';
import { paths, profileNameProblem, PROFILE_NAME_RULE } from './paths.js';
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
  /** The keystore of profiles that record none, and of the OXPS_JID account (`oxps config set keystore`). */
  keystore?: KeystoreChoice;
  profiles: Record<string, ProfileConfig>;
}

export async function loadConfig(): Promise<Config> {
  const file = paths.configFile();
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT')
      return { version: 1, profiles: profileRecord({}) };
    throw error;
  }
  await assertPrivateFile(file, 'the configuration file');
  let config: Config;
  try {
    config = JSON.parse(text) as Config;
  } catch (error) {
    throw new OxpsError(
      'INPUT_INVALID',
      `the configuration file ${file} is not valid JSON: ${(error as Error).message}`,
      `fix or remove ${file}`,
    );
  }
  if (config.version !== 1 || typeof config.profiles !== 'object' || config.profiles === null) {
    throw new OxpsError(
      'INPUT_INVALID',
      `the configuration file ${file} has an unknown format`,
      `fix or remove ${file}`,
    );
  }
  for (const name of [
    ...Object.keys(config.profiles),
    ...(config.defaultProfile === undefined ? [] : [config.defaultProfile]),
  ]) {
    const problem = profileNameProblem(String(name));
    if (problem)
      throw new OxpsError(
        'INPUT_INVALID',
        `the configuration file ${file} names a profile ${JSON.stringify(name)}, which is not allowed: ${problem}`,
        `rename or remove it in ${file} (${PROFILE_NAME_RULE})`,
      );
  }
  config.profiles = profileRecord(config.profiles);
  return config;
}

/** The profiles without a prototype, so that a profile named "constructor" or "__proto__" is just a key. */
function profileRecord(profiles: Config['profiles']): Config['profiles'] {
  return Object.assign(Object.create(null) as Config['profiles'], profiles);
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
