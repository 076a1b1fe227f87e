// oxps key trust JID FINGERPRINT [--distrust | --undecided]
import type { Command } from 'commander';
import { action, type Runtime } from '../../runtime.js';
import { OxpsError } from '../../../errors.js';

interface TrustOptions {
  distrust?: boolean;
  undecided?: boolean;
}

export function registerKeyTrust(key: Command): void {
  key
    .command('trust')
    .description(
      "mark a contact's key, or another key on your own list, as verified (or distrusted, or undecided)",
    )
    .argument('<jid>', 'contact, or your own JID')
    .argument('<fingerprint>', 'key fingerprint (spaces allowed if quoted)')
    .option('--distrust', 'never use this key')
    .option('--undecided', 'forget the decision')
    .action(action(run));
}

async function run(rt: Runtime, jid: string, fingerprint: string, opts: TrustOptions): Promise<void> {
  if (opts.distrust && opts.undecided)
    throw new OxpsError('USAGE', '--distrust and --undecided exclude each other', 'pick one');
  const ctx = await rt.context();
  const { trustKey } = await import('../../../app/ox/keys.js');
  const result = await trustKey(
    ctx,
    jid,
    fingerprint,
    opts.distrust ? 'distrusted' : opts.undecided ? 'undecided' : 'verified',
  );
  rt.output.result(
    result,
    (r, color) => `${color.green('✔')} ${r.jid}'s key ${r.fingerprint} is now ${r.trust}`,
  );
}
