// Words the completion scripts ask for while the user types (`oxps __complete profiles`): read
// from the configuration only — never the network, never the keystore (which may prompt).
// Node names are in the encrypted state, out of reach without the keystore: not offered.
import { loadConfig } from '../../store/config.js';

export const COMPLETE_COMMAND = '__complete';

export async function completionWords(kind: string | undefined): Promise<string[]> {
  if (kind === 'profiles') return Object.keys((await loadConfig()).profiles);
  return [];
}
