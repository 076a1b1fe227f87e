// The oxps command line: global options and the command tree. Command modules only define
// options here; what they run is imported when they run, so --help and --version stay cheap.
import { Command, Option } from 'commander';
import { seconds } from './options.js';
import { registerProfileCommands } from './commands/profile/index.js';
import { registerSecretCommands } from './commands/secret/index.js';
import { registerEncryptNode } from './commands/encryptNode.js';
import { registerPublish } from './commands/publish.js';
import { registerRetract } from './commands/retract.js';
import { registerFetch } from './commands/fetch.js';
import { registerKeyCommands } from './commands/key/index.js';
import { registerSync } from './commands/sync.js';
import { registerBlog } from './commands/blog.js';
import { registerDoctor } from './commands/doctor.js';
import { registerCompletion } from './commands/completion.js';
import { registerConfig } from './commands/config.js';
import { registerNodeCommands } from './commands/node/index.js';

export function buildProgram(version: string): Command {
  const program = new Command('oxps')
    .description('End-to-end encrypted XMPP pubsub nodes (XEP-0473 OpenPGP for XMPP Pubsub)')
    .version(version, '-V, --version')
    .option('-p, --profile <name>', 'profile to use (default: the default profile, or OXPS_JID)')
    .option('--json', 'print one JSON document (errors as JSON on stderr)')
    .option('-v, --verbose', 'show each step on stderr')
    .option('-q, --quiet', 'print only results and warnings')
    .addOption(new Option('--keystore <kind>', 'where secrets live').choices(['auto', 'keychain', 'vault']))
    .option(
      '--passphrase-file <file>',
      'file holding the vault passphrase (else OXPS_PASSPHRASE, else a prompt)',
    )
    .option(
      '--password-command <command>',
      'command printing the account password (run without a shell), e.g. "pass xmpp/me"',
    )
    .option('--timeout <seconds>', 'network timeout', seconds, 20)
    .option('--lock-wait <seconds>', 'how long to wait for another oxps run on the same profile', seconds, 30)
    .option('--no-sync', 'do not process pending secret messages before the command')
    .addOption(
      new Option(
        '--trust <policy>',
        "which contacts' keys to use: btbv (blind trust before verification), manual, always",
      ).choices(['btbv', 'manual', 'always']),
    )
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ outputError: (text, write) => write(text) });
  program.exitOverride((error) => {
    // commander's usage errors exit 1; ours are 2 (see the exit code table)
    process.exit(error.exitCode === 0 ? 0 : 2);
  });

  registerProfileCommands(program);
  registerConfig(program);
  registerKeyCommands(program);
  registerEncryptNode(program);
  registerPublish(program);
  registerRetract(program);
  registerFetch(program);
  registerSecretCommands(program);
  registerNodeCommands(program);
  registerSync(program);
  registerBlog(program);
  registerDoctor(program);
  registerCompletion(program);
  return program;
}
