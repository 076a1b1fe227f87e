// oxps node set -s SERVICE -n NODE [--require-signed | --no-require-signed]: local settings of a node.
import type { Command } from 'commander';
import { OxpsError } from '../../../errors.js';
import { action, type Runtime } from '../../runtime.js';
import { nodeOptions, type NodeOptions } from '../nodeOptions.js';

export function registerNodeSet(node: Command): void {
  nodeOptions(node.command('set').description('change how oxps treats a node (stored in this profile only)'))
    .option('--require-signed', 'fetch fails (exit 8) unless every item has a verified signature')
    .option('--no-require-signed', 'accept unsigned items again (the default)')
    .action(action(run));
}

interface NodeSetOptions extends NodeOptions {
  requireSigned?: boolean;
}

async function run(rt: Runtime, opts: NodeSetOptions): Promise<void> {
  if (opts.requireSigned === undefined)
    throw new OxpsError('USAGE', 'nothing to set', 'give --require-signed or --no-require-signed');
  const ctx = await rt.context();
  const service = await rt.service(opts.service);
  const { setNodeSettings } = await import('../../../app/fetch.js');
  const result = await setNodeSettings(ctx, service, opts.node, { requireSigned: opts.requireSigned });
  rt.output.result(
    result,
    (r, color) =>
      `${color.green('✔')} node ${r.node} on ${r.service}: ${r.requireSigned ? 'every fetched item must have a verified signature' : 'unsigned items are accepted'}`,
  );
}
