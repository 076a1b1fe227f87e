// oxps config set KEY VALUE — defaults kept in the configuration file (for now: the keystore).
import { Argument, type Command } from 'commander';
import { OxpsError } from '../../errors.js';
import { action, type Runtime } from '../runtime.js';

const KEYSTORES = ['auto', 'keychain', 'vault'] as const;

export function registerConfig(program: Command): void {
  const config = program.command('config').description('defaults in the configuration file');
  config
    .command('set')
    .description(
      'set a default: keystore auto|keychain|vault (for profiles that record none, and for OXPS_JID)',
    )
    .addArgument(new Argument('<key>', 'what to set').choices(['keystore']))
    .argument('<value>', 'its value')
    .action(action(run));
}

async function run(rt: Runtime, key: 'keystore', value: string): Promise<void> {
  const keystore = KEYSTORES.find((k) => k === value);
  if (!keystore)
    throw new OxpsError(
      'USAGE',
      `keystore "${value}" is not one of ${KEYSTORES.join(', ')}`,
      'oxps config set keystore vault',
    );
  const { updateConfig } = await import('../../store/config.js');
  await updateConfig((c) => {
    c.keystore = keystore;
  }, rt.globals.lockWait * 1000);
  rt.output.result({ [key]: keystore }, (r, color) => `${color.green('✔')} default keystore: ${r.keystore}`);
}
