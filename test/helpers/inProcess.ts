// In-process access to a test user's profile (its vault, state, keyring) for the steps a test
// must take below the CLI: crafting hostile messages, reading state, decrypting raw items.
// paths.ts reads the XDG variables when called, so we point them at the user while we work.
import { AppContext } from '../../src/app/context.js';
import { VaultStore } from '../../src/store/keystore/vault.js';
import { paths } from '../../src/store/paths.js';
import { silentReporter } from '../../src/ui/reporter.js';
import { Session } from '../../src/xmpp/session.js';
import { readFileSync } from 'node:fs';
import { serverInfo, type ServerKind, type TestUser } from './cli.js';

const XDG = ['XDG_CONFIG_HOME', 'XDG_DATA_HOME', 'XDG_CACHE_HOME'] as const;

export async function withUser<T>(user: TestUser, work: (ctx: AppContext) => Promise<T>): Promise<T> {
  const saved = XDG.map((name) => process.env[name]);
  for (const name of XDG) process.env[name] = user.env[name];
  const server = serverInfo(user.server);
  const keystore = new VaultStore(paths.vaultFile(), async () => user.env.OXPS_PASSPHRASE!);
  const ctx = new AppContext(
    { profile: user.jid, jid: user.jid, host: '127.0.0.1', port: server.port, tlsCa: server.certFile, trust: 'btbv' },
    keystore,
    silentReporter,
    { timeoutSeconds: 20, lockWaitMs: 30_000, passwordOverride: async () => `${user.name}pass`, confirm: async () => false },
  );
  try {
    return await work(ctx);
  } finally {
    await ctx.close();
    XDG.forEach((name, i) => {
      if (saved[i] === undefined) delete process.env[name];
      else process.env[name] = saved[i];
    });
  }
}

/** A bare XMPP session as another client of an account (not oxps's profile). */
export async function rawSession(name: string, kind: ServerKind = 'prosody'): Promise<Session> {
  const server = serverInfo(kind);
  const domain = 'localhost';
  return Session.open({ jid: `${name}@${domain}`, password: `${name}pass`, host: '127.0.0.1', port: server.port, caPem: readFileSync(server.certFile, 'utf8'), timeoutSeconds: 20 });
}
