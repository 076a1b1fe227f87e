// Chooses the keystore: the one asked for, or (auto) the OS keychain if there is a D-Bus
// session (Linux) and it answers within 2 s, else the vault, with a one-line notice when the
// vault is first made.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { OxpsError } from '../../errors.js';
import { paths } from '../paths.js';
import { KeychainStore, probeKeychain } from './keychain.js';
import { VaultStore, type PassphraseSource } from './vault.js';
import type { Keystore, KeystoreChoice } from './keystore.js';

export interface OpenKeystoreOptions {
  choice: KeystoreChoice;
  passphrase: PassphraseSource;
  notice: (message: string) => void;
  verbose: (message: string) => void;
  lockWaitMs?: number;
}

export async function openKeystore({ choice, passphrase, notice, verbose, lockWaitMs }: OpenKeystoreOptions): Promise<Keystore> {
  const vault = () => new VaultStore(paths.vaultFile(), passphrase, lockWaitMs);
  if (choice === 'vault') return vault();
  const problem = noDbusSession() ? NO_DBUS : await probeKeychain();
  if (!problem) return new KeychainStore();
  if (choice === 'keychain') {
    throw new OxpsError('KEYSTORE_UNAVAILABLE', `the OS keychain is not reachable: ${problem}`, 'use --keystore vault (with OXPS_PASSPHRASE or --passphrase-file) where there is no keychain');
  }
  const fallback = vault();
  const message = problem === NO_DBUS ? `no desktop keychain here (${NO_DBUS}): using ${fallback.description}` : `the desktop keychain does not answer (${problem}): using ${fallback.description}`;
  // said once, when the vault is about to be made; afterwards it is the known place (-v tells)
  if (existsSync(fallback.path)) verbose(message);
  else notice(message);
  return fallback;
}

/**
 * A keystore to read from while the user presses Tab: only when it needs nothing asked (a
 * keychain on a D-Bus session, not probed, given a short time; the vault with a passphrase
 * given beforehand), else undefined.
 */
export function openKeystoreQuietly(choice: KeystoreChoice, passphrase: string | undefined): Keystore | undefined {
  if (choice === 'keychain' || (choice === 'auto' && !noDbusSession())) return noDbusSession() ? undefined : new KeychainStore(QUIET_KEYCHAIN_MS);
  if (passphrase === undefined) return undefined;
  return new VaultStore(paths.vaultFile(), async ({ creating, attempt }) => (creating || attempt > 1 ? undefined : passphrase), 0);
}

const QUIET_KEYCHAIN_MS = 1500;

const NO_DBUS = 'no D-Bus session';

/**
 * Linux keychains answer on the D-Bus session bus; without its address and without the
 * standard socket there is none to ask (cron, CI, SSH), and a probe would only fail with
 * D-Bus jargon ("X11 autolaunch") after a wait.
 */
function noDbusSession(): boolean {
  if (process.platform !== 'linux' || process.env.DBUS_SESSION_BUS_ADDRESS) return false;
  const runtimeDir = process.env.XDG_RUNTIME_DIR;
  return !runtimeDir || !existsSync(join(runtimeDir, 'bus'));
}
