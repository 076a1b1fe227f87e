// oxps node … — commands on a node as a whole.
import type { Command } from 'commander';
import { registerNodeAudit } from './audit.js';
import { registerNodeSet } from './set.js';

export function registerNodeCommands(program: Command): void {
  const node = program
    .command('node')
    .description('commands on a node as a whole: audit it, set how oxps treats it');
  registerNodeAudit(node);
  registerNodeSet(node);
}
