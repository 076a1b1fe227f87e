// oxps secret forget -s SERVICE -n NODE [--yes]
import type { Command } from 'commander';
import { action, type Runtime } from '../../runtime.js';
import { nodeOptions, type NodeOptions } from '../nodeOptions.js';

export function registerSecretForget(secret: Command): void {
  nodeOptions(
    secret
      .command('forget')
      .description(
        'drop every secret known for a node (its items become unreadable until someone shares again)',
      ),
  )
    .option('-y, --yes', 'forget without asking')
    .action(action(run));
}

interface ForgetOptions extends NodeOptions {
  yes?: boolean;
}

async function run(rt: Runtime, opts: ForgetOptions): Promise<void> {
  const ctx = await rt.context();
  const service = await rt.service(opts.service);
  const { forgetNode } = await import('../../../app/secrets/settle.js');
  const { askConfirm } = await import('../../../ui/prompts.js');
  const result = await forgetNode(
    ctx,
    service,
    opts.node,
    async (question) => opts.yes || askConfirm(question, 'pass --yes to forget it'),
  );
  rt.output.result(
    result,
    (r, color) =>
      `${color.green('✔')} forgot ${r.forgotten.length} secret(s) of node ${r.node} on ${r.service}`,
  );
}
