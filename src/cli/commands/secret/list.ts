// oxps secret list -s SERVICE -n NODE [--show-secrets]
import type { Command } from 'commander';
import { action, type Runtime } from '../../runtime.js';
import { nodeOptions, type NodeOptions } from '../nodeOptions.js';

export function registerSecretList(secret: Command): void {
  nodeOptions(secret.command('list').description("list a node's secrets (keys only with --show-secrets)"))
    .option('--show-secrets', 'also print the secret keys')
    .action(action(run));
}

interface ListOptions extends NodeOptions {
  showSecrets?: boolean;
}

async function run(rt: Runtime, opts: ListOptions): Promise<void> {
  const { ctx, synced } = await rt.syncingContext();
  const service = await rt.service(opts.service);
  const { listSecrets } = await import('../../../app/secrets/list.js');
  const listing = await listSecrets(ctx, service, opts.node, Boolean(opts.showSecrets), synced);
  rt.output.result({ service, node: opts.node, ...listing }, (r, color) => {
    if (r.secrets.length === 0) return `no secret known for node ${r.node} on ${r.service}`;
    const conflict = r.conflict
      ? [
          color.yellow(
            `! conflict: this node's secrets come from ${r.conflict.origins.join(', ')}; the service does not tell who owns it. ${r.conflict.hint}`,
          ),
        ]
      : [];
    const trusted = r.trustedOrigin ? [`origin ${r.trustedOrigin} (chosen with secret trust-origin)`] : [];
    return [
      ...conflict,
      ...trusted,
      ...r.secrets.map((s) => {
        const status = s.revoked ? color.red('revoked') : color.green('active');
        const candidate = s.candidate ? `  ${color.yellow('candidate')}` : '';
        const shared = s.sharedWith.length ? `shared with ${s.sharedWith.join(', ')}` : 'not shared';
        const readers = s.readers
          ? `\n  readers ${s.readers.join(', ') || 'none'}${s.missing?.length ? color.yellow(`; not sent from this device to ${s.missing.join(', ')}`) : ''}`
          : '';
        return `${color.bold(s.id)}  ${status}${candidate}  ${s.timestamp}  origin ${s.origin}  ${shared}${readers}${s.key ? `\n  key ${s.key}` : ''}`;
      }),
      ...(r.pending ?? []).map((p) =>
        color.yellow(
          `pending share: ${p.jid} gets the active secrets once a usable key appears (since ${p.since})`,
        ),
      ),
    ].join('\n');
  });
}
