// npm run demo: the tool's main job on a throwaway local server. Starts Prosody, makes a
// profile for alice (password and vault passphrase from the environment, as in cron), turns a
// PEP node into an encrypted node, publishes an Atom entry signed with a new OpenPGP key and
// fetches it back decrypted, its signature verified.
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startProsody, removeServerDir } from '../test/harness/prosody.js';
import { profileAddArgs } from '../test/harness/device.js';

const bin = fileURLToPath(new URL('../../bin/oxps', import.meta.url));
const home = await mkdtemp(join(tmpdir(), 'oxps-demo-'));
const env: NodeJS.ProcessEnv = {
  ...process.env,
  XDG_CONFIG_HOME: join(home, 'config'),
  XDG_DATA_HOME: join(home, 'data'),
  XDG_CACHE_HOME: join(home, 'cache'),
  OXPS_KEYSTORE: 'vault',
  OXPS_PASSPHRASE: 'demo vault passphrase',
};

function step(title: string, args: string[], input?: string): void {
  process.stdout.write(`\n\x1b[1m▶ ${title}\x1b[0m\n$ oxps ${args.join(' ')}\n`);
  const result = spawnSync(process.execPath, [bin, ...args], {
    env,
    input,
    stdio: ['pipe', 'inherit', 'inherit'],
  });
  if (result.status !== 0) throw new Error(`step "${title}" failed with exit code ${result.status}`);
}

process.stdout.write('Starting a throwaway Prosody on 127.0.0.1…\n');
const server = await startProsody();
let failed = false;
try {
  const node = 'urn:example:oxps:demo';
  env.OXPS_PASSWORD = 'alicepass';
  step(
    'add a profile (password from OXPS_PASSWORD, stored in the encrypted vault)',
    profileAddArgs('alice@localhost', server),
  );
  delete env.OXPS_PASSWORD;
  step('make an OpenPGP key and publish it (XEP-0373)', ['key', 'generate']);
  step('make an encrypted node (whitelist access model, first secret)', ['encrypt-node', '-n', node]);
  step(
    'publish an Atom entry, encrypted and signed',
    ['publish', '--sign', '-n', node, '-'],
    "<entry xmlns='http://www.w3.org/2005/Atom'><title>Hello from oxps</title><content>Only whitelisted readers with the secret can read this.</content></entry>",
  );
  step('fetch and decrypt', ['fetch', '-n', node]);
  step('list the node secrets', ['secret', 'list', '-n', node]);
  process.stdout.write('\n\x1b[32m✔ demo finished\x1b[0m\n');
} catch (error) {
  failed = true;
  process.stderr.write(`demo failed: ${(error as Error).message}\n`);
} finally {
  await server.stop();
  await removeServerDir(server);
  await rm(home, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
