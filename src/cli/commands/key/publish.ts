// oxps key publish
import type { Command } from 'commander';
import { action, type Runtime } from '../../runtime.js';

export function registerKeyPublish(key: Command): void {
  key
    .command('publish')
    .description("publish the public key and add it to the public keys list (other devices' keys are kept)")
    .action(action(run));
}

async function run(rt: Runtime): Promise<void> {
  const ctx = await rt.context();
  const { publishOwnKey } = await import('../../../app/ox/keys.js');
  const result = await publishOwnKey(ctx);
  rt.output.result(
    result,
    (r, color) =>
      `${color.green('✔')} published key ${color.bold(r.fingerprint)}; list: ${r.list.map((k) => k.fingerprint).join(', ')}`,
  );
}
