// oxps secret rotate -s SERVICE -n NODE [-r RECIPIENT…] [--remove JID…]
import type { Command } from 'commander';
import { action, type Runtime } from '../../runtime.js';
import { collect } from '../../options.js';
import { nodeOptions, type NodeOptions } from '../nodeOptions.js';
import { renderDelivery } from './render.js';

export function registerSecretRotate(secret: Command): void {
  nodeOptions(secret.command('rotate').description('revoke all active secrets, make a new one and share it'))
    .option(
      '-r, --recipient <jid>',
      'share the new secret with this JID (repeatable; default: the node whitelist and those who had the latest secret)',
      collect,
    )
    .option('--remove <jid>', 'leave this JID out and remove it from the whitelist (repeatable)', collect)
    .option('--reason <text>', 'reason sent with the revocations')
    .option(
      '--dry-run',
      'say which secrets would be revoked, who would get the new one and who would leave the whitelist; send nothing',
    )
    .action(action(run));
}

interface RotateOptions extends NodeOptions {
  recipient?: string[];
  remove?: string[];
  reason?: string;
  dryRun?: boolean;
}

async function run(rt: Runtime, opts: RotateOptions): Promise<void> {
  // a dry run writes nothing, not even what a sync would
  const ctx = opts.dryRun ? await rt.context() : await rt.syncedContext();
  const service = await rt.service(opts.service);
  const { rotateSecret } = await import('../../../app/secrets/rotate.js');
  const result = await rotateSecret(ctx, {
    service,
    node: opts.node,
    recipients: opts.recipient,
    remove: opts.remove,
    reason: opts.reason,
    dryRun: opts.dryRun,
  });
  if ('dryRun' in result) {
    rt.output.result(result, (r, color) =>
      [
        `${color.yellow('dry run:')} rotating the secret of ${r.node} on ${r.service} would, with nothing sent now:`,
        `  revoke ${r.revoke.join(', ') || 'nothing'}`,
        `  send the new secret to ${r.newSecretFor.join(', ') || 'nobody'} (and your other devices)`,
        ...(r.previousSecretsFor.length
          ? [`  send the previous secrets to ${r.previousSecretsFor.join(', ')} (new readers)`]
          : []),
        `  remove from the whitelist: ${r.leaveWhitelist === undefined ? 'unknown (not the owner of the node)' : r.leaveWhitelist.join(', ') || 'nobody'}`,
        ...(r.pendingBefore
          ? [`  first deliver ${r.pendingBefore} notification(s) left by an earlier run`]
          : []),
      ].join('\n'),
    );
    return;
  }
  rt.output.result(result, (r, color) =>
    [
      `${color.green('✔')} new secret for ${r.node} (secret id ${r.secretId}); revoked ${r.revoked.join(', ') || 'nothing'}; shared with ${r.recipients.join(', ') || 'nobody'}` +
        (r.removedFromWhitelist.length
          ? `; removed from the whitelist: ${r.removedFromWhitelist.join(', ')}`
          : ''),
      ...renderDelivery(r, color),
    ].join('\n'),
  );
}
