// oxps secret share -s SERVICE -n NODE [-k ID…] RECIPIENT…
import type { Command } from 'commander';
import { action, type Runtime } from '../../runtime.js';
import { collect } from '../../options.js';
import { nodeOptions, type NodeOptions } from '../nodeOptions.js';
import { renderDelivery } from './render.js';

export function registerSecretShare(secret: Command): void {
  nodeOptions(secret.command('share').description("send the node's secrets (all, or -k ones) to recipients, encrypted to their OX keys"))
    .argument('<recipients...>', 'bare JIDs to share with')
    .option('-k, --key <id>', 'only this secret (repeatable; default: all, revoked ones flagged)', collect)
    .action(action(run));
}

interface ShareOptions extends NodeOptions {
  key?: string[];
}

export async function run(rt: Runtime, recipients: string[], opts: ShareOptions): Promise<void> {
  const ctx = await rt.syncedContext();
  const service = await rt.service(opts.service);
  const { shareSecrets } = await import('../../../app/secrets/share.js');
  const result = await shareSecrets(ctx, { service, node: opts.node, secretIds: opts.key, recipients });
  rt.output.result(result, (r, color) =>
    [`${color.green('✔')} shared ${r.secrets.length} secret(s) of ${r.node} on ${r.service} with ${r.recipients.join(', ')}` +
      (r.whitelisted.length ? `; whitelisted ${r.whitelisted.join(', ')}` : ''), ...renderDelivery(r, color)].join('\n'));
}
