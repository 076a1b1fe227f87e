// oxps secret list|share|revoke|rotate (libervia-cli pubsub secret …)
import type { Command } from 'commander';
import { registerSecretList } from './list.js';
import { registerSecretShare } from './share.js';
import { registerSecretRevoke } from './revoke.js';
import { registerSecretRotate } from './rotate.js';

export function registerSecretCommands(program: Command): void {
  const secret = program.command('secret').description("manage a node's shared secrets");
  registerSecretShare(secret);
  registerSecretRevoke(secret);
  registerSecretRotate(secret);
  registerSecretList(secret);
}
