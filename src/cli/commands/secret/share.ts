// oxps secret share -s SERVICE -n NODE [-k ID…] RECIPIENT…
import type { Command } from 'commander';
import { action, type Runtime } from '../../runtime.js';
import { collect } from '../../options.js';
import { nodeOptions, type NodeOptions } from '../nodeOptions.js';
import { renderDelivery } from './render.js';

export function registerSecretShare(secret: Command): void {
  nodeOptions(
    secret
      .command('share')
      .description("send the node's secrets (all, or -k ones) to recipients, encrypted to their OX keys"),
  )
    .argument('<recipients...>', 'bare JIDs to share with')
    .option('-k, --key <id>', 'only this secret (repeatable; default: all, revoked ones flagged)', collect)
    .option(WHITELIST_ONLY.flags, WHITELIST_ONLY.description)
    .action(action(run));
}

export const WHITELIST_ONLY = {
  flags: '--whitelist-only',
  description:
    'whitelist them all now; those without a usable OX key get the active secrets once it appears (next sync or command)',
};

interface ShareOptions extends NodeOptions {
  key?: string[];
  whitelistOnly?: boolean;
}

export async function run(rt: Runtime, recipients: string[], opts: ShareOptions): Promise<void> {
  const ctx = await rt.syncedContext();
  const service = await rt.service(opts.service);
  const { shareSecrets } = await import('../../../app/secrets/share.js');
  const result = await shareSecrets(ctx, {
    service,
    node: opts.node,
    secretIds: opts.key,
    recipients,
    whitelistOnly: opts.whitelistOnly,
  });
  rt.output.result(result, (r, color) => {
    const sentTo = r.recipients.filter((jid) => !r.pending.includes(jid));
    return [
      `${color.green('✔')} ${sentTo.length ? `shared ${r.secrets.length} secret(s) of ${r.node} on ${r.service} with ${sentTo.join(', ')}` : `nothing sent yet for ${r.node} on ${r.service}`}` +
        (r.whitelisted.length ? `; whitelisted ${r.whitelisted.join(', ')}` : ''),
      ...(r.pending.length
        ? [`  pending until their key appears: ${r.pending.join(', ')} (oxps doctor lists pending shares)`]
        : []),
      ...renderDelivery(r, color),
    ].join('\n');
  });
}
