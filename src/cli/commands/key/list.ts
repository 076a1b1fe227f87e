// oxps key list [JID]
import type { Command } from 'commander';
import { action, type Runtime } from '../../runtime.js';
import { trustLabel } from '../../trustLabel.js';

export function registerKeyList(key: Command): void {
  key
    .command('list')
    .description("list your keys, or a contact's (fetched from PEP)")
    .argument('[jid]', 'contact (default: yourself)')
    .action(action(run));
}

async function run(rt: Runtime, jid: string | undefined): Promise<void> {
  const ctx = await rt.context();
  const { listKeys } = await import('../../../app/ox/keys.js');
  const result = await listKeys(ctx, jid);
  rt.output.result(result, (r, color) =>
    [
      `${color.bold(r.jid)}`,
      ...r.keys.map((k) => {
        const trust = trustLabel(k.trust, color);
        const withdrawn = k.withdrawn ? `  ${color.red(`withdrawn ${k.withdrawn}`)} (not used)` : '';
        return `  ${k.fingerprint}  created ${k.created}  ${k.published ? `published ${k.published}` : color.yellow('not published')}  ${trust}${withdrawn}`;
      }),
    ].join('\n'),
  );
}
