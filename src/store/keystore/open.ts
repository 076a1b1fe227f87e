// Chooses the keystore: the one asked for, or (auto) the OS keychain if it answers within
// 2 s, else the vault with a one-line notice.
import { OxpsError } from '../../errors.js';
import { paths } from '../paths.js';
import { KeychainStore, probeKeychain } from './keychain.js';
import { VaultStore, type PassphraseSource } from './vault.js';
import type { Keystore, KeystoreChoice } from './keystore.js';

export interface OpenKeystoreOptions {
  choice: KeystoreChoice;
  passphrase: PassphraseSource;
  notice: (message: string) => void;
  lockWaitMs?: number;
}

export async function openKeystore({ choice, passphrase, notice, lockWaitMs }: OpenKeystoreOptions): Promise<Keystore> {
  const vault = () => new VaultStore(paths.vaultFile(), passphrase, lockWaitMs);
  if (choice === 'vault') return vault();
  const problem = await probeKeychain();
  if (!problem) return new KeychainStore();
  if (choice === 'keychain') {
    throw new OxpsError('KEYSTORE_UNAVAILABLE', `the OS keychain is not reachable: ${problem}`, 'use --keystore vault (with OXPS_PASSPHRASE or --passphrase-file) where there is no keychain');
  }
  notice(`OS keychain not reachable (${problem}); using ${vault().description}`);
  return vault();
}
