// oxps profile list
import type { Command } from 'commander';
import { action, type Runtime } from '../../runtime.js';
import { renderProfile } from './render.js';

export function registerProfileList(profile: Command): void {
  profile.command('list').description('list profiles').action(action(run));
}

async function run(rt: Runtime): Promise<void> {
  const { listProfiles } = await import('../../../app/profiles.js');
  const profiles = await listProfiles();
  rt.output.result({ profiles }, ({ profiles: list }, color) =>
    list.length
      ? list.map((p) => renderProfile(p, color)).join('\n')
      : 'no profile yet: oxps profile add JID',
  );
}
