// oxps profile remove NAME — also deletes its keystore entries, state and cache.
import type { Command } from 'commander';
import { action, type Runtime } from '../../runtime.js';

export function registerProfileRemove(profile: Command): void {
  profile
    .command('remove')
    .description('remove a profile with its stored password, key, state and cache')
    .argument('<name>', 'profile name')
    .action(action(run));
}

async function run(rt: Runtime, name: unknown): Promise<void> {
  const { showProfile, removeProfile } = await import('../../../app/profiles.js');
  const { checkProfileName } = await import('../../../store/paths.js');
  const profile = await showProfile(checkProfileName(String(name), 'the command line'));
  await removeProfile(await rt.keystore(profile.keystore), profile.name);
  rt.output.result({ removed: profile.name }, (r, color) => `${color.green('✔')} profile ${r.removed} removed`);
}
