// The keystore shell completion reads from while the user presses Tab: only one that needs
// nothing asked, else none (the caller then offers nothing).
import { paths } from '../paths.js';
import { noDbusSession } from './dbus.js';
import { VaultStore } from './vault.js';
import type { Keystore, KeystoreChoice } from './keystore.js';

/** A keychain that does not answer (or waits to be unlocked) within this time gives nothing. */
const QUIET_KEYCHAIN_MS = 1500;

/**
 * The keychain on a D-Bus session (not probed: a probe writes), given a short time; the vault
 * only with a passphrase given beforehand (environment, file), tried once.
 */
export async function openKeystoreQuietly(
  choice: KeystoreChoice,
  passphrase: string | undefined,
): Promise<Keystore | undefined> {
  if (choice === 'keychain' || (choice === 'auto' && !noDbusSession())) {
    if (noDbusSession()) return undefined;
    const { KeychainStore } = await import('./keychain.js');
    return new KeychainStore(QUIET_KEYCHAIN_MS);
  }
  if (passphrase === undefined) return undefined;
  return new VaultStore(
    paths.vaultFile(),
    ({ creating, attempt }) => Promise.resolve(creating || attempt > 1 ? undefined : passphrase),
    0,
  );
}
