// oxps's own use cases run inside the bench process, for the set-up steps that would cost a
// process each (50 recipients' keys) and for the measurements that must leave process start-up
// out (login). paths.ts reads the XDG variables when called: they point at the device while
// the work runs, so nothing runs here concurrently.
import { readFile } from 'node:fs/promises';
import { AppContext } from '../../src/app/context.js';
import { VaultStore } from '../../src/store/keystore/vault.js';
import { paths } from '../../src/store/paths.js';
import { silentReporter } from '../../src/ui/reporter.js';
import type { OxpsDevice } from './oxpsDevice.js';

const XDG = ['XDG_CONFIG_HOME', 'XDG_DATA_HOME', 'XDG_CACHE_HOME'] as const;

export async function withDevice<T>(device: OxpsDevice, work: (ctx: AppContext) => Promise<T>): Promise<T> {
  const saved = XDG.map((name) => process.env[name]);
  for (const name of XDG) process.env[name] = device.env[name];
  const keystore = new VaultStore(paths.vaultFile(), async () => device.env.OXPS_PASSPHRASE!);
  const ctx = new AppContext(
    { profile: device.jid, jid: device.jid, host: '127.0.0.1', port: device.server.port, tlsCa: device.server.certFile, trust: 'btbv' },
    keystore,
    silentReporter,
    { timeoutSeconds: 30, lockWaitMs: 30_000, passwordOverride: async () => `${device.name}pass`, confirm: async () => false },
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

/** Gives the device an OX key (curve25519) and publishes it, without a process per account. */
export async function generateAndPublishKey(device: OxpsDevice): Promise<string> {
  const { generateOwnKey, publishOwnKey } = await import('../../src/app/ox/keys.js');
  return withDevice(device, async (ctx) => {
    await generateOwnKey(ctx, 'curve25519', false);
    return (await publishOwnKey(ctx)).fingerprint;
  });
}

export async function caPem(device: OxpsDevice): Promise<string> {
  return readFile(device.server.certFile, 'utf8');
}
