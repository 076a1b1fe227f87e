// oxps sync [--watch] [--full] — process secret messages (archive, offline storage, live).
import type { Command } from 'commander';
import { action, type Runtime } from '../runtime.js';
import { syncLines } from '../syncSummary.js';

export function registerSync(program: Command): void {
  program
    .command('sync')
    .description('process shared secrets and revocations received (message archive and offline storage)')
    .option('--watch', 'stay online and process messages as they arrive (Ctrl-C to stop)')
    .option('--full', 're-read the whole message archive, not only what came since the last sync')
    .action(action(run));
}

interface SyncOptions {
  watch?: boolean;
  full?: boolean;
}

async function run(rt: Runtime, opts: SyncOptions): Promise<void> {
  const ctx = await rt.context();
  const { syncMessages, watchMessages } = await import('../../app/sync.js');
  await (await ctx.keyring()).ownKey();
  const { deliverPending } = await import('../../app/secrets/notify.js');
  await deliverPending(ctx);
  const report = await syncMessages(ctx, { offline: true, full: opts.full });
  rt.output.result(report, (r, color) => {
    const lines = syncLines(r, color);
    if (lines.length) return lines.join('\n');
    // cron mails whatever a job prints: with -q, a run where nothing happened prints nothing
    return rt.globals.quiet
      ? ''
      : `nothing new (${r.archive === 'caught up' ? 'archive caught up' : 'no message archive on the server'})`;
  });
  if (!opts.watch) return;
  rt.reporter.notice('watching for secret messages (Ctrl-C to stop)');
  const controller = new AbortController();
  rt.onInterrupt = () => controller.abort();
  await watchMessages(ctx, controller.signal, (r) => {
    if (rt.output.json) rt.output.text(JSON.stringify(r));
    else for (const line of syncLines(r, rt.output.color)) rt.output.text(line);
  });
}
