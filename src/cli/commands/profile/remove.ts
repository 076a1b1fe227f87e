// oxps profile remove NAME — also deletes its keystore entries, state and cache.
import type { Command } from 'commander';
import { action, type Runtime } from '../../runtime.js';
import { profileArgument } from './name.js';

export function registerProfileRemove(profile: Command): void {
  profile
    .command('remove')
    .description('remove a profile with its stored password, key, state and cache')
    .argument('<name>', 'profile name')
    .action(action(run));
}

async function run(rt: Runtime, name: string): Promise<void> {
  const { showProfile, removeProfile } = await import('../../../app/profiles.js');
  const profile = await showProfile(await profileArgument(name));
  await removeProfile(await rt.keystore(profile.keystore), profile.name);
  rt.output.result(
    { removed: profile.name },
    (r, color) => `${color.green('✔')} profile ${r.removed} removed`,
  );
}
