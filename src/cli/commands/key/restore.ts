// oxps key restore [--backup-code-file FILE] [--force]
import type { Command } from 'commander';
import { action, type Runtime } from '../../runtime.js';
import { readSecretFile } from '../../secretInput.js';
import { askSecret, canPrompt } from '../../../ui/prompts.js';
import { OxpsError } from '../../../errors.js';

interface RestoreOptions {
  backupCodeFile?: string;
  force?: boolean;
}

export function registerKeyRestore(key: Command): void {
  key
    .command('restore')
    .description('restore the secret key from your PEP backup (code from a prompt or --backup-code-file)')
    .option('--backup-code-file <file>', 'read the backup code from this file')
    .option('--force', 'replace the existing key')
    .action(action(run));
}

async function run(rt: Runtime, opts: RestoreOptions): Promise<void> {
  const code = opts.backupCodeFile
    ? await readSecretFile(opts.backupCodeFile, '--backup-code-file')
    : canPrompt()
      ? await askSecret('Backup code', 'pass --backup-code-file FILE')
      : (() => {
          throw new OxpsError(
            'NEEDS_TTY',
            'the backup code is needed: no terminal to ask on',
            'pass --backup-code-file FILE',
          );
        })();
  const ctx = await rt.context();
  const { restoreOwnKey } = await import('../../../app/ox/keys.js');
  const result = await restoreOwnKey(ctx, code, Boolean(opts.force));
  rt.output.result(
    result,
    (r, color) => `${color.green('✔')} restored key ${color.bold(r.fingerprint)} (created ${r.created})`,
  );
}
