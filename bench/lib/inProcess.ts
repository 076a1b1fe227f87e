// oxps's own use cases run inside the bench process, for the set-up steps that would cost a
// process each (50 recipients' keys) and for the measurements that must leave process start-up
// out (login). One at a time: withDeviceContext points the XDG variables at the device.
import { readFile } from 'node:fs/promises';
import type { AppContext } from '../../src/app/context.js';
import { withDeviceContext } from '../../test/harness/device.js';
import type { OxpsDevice } from './oxpsDevice.js';

export function withDevice<T>(device: OxpsDevice, work: (ctx: AppContext) => Promise<T>): Promise<T> {
  return withDeviceContext(device, device.server, 30, work);
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
