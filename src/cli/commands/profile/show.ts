// oxps profile show [NAME]
import type { Command } from 'commander';
import { action, type Runtime } from '../../runtime.js';
import { renderProfile } from './render.js';

export function registerProfileShow(profile: Command): void {
  profile.command('show').description('show a profile (default: the one in use)').argument('[name]', 'profile name').action(action(run));
}

async function run(rt: Runtime, name: unknown): Promise<void> {
  const { showProfile } = await import('../../../app/profiles.js');
  const { checkProfileName } = await import('../../../store/paths.js');
  if (name !== undefined) return rt.output.result(await showProfile(checkProfileName(String(name), 'the command line')), renderProfile);
  const { resolveAccount } = await import('../../account.js');
  const { account, source } = await resolveAccount(rt.globals.profile);
  if (source === 'profile') return rt.output.result(await showProfile(account.profile), renderProfile);
  const { profile, jid, host, port, tlsCa, trust } = account;
  rt.output.result({ name: profile, jid, host, port, tlsCa, trust, keystore: rt.keystoreChoice(), default: false, source }, renderProfile);
}
