// Where secrets live: the OS keychain when one answers, else the passphrase-encrypted vault
// file (cron, CI, SSH sessions without D-Bus). Both hold the same entries, named per profile.

export type KeystoreKind = 'keychain' | 'vault';
export type KeystoreChoice = KeystoreKind | 'auto';

export const KEYSTORE_SERVICE = 'oxps';

export type SecretEntry = 'password' | 'openpgp-key' | 'state-key' | 'cache-key';

export interface Keystore {
  /** memory: a library account opened without a profile (src/store/keystore/memory.ts). */
  readonly kind: KeystoreKind | 'memory';
  /** Where the entries are, for messages ("the OS keychain", "the vault /path"). */
  readonly description: string;
  get(profile: string, entry: SecretEntry): Promise<string | undefined>;
  set(profile: string, entry: SecretEntry, value: string): Promise<void>;
  delete(profile: string, entry: SecretEntry): Promise<void>;
}

/** A keystore that keeps its entries on this machine (the keychain or the vault). */
export type DurableKeystore = Keystore & { readonly kind: KeystoreKind };

export function entryAccount(profile: string, entry: SecretEntry): string {
  return `${profile}/${entry}`;
}
