// The OS keychain (Secret Service on Linux, Keychain on macOS, Credential Manager on Windows)
// through @napi-rs/keyring, which ships its binary in the npm package (keytar, archived,
// downloads one at install time, which fails here, and crashed on a locked keyring).
import { AsyncEntry } from '@napi-rs/keyring';
import { OxpsError } from '../../errors.js';
import { KEYSTORE_SERVICE, entryAccount, type Keystore, type SecretEntry } from './keystore.js';

// On Linux, only the Secret Service: the library would otherwise fall back to the kernel
// keyring, which forgets everything at reboot (the password, the OpenPGP key, the state key).
const ENTRY_OPTIONS = { linux: { store: 'secret-service' as const } };

function keychainEntry(account: string): AsyncEntry {
  return new AsyncEntry(KEYSTORE_SERVICE, account, ENTRY_OPTIONS);
}

/** The keychain must answer a probe within this time, else we use the vault (issue: cron has no D-Bus). */
export const KEYCHAIN_PROBE_MS = 2000;
/** A real operation may wait for the user to unlock the keychain. */
const KEYCHAIN_OPERATION_MS = 60_000;

export class KeychainStore implements Keystore {
  readonly kind = 'keychain' as const;
  readonly description = 'the OS keychain';

  /** `operationMs`: how long an operation may wait (for the user to unlock the keychain). */
  constructor(private readonly operationMs = KEYCHAIN_OPERATION_MS) {}

  async get(profile: string, entry: SecretEntry): Promise<string | undefined> {
    const value = await this.call(profile, entry, (e, signal) => e.getPassword(signal));
    return value ?? undefined;
  }

  async set(profile: string, entry: SecretEntry, value: string): Promise<void> {
    await this.call(profile, entry, (e, signal) => e.setPassword(value, signal));
  }

  async delete(profile: string, entry: SecretEntry): Promise<void> {
    await this.call(profile, entry, (e, signal) => e.deletePassword(signal));
  }

  private async call<T>(
    profile: string,
    name: SecretEntry,
    op: (e: AsyncEntry, signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    try {
      return await op(keychainEntry(entryAccount(profile, name)), AbortSignal.timeout(this.operationMs));
    } catch (error) {
      throw keychainError(error);
    }
  }
}

/**
 * Resolves with undefined when the keychain works, else with the reason it does not. It writes,
 * reads and deletes a probe entry: without D-Bus, reading an absent entry may "succeed" while
 * every write is refused.
 */
export async function probeKeychain(timeoutMs = KEYCHAIN_PROBE_MS): Promise<string | undefined> {
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const probe = keychainEntry('probe');
    const value = `probe-${process.pid}`;
    await probe.setPassword(value, signal);
    if ((await probe.getPassword(signal)) !== value) return 'it does not return what was stored';
    await probe.deletePassword(signal);
    return undefined;
  } catch (error) {
    return (error as Error).name === 'TimeoutError' || (error as Error).name === 'AbortError'
      ? `no answer within ${timeoutMs / 1000} s`
      : (error as Error).message;
  }
}

function keychainError(error: unknown): OxpsError {
  return new OxpsError(
    'KEYSTORE_UNAVAILABLE',
    `the OS keychain failed: ${(error as Error).message}`,
    'unlock the keychain, or use the vault file instead: --keystore vault with OXPS_PASSPHRASE or --passphrase-file',
    { cause: error },
  );
}
