// Chooses the keystore: the one asked for, or (auto) the OS keychain if there is a D-Bus
// session (Linux) and it answers within 2 s, else the vault, with a one-line notice when the
// vault is first made.
import { existsSync } from 'node:fs';
import { OxpsError } from '../../errors.js';
import { paths } from '../paths.js';
import { VaultStore, type PassphraseSource } from './vault.js';
import type { DurableKeystore, KeystoreChoice } from './keystore.js';
import { noDbusSession } from './dbus.js';

export interface OpenKeystoreOptions {
  choice: KeystoreChoice;
  passphrase: PassphraseSource;
  notice: (message: string) => void;
  verbose: (message: string) => void;
  lockWaitMs?: number;
}

export async function openKeystore({
  choice,
  passphrase,
  notice,
  verbose,
  lockWaitMs,
}: OpenKeystoreOptions): Promise<DurableKeystore> {
  const vault = () => new VaultStore(paths.vaultFile(), passphrase, lockWaitMs);
  if (choice === 'vault') return vault();
  // loaded only where the keychain may serve: a vault run does not load its native library
  const { KeychainStore, probeKeychain } = await import('./keychain.js');
  const problem = noDbusSession() ? NO_DBUS : await probeKeychain();
  if (!problem) return new KeychainStore();
  if (choice === 'keychain') {
    throw new OxpsError(
      'KEYSTORE_UNAVAILABLE',
      `the OS keychain is not reachable: ${problem}`,
      'use --keystore vault (with OXPS_PASSPHRASE or --passphrase-file) where there is no keychain',
    );
  }
  const fallback = vault();
  const message =
    problem === NO_DBUS
      ? `no desktop keychain here (${NO_DBUS}): using ${fallback.description}`
      : `the desktop keychain does not answer (${problem}): using ${fallback.description}`;
  // said once, when the vault is about to be made; afterwards it is the known place (-v tells)
  if (existsSync(fallback.path)) verbose(message);
  else notice(message);
  return fallback;
}

const NO_DBUS = 'no D-Bus session';
