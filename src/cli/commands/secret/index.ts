// oxps secret list|share|revoke|rotate (libervia-cli pubsub secret …), trust-origin|forget|import
import type { Command } from 'commander';
import { registerSecretList } from './list.js';
import { registerSecretShare } from './share.js';
import { registerSecretRevoke } from './revoke.js';
import { registerSecretRotate } from './rotate.js';
import { registerSecretTrustOrigin } from './trustOrigin.js';
import { registerSecretForget } from './forget.js';
import { registerSecretImport } from './import.js';

export function registerSecretCommands(program: Command): void {
  const secret = program.command('secret').description("manage a node's shared secrets");
  registerSecretShare(secret);
  registerSecretRevoke(secret);
  registerSecretRotate(secret);
  registerSecretList(secret);
  registerSecretTrustOrigin(secret);
  registerSecretForget(secret);
  registerSecretImport(secret);
}
