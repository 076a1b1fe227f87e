// oxps key backup (XEP-0373 §5: the secret key on PEP, encrypted with a backup code)
import type { Command } from 'commander';
import { action, type Runtime } from '../../runtime.js';

export function registerKeyBackup(key: Command): void {
  key
    .command('backup')
    .description('store the secret key on your PEP, encrypted with a new backup code shown once')
    .action(action(run));
}

async function run(rt: Runtime): Promise<void> {
  const ctx = await rt.context();
  const { backupOwnKey } = await import('../../../app/ox/keys.js');
  const result = await backupOwnKey(ctx);
  rt.output.result(
    result,
    (r, color) =>
      `${color.green('✔')} secret key ${r.fingerprint} backed up on your PEP.\n` +
      `Backup code (shown once, write it down; it is not stored anywhere):\n\n    ${color.bold(r.backupCode)}\n`,
  );
}
