// Words the completion scripts ask for while the user types (`oxps __complete KIND WORD…`, the
// words of the command line so far): profile names from the configuration; node names from the
// state of the profile in use. Never the network, never a prompt, never an error on the
// terminal: the state is opened only when its key can be had without asking (see
// openKeystoreQuietly in store/keystore/quiet.ts), read without the lock and never written; else nothing is offered.
import { loadConfig } from '../../store/config.js';
import type { KeystoreChoice } from '../../store/keystore/keystore.js';

export const COMPLETE_COMMAND = '__complete';

export async function completionWords(kind: string | undefined, line: string[] = []): Promise<string[]> {
  if (kind === 'profiles') return Object.keys((await loadConfig()).profiles);
  if (kind === 'nodes') return knownNodes(typedOptions(line.slice(1)));
  return [];
}

/** Global options that choose the profile, its keystore and service, as typed so far. */
interface TypedOptions {
  profile?: string;
  keystore?: string;
  passphraseFile?: string;
  service?: string;
}

const TYPED: Record<string, keyof TypedOptions> = {
  '-p': 'profile',
  '--profile': 'profile',
  '--keystore': 'keystore',
  '--passphrase-file': 'passphraseFile',
  '-s': 'service',
  '--service': 'service',
};

/**
 * The values of the options above among `words` (the command name left out): `-p NAME`,
 * `--profile=NAME`, and bash's split `--profile = NAME`. The last one given wins, as in commander.
 */
export function typedOptions(words: string[]): TypedOptions {
  const found: TypedOptions = {};
  for (let i = 0; i < words.length; i++) {
    const [flag, attached] = splitAttached(words[i]!);
    const name = TYPED[flag];
    if (!name) continue;
    let value = attached;
    if (value === undefined && words[i + 1] === '=') value = words[(i += 2)];
    else if (value === undefined) value = words[++i];
    if (value !== undefined && value !== '') found[name] = value;
  }
  return found;
}

function splitAttached(word: string): [string, string | undefined] {
  const long = /^(--[a-z-]+)=(.*)$/.exec(word);
  if (long) return [long[1]!, long[2]];
  const short = /^(-[ps])(.+)$/.exec(word);
  return short ? [short[1]!, short[2]] : [word, undefined];
}

/** The node names of the profile's state (those of `service` when one was typed), sorted. */
async function knownNodes(typed: TypedOptions): Promise<string[]> {
  const { resolveAccount } = await import('../../app/account.js');
  const { account, keystoreChoice } = await resolveAccount(typed.profile);
  const choice = (typed.keystore ?? process.env.OXPS_KEYSTORE ?? keystoreChoice ?? 'auto') as KeystoreChoice;
  const passphrase = typed.passphraseFile
    ? await (await import('../secretInput.js')).readSecretFile(typed.passphraseFile, '--passphrase-file')
    : process.env.OXPS_PASSPHRASE || undefined;
  const { openKeystoreQuietly } = await import('../../store/keystore/quiet.js');
  const keystore = await openKeystoreQuietly(choice, passphrase);
  if (!keystore) return [];
  const { peekProfileState } = await import('../../app/state.js');
  const state = await peekProfileState(account.profile, keystore);
  const records = Object.values(state?.nodes ?? {}).filter(
    (r) => typed.service === undefined || r.service === typed.service,
  );
  return [...new Set(records.map((r) => r.node))].sort();
}
