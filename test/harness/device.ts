// One oxps installation as a test, the interop suite or the bench makes it: a home of its own
// (XDG tree) and an encrypted vault instead of a keychain; and oxps's use cases run in-process
// on it, for the steps that must go below the CLI or would cost a process each.
import { join } from 'node:path';
import { AppContext } from '../../src/app/context.js';
import { VaultStore } from '../../src/store/keystore/vault.js';
import { paths } from '../../src/store/paths.js';
import { silentReporter } from '../../src/ui/reporter.js';

/** The environment that points oxps at the device's home and vault. */
export function deviceEnv(home: string, name: string): Record<string, string> {
  return {
    XDG_CONFIG_HOME: join(home, 'config'),
    XDG_DATA_HOME: join(home, 'data'),
    XDG_CACHE_HOME: join(home, 'cache'),
    OXPS_KEYSTORE: 'vault',
    OXPS_PASSPHRASE: `vault passphrase of ${name}`,
  };
}

/** The arguments of `oxps profile add` for an account on a local test server (its own CA). */
export function profileAddArgs(jid: string, server: { port: number; certFile: string }): string[] {
  return [
    'profile',
    'add',
    jid,
    '--host',
    '127.0.0.1',
    '--port',
    String(server.port),
    '--tls-ca',
    server.certFile,
  ];
}

export interface DeviceIdentity {
  /** The account name; its password is `${name}pass`. */
  name: string;
  jid: string;
  env: NodeJS.ProcessEnv;
}

const XDG = ['XDG_CONFIG_HOME', 'XDG_DATA_HOME', 'XDG_CACHE_HOME'] as const;

/**
 * Runs `work` with an AppContext on the device's profile. paths.ts reads the XDG variables when
 * called, so they point at the device while the work runs: never run two of these at once.
 */
export async function withDeviceContext<T>(
  device: DeviceIdentity,
  server: { port: number; certFile: string },
  timeoutSeconds: number,
  work: (ctx: AppContext) => Promise<T>,
): Promise<T> {
  const saved = XDG.map((name) => process.env[name]);
  for (const name of XDG) process.env[name] = device.env[name];
  const keystore = new VaultStore(paths.vaultFile(), async () => device.env.OXPS_PASSPHRASE!);
  const ctx = new AppContext(
    {
      profile: device.jid,
      jid: device.jid,
      host: '127.0.0.1',
      port: server.port,
      tlsCa: server.certFile,
      trust: 'btbv',
    },
    keystore,
    silentReporter,
    {
      timeoutSeconds,
      lockWaitMs: 30_000,
      passwordOverride: async () => `${device.name}pass`,
      confirm: async () => false,
    },
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
