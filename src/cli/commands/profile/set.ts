// oxps profile set NAME --keystore KIND — where the profile's secrets live (moved there).
import type { Command } from 'commander';
import { OxpsError } from '../../../errors.js';
import { action, type Runtime } from '../../runtime.js';
import { renderProfile } from './render.js';
import { profileArgument } from './name.js';

export function registerProfileSet(profile: Command): void {
  profile
    .command('set')
    .description(
      'change a profile: --keystore KIND moves its secrets (password, key, state keys) there and keeps that choice',
    )
    .argument('<name>', 'profile name')
    .action(action(run));
}

async function run(rt: Runtime, name: string): Promise<void> {
  // --keystore is the global option, read here as the new place rather than the one to open
  const choice = rt.globals.keystore;
  if (!choice)
    throw new OxpsError(
      'USAGE',
      'nothing to set',
      'give the keystore: oxps profile set NAME --keystore vault (or keychain, auto)',
    );
  const { showProfile, moveProfileKeystore } = await import('../../../app/profiles.js');
  const current = await showProfile(await profileArgument(name));
  const from = await rt.openKeystore(current.keystore ?? 'auto');
  const to = await rt.openKeystore(choice);
  const view = await moveProfileKeystore(current.name, choice, from, to);
  rt.output.result(
    view,
    (v, color) =>
      `${color.green('✔')} profile ${v.name}: secrets in ${to.description}\n${renderProfile(v, color)}`,
  );
}
