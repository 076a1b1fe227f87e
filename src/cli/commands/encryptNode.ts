// oxps encrypt-node -s SERVICE -n NODE [--yes]
import type { Command } from 'commander';
import { action, type Runtime } from '../runtime.js';
import { nodeOptions, type NodeOptions } from './nodeOptions.js';

export function registerEncryptNode(program: Command): void {
  nodeOptions(
    program
      .command('encrypt-node')
      .description('create a whitelist node (or convert one) and give it a first secret'),
  )
    .option('-y, --yes', 'convert an existing node to the whitelist access model without asking')
    .action(action(run));
}

interface EncryptNodeOptions extends NodeOptions {
  yes?: boolean;
}

export async function run(rt: Runtime, opts: EncryptNodeOptions): Promise<void> {
  const ctx = await rt.syncedContext();
  const service = await rt.service(opts.service);
  const { encryptNode } = await import('../../app/encryptNode.js');
  const { askConfirm } = await import('../../ui/prompts.js');
  const result = await encryptNode(ctx, {
    service,
    node: opts.node,
    confirmConversion: async (accessModel) =>
      opts.yes ||
      askConfirm(
        `Node ${opts.node} on ${service} has access model "${accessModel}". Convert it to "whitelist"? Existing items stay as they are`,
        'pass --yes to convert it',
      ),
  });
  rt.output.result(result, (r, color) => {
    const what = r.created
      ? 'created (whitelist)'
      : r.converted
        ? `converted from ${r.previousAccessModel} to whitelist`
        : 'already a whitelist node';
    const secret = r.newSecret
      ? `new secret, secret id ${r.secret.id}`
      : `current secret id ${r.secret.id} (${r.secret.timestamp})`;
    return `${color.green('✔')} node ${r.node} on ${r.service}: ${what}; ${secret}`;
  });
}
