// oxps secret list|share|revoke|rotate (libervia-cli pubsub secret …)
import type { Command } from 'commander';
import { registerSecretList } from './list.js';

export function registerSecretCommands(program: Command): void {
  const secret = program.command('secret').description("manage a node's shared secrets");
  registerSecretList(secret);
}
