// oxps key generate [--algo ALGORITHM] [--no-publish] [--force]
import { Option, type Command } from 'commander';
import { action, type Runtime } from '../../runtime.js';

interface GenerateOptions {
  algo: 'curve25519' | 'rsa4096';
  publish: boolean;
  force?: boolean;
}

export function registerKeyGenerate(key: Command): void {
  key
    .command('generate')
    .description('make a new OpenPGP key (user ID xmpp:JID), store it in the keystore and publish it')
    .addOption(
      new Option('--algo <algorithm>', 'key algorithm')
        .choices(['curve25519', 'rsa4096'])
        .default('curve25519'),
    )
    .option('--no-publish', 'do not publish the public key')
    .option('--force', 'replace the existing key')
    .action(action(run));
}

async function run(rt: Runtime, opts: GenerateOptions): Promise<void> {
  const ctx = await rt.context();
  const { generateOwnKey, publishOwnKey } = await import('../../../app/ox/keys.js');
  const { key, replaced } = await generateOwnKey(ctx, opts.algo, Boolean(opts.force));
  const published = opts.publish ? await publishOwnKey(ctx, replaced) : undefined;
  const view = { ...key, published: Boolean(published), ...(replaced ? { replaced } : {}) };
  rt.output.result(
    view,
    (v, color) =>
      `${color.green('✔')} new ${v.algorithm} key ${color.bold(v.fingerprint)} for ${ctx.bareJid}${v.published ? ', published' : color.yellow(' (not published: oxps key publish)')}` +
      (v.replaced ? `\n  replaced ${v.replaced}` : ''),
  );
}
