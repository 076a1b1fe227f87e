// oxps profile show [NAME]
import type { Command } from 'commander';
import { action, type Runtime } from '../../runtime.js';
import { renderProfile } from './render.js';

export function registerProfileShow(profile: Command): void {
  profile.command('show').description('show a profile (default: the one in use)').argument('[name]', 'profile name').action(action(run));
}

async function run(rt: Runtime, name: unknown): Promise<void> {
  const { showProfile } = await import('../../../app/profiles.js');
  const chosen = (name as string | undefined) ?? (await rt.account()).profile;
  rt.output.result(await showProfile(chosen), renderProfile);
}
