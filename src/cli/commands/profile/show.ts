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
  const chosen = name === undefined ? (await rt.account()).profile : checkProfileName(String(name), 'the command line');
  rt.output.result(await showProfile(chosen), renderProfile);
}
