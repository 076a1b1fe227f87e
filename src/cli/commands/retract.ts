// oxps retract -s SERVICE -n NODE ITEM… [--dry-run] — take items back (XEP-0060 §7.2).
import type { Command } from 'commander';
import { action, type Runtime } from '../runtime.js';
import { nodeOptions, type NodeOptions } from './nodeOptions.js';

export function registerRetract(program: Command): void {
  nodeOptions(
    program
      .command('retract')
      .description('delete items from a node (all ids must exist, else nothing is deleted)'),
  )
    .argument('<items...>', 'item ids')
    .option('--dry-run', 'check the ids and print the requests that would be sent, and send nothing')
    .action(action(run));
}

interface RetractOptions extends NodeOptions {
  dryRun?: boolean;
}

export async function run(rt: Runtime, items: string[], opts: RetractOptions): Promise<void> {
  const ctx = await rt.context();
  const service = await rt.service(opts.service);
  const { retractItems } = await import('../../app/retract.js');
  const result = await retractItems(ctx, {
    service,
    node: opts.node,
    ids: items,
    dryRun: Boolean(opts.dryRun),
  });
  rt.output.result(result, (r, color) => {
    const subscribers = r.notify
      ? 'subscribers are told'
      : "subscribers are not told (the node's notify_retract is off)";
    if (r.dryRun)
      return [
        `${color.yellow('dry run:')} would retract ${r.items.join(', ')} from ${r.node} on ${r.service} (${subscribers}); nothing sent`,
        ...(r.stanzas ?? []),
      ].join('\n');
    return `${color.green('✔')} retracted ${r.items.join(', ')} from ${r.node} on ${r.service}; ${subscribers}`;
  });
}
