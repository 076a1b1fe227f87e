// oxps key generate|publish|list|trust|backup|restore (XEP-0373 identity)
import type { Command } from 'commander';
import { registerKeyGenerate } from './generate.js';
import { registerKeyPublish } from './publish.js';
import { registerKeyList } from './list.js';
import { registerKeyTrust } from './trust.js';
import { registerKeyBackup } from './backup.js';
import { registerKeyRestore } from './restore.js';

export function registerKeyCommands(program: Command): void {
  const key = program
    .command('key')
    .description("your OpenPGP identity for XMPP (XEP-0373) and contacts' keys");
  registerKeyGenerate(key);
  registerKeyPublish(key);
  registerKeyList(key);
  registerKeyTrust(key);
  registerKeyBackup(key);
  registerKeyRestore(key);
}
