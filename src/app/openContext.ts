// The one way to build an AppContext, for the CLI (src/cli/runtime.ts) and the library
// (src/lib/index.ts): a configured profile (or OXPS_JID), or an account given in full that
// keeps everything in memory.
import type { Keystore, KeystoreChoice } from '../store/keystore/keystore.js';
import { MemoryKeystore } from '../store/keystore/memory.js';
import type { TrustPolicy } from '../store/config.js';
import type { Reporter } from '../ui/reporter.js';
import { checkBareJid } from '../xmpp/jid.js';
import { resolveAccount } from './account.js';
import { AppContext, type Account, type ContextOptions } from './context.js';
import { memoryStorage } from './storage.js';

export interface ProfileContextRequest {
  /** The profile asked for; undefined: OXPS_PROFILE, OXPS_JID, or the default profile. */
  profile: string | undefined;
  /** The keystore for the profile's recorded choice (undefined: none recorded). */
  keystore: (profileChoice: KeystoreChoice | undefined) => Promise<Keystore>;
  /** Overrides the profile's trust policy. */
  trust?: TrustPolicy;
  reporter: Reporter;
  options: ContextOptions;
}

export async function openProfileContext(request: ProfileContextRequest): Promise<AppContext> {
  const { account, keystoreChoice } = await resolveAccount(request.profile);
  return new AppContext(
    { ...account, trust: request.trust ?? account.trust ?? 'btbv' },
    await request.keystore(keystoreChoice),
    request.reporter,
    request.options,
  );
}

/** Where a library call's notices and warnings go (what the CLI prints on stderr). */
export type LogSink = (level: 'notice' | 'warning', message: string) => void;

/** A reporter for code: notices and warnings to `log` (default: stderr), no progress bar. */
export function logReporter(log: LogSink | undefined): Reporter {
  const write: LogSink = log ?? ((level, message) => process.stderr.write(`oxps: ${level}: ${message}\n`));
  return {
    notice: (message) => write('notice', message),
    warn: (message) => write('warning', message),
    verbose: () => undefined,
    progress: () => ({ tick: () => undefined, done: () => undefined }),
  };
}

export interface MemoryAccount extends Omit<Account, 'profile'> {
  password: string;
  /** Armored OpenPGP private key of the account; absent: the caller makes or has none yet. */
  key?: string;
}

/** An account with no profile: its password and key in a memory keystore, its state in memory. */
export async function openMemoryContext(
  { password, key, ...server }: MemoryAccount,
  reporter: Reporter,
  options: ContextOptions,
): Promise<AppContext> {
  const jid = checkBareJid(server.jid);
  const keystore = new MemoryKeystore();
  await keystore.set(jid, 'password', password);
  if (key !== undefined) await keystore.set(jid, 'openpgp-key', key);
  return new AppContext(
    { ...server, jid, profile: jid, trust: server.trust ?? 'btbv' },
    keystore,
    reporter,
    options,
    memoryStorage(),
  );
}
