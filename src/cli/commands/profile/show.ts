// oxps profile show [NAME]
import type { Command } from 'commander';
import { action, type Runtime } from '../../runtime.js';
import { renderProfile } from './render.js';
import { profileArgument } from './name.js';

export function registerProfileShow(profile: Command): void {
  profile
    .command('show')
    .description('show a profile (default: the one in use)')
    .argument('[name]', 'profile name')
    .action(action(run));
}

async function run(rt: Runtime, name: string | undefined): Promise<void> {
  const { showProfile } = await import('../../../app/profiles.js');
  if (name !== undefined)
    return rt.output.result(await showProfile(await profileArgument(name)), renderProfile);
  const { resolveAccount } = await import('../../../app/account.js');
  const { account, source } = await resolveAccount(rt.globals.profile);
  if (source === 'profile') return rt.output.result(await showProfile(account.profile), renderProfile);
  const { profile, jid, host, port, tlsCa, trust } = account;
  rt.output.result(
    { name: profile, jid, host, port, tlsCa, trust, keystore: rt.keystoreChoice(), default: false, source },
    renderProfile,
  );
}
