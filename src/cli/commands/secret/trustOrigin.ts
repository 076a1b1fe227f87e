// oxps secret trust-origin -s SERVICE -n NODE JID
import type { Command } from 'commander';
import { action, type Runtime } from '../../runtime.js';
import { nodeOptions, type NodeOptions } from '../nodeOptions.js';

export function registerSecretTrustOrigin(secret: Command): void {
  nodeOptions(
    secret
      .command('trust-origin')
      .description(
        "settle who makes a node's secrets: keep JID's, drop the others', refuse others from now on",
      ),
  )
    .argument('<jid>', "the node's owner, whose secrets are the node's")
    .action(action(run));
}

async function run(rt: Runtime, jid: string, opts: NodeOptions): Promise<void> {
  const ctx = await rt.context();
  const service = await rt.service(opts.service);
  const { trustOrigin } = await import('../../../app/secrets/settle.js');
  const result = await trustOrigin(ctx, service, opts.node, jid);
  rt.output.result(
    result,
    (r, color) =>
      `${color.green('✔')} ${r.origin} is the origin of node ${r.node} on ${r.service}: kept ${r.kept.length} secret(s)` +
      (r.dropped.length
        ? `, dropped ${r.dropped.map((d) => `${d.secretId} (${d.origin})`).join(', ')}`
        : '') +
      '; secrets from anyone else will be refused',
  );
}
