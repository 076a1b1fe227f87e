// oxps profile add|list|show|set|remove
import type { Command } from 'commander';
import { registerProfileAdd } from './add.js';
import { registerProfileList } from './list.js';
import { registerProfileShow } from './show.js';
import { registerProfileRemove } from './remove.js';
import { registerProfileSet } from './set.js';

export function registerProfileCommands(program: Command): void {
  const profile = program
    .command('profile')
    .description('manage accounts (JID, server, TLS trust; password in the keystore)');
  registerProfileAdd(profile);
  registerProfileList(profile);
  registerProfileShow(profile);
  registerProfileSet(profile);
  registerProfileRemove(profile);
}
