// Which account a run uses: -p NAME (or OXPS_PROFILE), else the default profile; or, with no
// configured profile, the account described by OXPS_JID (+ OXPS_HOST, OXPS_PORT, OXPS_TLS_CA)
// — so CI and cron jobs need no `profile add`.
import { OxpsError } from '../errors.js';
import { loadConfig } from '../store/config.js';
import { checkProfileName } from '../store/paths.js';
import type { KeystoreChoice } from '../store/keystore/keystore.js';
import type { Account } from './context.js';
import { checkBareJid } from '../xmpp/jid.js';

export interface ResolvedAccount {
  account: Account;
  keystoreChoice?: KeystoreChoice;
  /** A profile of the configuration, or the account of OXPS_JID. */
  source: 'profile' | 'environment';
}

export async function resolveAccount(requested: string | undefined): Promise<ResolvedAccount> {
  const config = await loadConfig();
  const fromEnv = process.env.OXPS_PROFILE || undefined;
  const name = requested ?? (fromEnv === undefined ? undefined : checkProfileName(fromEnv, 'OXPS_PROFILE'));
  const envJid = process.env.OXPS_JID;
  if (!name && envJid)
    return { account: accountFromEnv(envJid), keystoreChoice: config.keystore, source: 'environment' };
  const chosen = name ?? config.defaultProfile ?? onlyProfile(Object.keys(config.profiles));
  const profile = chosen ? config.profiles[chosen] : undefined;
  // loaded only here and below: shell completion resolves the account at every Tab, and these bring in the XMPP stack
  if (!chosen || !profile)
    throw (await import('./profiles.js')).profileNotFound(chosen ?? 'default', Object.keys(config.profiles));
  return {
    account: {
      profile: chosen,
      jid: profile.jid,
      host: profile.host,
      port: profile.port,
      tlsCa: profile.tlsCa,
      trust: profile.trust,
    },
    keystoreChoice: profile.keystore ?? config.keystore,
    source: 'profile',
  };
}

function onlyProfile(names: string[]): string | undefined {
  return names.length === 1 ? names[0] : undefined;
}

function accountFromEnv(jid: string): Account {
  const bare = checkBareJid(jid);
  return { profile: bare, jid: bare, ...serverFromEnv() };
}

/** The server of OXPS_HOST, OXPS_PORT and OXPS_TLS_CA: for OXPS_JID, and the defaults of `profile add`. */
export function serverFromEnv(): { host?: string; port?: number; tlsCa?: string } {
  const port = process.env.OXPS_PORT ? Number(process.env.OXPS_PORT) : undefined;
  if (port !== undefined && !(Number.isInteger(port) && port > 0 && port < 65536)) {
    throw new OxpsError(
      'USAGE',
      `OXPS_PORT="${process.env.OXPS_PORT}" is not a TCP port`,
      'set OXPS_PORT to a number between 1 and 65535',
    );
  }
  return { host: process.env.OXPS_HOST || undefined, port, tlsCa: process.env.OXPS_TLS_CA || undefined };
}
