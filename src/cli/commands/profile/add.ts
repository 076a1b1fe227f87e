// oxps profile add JID — the password comes from a prompt, --password-file or OXPS_PASSWORD, never argv.
import type { Command } from 'commander';
import { Option } from 'commander';
import { action, type Runtime } from '../../runtime.js';
import { passwordFromCommand, readSecretFile } from '../../secretInput.js';
import { OxpsError } from '../../../errors.js';
import { askSecret, canPrompt, PROMPT_TRIES } from '../../../ui/prompts.js';
import { port } from '../../options.js';
import { renderProfile } from './render.js';

interface AddOptions {
  host?: string;
  port?: number;
  tlsCa?: string;
  passwordFile?: string;
  force?: boolean;
  verify: boolean;
  trust?: 'btbv' | 'manual' | 'always';
}

export function registerProfileAdd(profile: Command): void {
  profile
    .command('add')
    .description('add (or with --force replace) a profile; its name is -p NAME or the JID')
    .argument('<jid>', 'the account, user@domain')
    .option('--host <host>', 'server host (default: OXPS_HOST, else DNS SRV of the domain, else the domain)')
    .option('--port <port>', 'server port (default: OXPS_PORT, else 5222)', port)
    .option(
      '--tls-ca <file>',
      'PEM file of a CA to trust for this server, e.g. a self-signed certificate (default: OXPS_TLS_CA)',
    )
    .option(
      '--password-file <file>',
      'read the password from this file (or /dev/fd/N); else OXPS_PASSWORD, else a prompt',
    )
    .addOption(
      new Option('--trust <policy>', "how to trust contacts' keys").choices(['btbv', 'manual', 'always']),
    )
    .option('--force', 'replace an existing profile of that name')
    .option('--no-verify', 'store without logging in once to check the password')
    .action(action(run));
}

async function run(rt: Runtime, jid: string, opts: AddOptions): Promise<void> {
  const { checkBareJid } = await import('../../../xmpp/jid.js');
  const bare = checkBareJid(jid);
  const { checkProfileName } = await import('../../../store/paths.js');
  const name = rt.globals.profile ?? checkProfileName(bare, 'the JID');
  const given = rt.globals.passwordCommand
    ? await passwordFromCommand(rt.globals.passwordCommand)
    : opts.passwordFile
      ? await readSecretFile(opts.passwordFile, '--password-file')
      : process.env.OXPS_PASSWORD || undefined;
  const instead = 'pass --password-file FILE or set OXPS_PASSWORD';
  if (given === undefined && !canPrompt())
    throw new OxpsError('NEEDS_TTY', `Password of ${bare}: no terminal to ask on`, instead);
  const { addProfile } = await import('../../../app/profiles.js');
  const { serverFromEnv } = await import('../../../app/account.js');
  const fromEnv = serverFromEnv();
  const server = {
    host: opts.host ?? fromEnv.host,
    port: opts.port ?? fromEnv.port,
    tlsCa: opts.tlsCa ?? fromEnv.tlsCa,
  };
  const keystore = await rt.keystore();
  const profile = {
    jid: bare,
    ...(server.host ? { host: server.host } : {}),
    ...(server.port ? { port: server.port } : {}),
    ...(server.tlsCa ? { tlsCa: (await import('node:path')).resolve(server.tlsCa) } : {}),
    // where the password goes is where this profile's secrets live from now on, whatever a later run finds
    keystore: keystore.kind,
    ...(opts.trust ? { trust: opts.trust } : {}),
  };
  for (let attempt = 1; ; attempt++) {
    const password =
      given ??
      (await askSecret(
        attempt === 1 ? `Password of ${bare}` : `Wrong password: try again (${attempt} of ${PROMPT_TRIES})`,
        instead,
      ));
    try {
      const view = await addProfile(keystore, {
        name,
        profile,
        password,
        replace: Boolean(opts.force),
        verify: opts.verify,
        timeoutSeconds: rt.globals.timeout,
      });
      rt.output.result(
        view,
        (v, color) =>
          `${color.green('✔')} profile ${v.name} saved${opts.verify ? ' (login checked)' : ''}\n${renderProfile(v, color)}`,
      );
      return;
    } catch (error) {
      if (!(error instanceof OxpsError) || error.code !== 'AUTH_FAILED') throw error;
      if (given === undefined && attempt < PROMPT_TRIES) continue;
      const check =
        given === undefined
          ? 'run the command again'
          : `check the password given by ${rt.globals.passwordCommand ? '--password-command' : opts.passwordFile ? '--password-file' : 'OXPS_PASSWORD'}`;
      throw new OxpsError('AUTH_FAILED', error.message, `no profile was saved; ${check}`);
    }
  }
}
