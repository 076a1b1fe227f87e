// A keystore that writes nothing: the entries of one library account opened with a JID and a
// password (no profile), gone when the process ends.
import { entryAccount, type Keystore, type SecretEntry } from './keystore.js';

export class MemoryKeystore implements Keystore {
  readonly kind = 'memory';
  readonly description = 'memory (no profile: nothing is stored)';
  private readonly entries = new Map<string, string>();

  get(profile: string, entry: SecretEntry): Promise<string | undefined> {
    return Promise.resolve(this.entries.get(entryAccount(profile, entry)));
  }

  set(profile: string, entry: SecretEntry, value: string): Promise<void> {
    this.entries.set(entryAccount(profile, entry), value);
    return Promise.resolve();
  }

  delete(profile: string, entry: SecretEntry): Promise<void> {
    this.entries.delete(entryAccount(profile, entry));
    return Promise.resolve();
  }
}
