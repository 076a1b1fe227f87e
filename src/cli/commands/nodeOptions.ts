// -s SERVICE -n NODE, shared by every command that works on a node (as libervia-cli names them).
import type { Command } from 'commander';

export interface NodeOptions {
  service?: string;
  node: string;
}

export function nodeOptions(command: Command): Command {
  return command
    .option('-s, --service <jid>', 'pubsub service (default: your own account, i.e. PEP)')
    .requiredOption('-n, --node <node>', 'node name');
}
