// `oxps profile …`: accounts in the configuration, their passwords in the keystore.
import { OxpsError } from '../errors.js';
import { loadConfig, updateConfig, type Config, type ProfileConfig } from '../store/config.js';
import { paths, removeInside } from '../store/paths.js';
import type { Keystore, KeystoreChoice, SecretEntry } from '../store/keystore/keystore.js';
import { Session } from '../xmpp/session.js';
import { readCaFile } from './context.js';

export interface ProfileView extends ProfileConfig {
  name: string;
  default: boolean;
  /** Set for the account of OXPS_JID, which is in no configuration. */
  source?: 'environment';
}

export interface AddProfileRequest {
  name: string;
  profile: ProfileConfig;
  password: string;
  replace: boolean;
  /** Log in once to check the password and the server before storing anything. */
  verify: boolean;
  timeoutSeconds: number;
}

export async function addProfile(keystore: Keystore, request: AddProfileRequest): Promise<ProfileView> {
  const { name, profile, password } = request;
  const existing = (await loadConfig()).profiles[name];
  if (existing && !request.replace) {
    throw new OxpsError(
      'PROFILE_EXISTS',
      `profile "${name}" already exists (${existing.jid})`,
      `replace it with: oxps profile add --force …, or choose another name with -p`,
    );
  }
  if (request.verify) {
    const session = await Session.open({
      jid: profile.jid,
      password,
      host: profile.host,
      port: profile.port,
      caPem: profile.tlsCa ? await readCaFile(profile.tlsCa) : undefined,
      timeoutSeconds: request.timeoutSeconds,
    });
    await session.close();
  }
  await keystore.set(name, 'password', password);
  const config = await updateConfig((c) => {
    c.profiles[name] = profile;
    c.defaultProfile ??= name;
  });
  return { name, ...profile, default: config.defaultProfile === name };
}

export async function listProfiles(): Promise<ProfileView[]> {
  const config = await loadConfig();
  return Object.entries(config.profiles).map(([name, p]) => profileView(name, p, config));
}

export async function showProfile(name: string): Promise<ProfileView> {
  const config = await loadConfig();
  const profile = config.profiles[name];
  if (!profile) throw profileNotFound(name, Object.keys(config.profiles));
  return profileView(name, profile, config);
}

/** A profile as used: one saved before the keystore was recorded has the configured default, else auto. */
function profileView(name: string, profile: ProfileConfig, config: Config): ProfileView {
  return {
    name,
    ...profile,
    keystore: profile.keystore ?? config.keystore ?? 'auto',
    default: config.defaultProfile === name,
  };
}

const ENTRIES: SecretEntry[] = ['password', 'openpgp-key', 'state-key', 'cache-key'];

/** Removes the profile, its keystore entries, its state and its cache. */
export async function removeProfile(keystore: Keystore, name: string): Promise<void> {
  await showProfile(name);
  await removeInside(paths.dataDir(), paths.profileDataDir(name));
  await removeInside(paths.cacheDir(), paths.profileCacheDir(name));
  for (const entry of ENTRIES) await keystore.delete(name, entry);
  await updateConfig((c) => {
    delete c.profiles[name];
    if (c.defaultProfile === name) c.defaultProfile = Object.keys(c.profiles)[0];
  });
}

/**
 * Makes `to` the keystore of the profile: its entries are copied there, the choice recorded,
 * then the entries deleted from `from` (a crash in between leaves a copy, never nothing).
 */
export async function moveProfileKeystore(
  name: string,
  choice: KeystoreChoice,
  from: Keystore,
  to: Keystore,
): Promise<ProfileView> {
  await showProfile(name);
  const moved: SecretEntry[] = [];
  if (from.kind !== to.kind) {
    for (const entry of ENTRIES) {
      const value = await from.get(name, entry);
      if (value === undefined) continue;
      await to.set(name, entry, value);
      moved.push(entry);
    }
  }
  await updateConfig((c) => {
    c.profiles[name]!.keystore = choice;
  });
  for (const entry of moved) await from.delete(name, entry);
  return showProfile(name);
}

export function profileNotFound(name: string, known: string[]): OxpsError {
  return new OxpsError(
    'PROFILE_NOT_FOUND',
    `no profile "${name}"${known.length ? ` (known: ${known.join(', ')})` : ''}`,
    known.length
      ? 'pick one with -p NAME'
      : 'create one: oxps profile add JID (or set OXPS_JID and OXPS_PASSWORD)',
  );
}
