// oxps secret revoke -s SERVICE -n NODE SECRET_ID [-r RECIPIENT…] [--reason TEXT]
import type { Command } from 'commander';
import { action, type Runtime } from '../../runtime.js';
import { collect } from '../../options.js';
import { nodeOptions, type NodeOptions } from '../nodeOptions.js';
import { renderDelivery } from './render.js';

export function registerSecretRevoke(secret: Command): void {
  nodeOptions(secret.command('revoke').description('revoke a secret you made and tell those who may have it'))
    .argument('<secret-id>', 'the secret to revoke')
    .option(
      '-r, --recipient <jid>',
      'tell only this JID (repeatable; default: the node whitelist and everyone it was sent to)',
      collect,
    )
    .option('--reason <text>', 'reason sent with the revocation')
    .action(action(run));
}

interface RevokeOptions extends NodeOptions {
  recipient?: string[];
  reason?: string;
}

async function run(rt: Runtime, secretId: string, opts: RevokeOptions): Promise<void> {
  const ctx = await rt.syncedContext();
  const service = await rt.service(opts.service);
  const { revokeSecret } = await import('../../../app/secrets/revoke.js');
  const result = await revokeSecret(ctx, {
    service,
    node: opts.node,
    secretId,
    recipients: opts.recipient,
    reason: opts.reason,
  });
  rt.output.result(result, (r, color) =>
    [
      `${color.green('✔')} revoked secret ${r.secretId} of ${r.node}${r.recipients.length ? `; told ${r.recipients.join(', ')}` : ''}`,
      ...renderDelivery(r, color),
    ].join('\n'),
  );
}
