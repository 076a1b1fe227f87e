// oxps key generate|publish|list|trust|backup|restore (XEP-0373 identity)
import { Option, type Command } from 'commander';
import { action, readSecretFile, type Runtime } from '../../runtime.js';
import { askSecret, canPrompt } from '../../../ui/prompts.js';
import { OxpsError } from '../../../errors.js';
import { trustLabel } from '../../trustLabel.js';

export function registerKeyCommands(program: Command): void {
  const key = program.command('key').description('your OpenPGP identity for XMPP (XEP-0373) and contacts\' keys');

  key.command('generate')
    .description('make a new OpenPGP key (user ID xmpp:JID), store it in the keystore and publish it')
    .addOption(new Option('--algo <algorithm>', 'key algorithm').choices(['curve25519', 'rsa4096']).default('curve25519'))
    .option('--no-publish', 'do not publish the public key')
    .option('--force', 'replace the existing key')
    .action(action(generate));

  key.command('publish')
    .description('publish the public key and add it to the public keys list (other devices\' keys are kept)')
    .action(action(publish));

  key.command('list')
    .description('list your keys, or a contact\'s (fetched from PEP)')
    .argument('[jid]', 'contact (default: yourself)')
    .action(action(list));

  key.command('trust')
    .description('mark a contact\'s key, or another key on your own list, as verified (or distrusted, or undecided)')
    .argument('<jid>', 'contact, or your own JID')
    .argument('<fingerprint>', 'key fingerprint (spaces allowed if quoted)')
    .option('--distrust', 'never use this key')
    .option('--undecided', 'forget the decision')
    .action(action(trust));

  key.command('backup')
    .description('store the secret key on your PEP, encrypted with a new backup code shown once')
    .action(action(backup));

  key.command('restore')
    .description('restore the secret key from your PEP backup (code from a prompt or --backup-code-file)')
    .option('--backup-code-file <file>', 'read the backup code from this file')
    .option('--force', 'replace the existing key')
    .action(action(restore));
}

async function keys() {
  return import('../../../app/ox/keys.js');
}

async function generate(rt: Runtime, options: unknown): Promise<void> {
  const opts = options as { algo: 'curve25519' | 'rsa4096'; publish: boolean; force?: boolean };
  const ctx = await rt.context();
  const { generateOwnKey, publishOwnKey } = await keys();
  const { key, replaced } = await generateOwnKey(ctx, opts.algo, Boolean(opts.force));
  const published = opts.publish ? await publishOwnKey(ctx, replaced) : undefined;
  const view = { ...key, published: Boolean(published), ...(replaced ? { replaced } : {}) };
  rt.output.result(view, (v, color) =>
    `${color.green('✔')} new ${v.algorithm} key ${color.bold(v.fingerprint)} for ${ctx.bareJid}${v.published ? ', published' : color.yellow(' (not published: oxps key publish)')}` +
    (v.replaced ? `\n  replaced ${v.replaced}` : ''));
}

async function publish(rt: Runtime): Promise<void> {
  const ctx = await rt.context();
  const { publishOwnKey } = await keys();
  const result = await publishOwnKey(ctx);
  rt.output.result(result, (r, color) => `${color.green('✔')} published key ${color.bold(r.fingerprint)}; list: ${r.list.map((k) => k.fingerprint).join(', ')}`);
}

async function list(rt: Runtime, jid: unknown): Promise<void> {
  const ctx = await rt.context();
  const { listKeys } = await keys();
  const result = await listKeys(ctx, jid as string | undefined);
  rt.output.result(result, (r, color) =>
    [`${color.bold(r.jid)}`, ...r.keys.map((k) => {
      const trust = trustLabel(k.trust, color);
      const withdrawn = k.withdrawn ? `  ${color.red(`withdrawn ${k.withdrawn}`)} (not used)` : '';
      return `  ${k.fingerprint}  created ${k.created}  ${k.published ? `published ${k.published}` : color.yellow('not published')}  ${trust}${withdrawn}`;
    })].join('\n'));
}

async function trust(rt: Runtime, jid: unknown, fingerprint: unknown, options: unknown): Promise<void> {
  const opts = options as { distrust?: boolean; undecided?: boolean };
  if (opts.distrust && opts.undecided) throw new OxpsError('USAGE', '--distrust and --undecided exclude each other', 'pick one');
  const ctx = await rt.context();
  const { trustKey } = await keys();
  const result = await trustKey(ctx, String(jid), String(fingerprint), opts.distrust ? 'distrusted' : opts.undecided ? 'undecided' : 'verified');
  rt.output.result(result, (r, color) => `${color.green('✔')} ${r.jid}'s key ${r.fingerprint} is now ${r.trust}`);
}

async function backup(rt: Runtime): Promise<void> {
  const ctx = await rt.context();
  const { backupOwnKey } = await keys();
  const result = await backupOwnKey(ctx);
  rt.output.result(result, (r, color) =>
    `${color.green('✔')} secret key ${r.fingerprint} backed up on your PEP.\n` +
    `Backup code (shown once, write it down; it is not stored anywhere):\n\n    ${color.bold(r.backupCode)}\n`);
}

async function restore(rt: Runtime, options: unknown): Promise<void> {
  const opts = options as { backupCodeFile?: string; force?: boolean };
  const code = opts.backupCodeFile
    ? await readSecretFile(opts.backupCodeFile, '--backup-code-file')
    : canPrompt()
      ? await askSecret('Backup code', 'pass --backup-code-file FILE')
      : (() => { throw new OxpsError('NEEDS_TTY', 'the backup code is needed: no terminal to ask on', 'pass --backup-code-file FILE'); })();
  const ctx = await rt.context();
  const { restoreOwnKey } = await keys();
  const result = await restoreOwnKey(ctx, code, Boolean(opts.force));
  rt.output.result(result, (r, color) => `${color.green('✔')} restored key ${color.bold(r.fingerprint)} (created ${r.created})`);
}
