// oxps profile add|list|show|remove
import type { Command } from 'commander';
import { registerProfileAdd } from './add.js';
import { registerProfileList } from './list.js';
import { registerProfileShow } from './show.js';
import { registerProfileRemove } from './remove.js';

export function registerProfileCommands(program: Command): void {
  const profile = program.command('profile').description('manage accounts (JID, server, TLS trust; password in the keystore)');
  registerProfileAdd(profile);
  registerProfileList(profile);
  registerProfileShow(profile);
  registerProfileRemove(profile);
}
