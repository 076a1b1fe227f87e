// The OS keychain for real: a Secret Service (gnome-keyring) on a private D-Bus session bus
// (dbus-run-session), and the fallback to the vault where there is no D-Bus at all (cron, CI).
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, readdir, stat, writeFile, access } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inject } from 'vitest';
import { BIN, TestUser, json } from '../helpers/cli.js';
import { cleanEnv } from '../harness/process.js';

const KEYRING_PASSWORD = 'testpass';

interface Step {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `steps` (bash) inside dbus-run-session with an unlocked gnome-keyring, each step's output
 * kept in OUT/NAME.{out,err,rc}; the keyring daemon is stopped by its pid at the end.
 */
async function inSecretService(
  user: TestUser,
  steps: string,
  env: Record<string, string>,
): Promise<{ output: (name: string) => Promise<Step>; keyringPid: number }> {
  const out = await mkdtemp(join(tmpdir(), 'oxps-keychain-out-'));
  const runtimeDir = await mkdtemp(join(tmpdir(), 'oxps-keychain-run-'));
  const script = join(out, 'steps.sh');
  await writeFile(
    script,
    `set -u
eval "$(printf '%s' "$KEYRING_PASSWORD" | gnome-keyring-daemon --unlock --components=secrets)"
# the daemon forks: wait until it owns the Secret Service name (never let D-Bus activate another one)
keyring_pid=
for i in $(seq 1 200); do
  keyring_pid=$(dbus-send --session --print-reply --dest=org.freedesktop.DBus / org.freedesktop.DBus.GetConnectionUnixProcessID string:org.freedesktop.secrets 2>/dev/null | awk '/uint32/ { print $2 }')
  [ -n "$keyring_pid" ] && break
  sleep 0.1
done
[ -n "$keyring_pid" ] || { echo "gnome-keyring-daemon did not take org.freedesktop.secrets" >&2; exit 3; }
echo "$keyring_pid" > "$OUT/keyring.pid"
step() { local name=$1; shift; "$@" > "$OUT/$name.out" 2> "$OUT/$name.err"; echo $? > "$OUT/$name.rc"; }
oxps() { node "$OXPS_BIN" "$@"; }
${steps}
kill "$keyring_pid"
`,
  );
  const code = await new Promise<number>((resolve, reject) => {
    const child = spawn('dbus-run-session', ['--', 'bash', script], {
      env: cleanEnv({
        ...user.env,
        OXPS_KEYSTORE: undefined,
        OXPS_PASSPHRASE: undefined,
        XDG_RUNTIME_DIR: runtimeDir,
        KEYRING_PASSWORD,
        OUT: out,
        OXPS_BIN: BIN,
        ...env,
      }),
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 90_000);
    child.on('error', reject);
    child.on('close', (c) => {
      clearTimeout(timer);
      if (c !== 0) reject(new Error(`dbus-run-session exited ${c}: ${stderr}`));
      else resolve(c);
    });
  });
  expect(code).toBe(0);
  const keyringPid = Number((await readFile(join(out, 'keyring.pid'), 'utf8')).trim());
  expect(keyringPid).toBeGreaterThan(0);
  const output = async (name: string) => ({
    code: Number((await readFile(join(out, `${name}.rc`), 'utf8')).trim()),
    stdout: await readFile(join(out, `${name}.out`), 'utf8'),
    stderr: await readFile(join(out, `${name}.err`), 'utf8'),
  });
  return { output, keyringPid };
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

async function filesBelow(dir: string): Promise<string[]> {
  if (!(await exists(dir))) return [];
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

describe('Secret Service keychain (gnome-keyring on a private D-Bus)', () => {
  it('keeps the password, the OpenPGP key and the state key in the keychain; profile remove deletes them', async () => {
    const user = await TestUser.create('kc');
    const server = inject('prosody');
    const profile = user.jid;
    const lookup = (entry: string) => `secret-tool lookup service oxps username ${profile}/${entry}`;
    const { output, keyringPid } = await inSecretService(
      user,
      `
step before secret-tool search --all service oxps
step add env OXPS_PASSWORD="$ACCOUNT_PASSWORD" node "$OXPS_BIN" --json --keystore keychain profile add ${profile} --host 127.0.0.1 --port ${server.port} --tls-ca ${server.certFile}
step password ${lookup('password')}
step generate oxps --json key generate --no-publish
step key ${lookup('openpgp-key')}
step node oxps --json encrypt-node -n urn:example:keychain
step statekey ${lookup('state-key')}
step doctor oxps --json doctor
step remove oxps --json profile remove ${profile}
step password-after ${lookup('password')}
step key-after ${lookup('openpgp-key')}
step statekey-after ${lookup('state-key')}
`,
      { ACCOUNT_PASSWORD: `${user.name}pass` },
    );

    // the keyring daemon we started was stopped by its pid
    for (let i = 0; i < 50 && (await exists(`/proc/${keyringPid}`)); i++)
      await new Promise((r) => setTimeout(r, 100));
    expect(await exists(`/proc/${keyringPid}`)).toBe(false);

    // a keyring of its own: nothing of oxps in it before the test
    expect(await output('before')).toMatchObject({ code: 0, stdout: '' });
    const add = await output('add');
    expect(add.code, add.stderr).toBe(0);
    expect(json(add)).toMatchObject({ name: profile, keystore: 'keychain' });
    expect(add.stderr).toBe('');
    expect(await output('password')).toEqual({ code: 0, stdout: `${user.name}pass`, stderr: '' });

    const generate = await output('generate');
    expect(generate.code, generate.stderr).toBe(0);
    expect(json(generate)).toMatchObject({
      published: false,
      fingerprint: expect.stringMatching(/^[0-9A-F]{40}$/),
    });
    const key = await output('key');
    expect(key.code).toBe(0);
    expect(key.stdout).toContain('-----BEGIN PGP PRIVATE KEY BLOCK-----');

    // a networked command logs in with the password from the keychain (no OXPS_PASSWORD)
    const node = await output('node');
    expect(node.code, node.stderr).toBe(0);
    expect(json(node)).toMatchObject({ created: true, newSecret: true });
    expect((await output('statekey')).stdout).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    // doctor reads the keychain and finds the key there (not yet published: that check fails)
    const doctor = await output('doctor');
    const checks = json<{ checks: Array<{ name: string; ok: boolean; detail: string }> }>(doctor).checks;
    expect(
      checks.filter((c) => !c.ok).map((c) => c.name),
      doctor.stdout,
    ).toEqual(['openpgp-key']);
    expect(checks.find((c) => c.name === 'keystore')!.detail).toMatch(/keychain.* answers$/i);
    expect(checks.find((c) => c.name === 'openpgp-key')!.detail).toContain('not on the public keys list');
    expect(doctor.code).toBe(9);
    // nothing went to a vault
    expect(await exists(join(user.env.XDG_DATA_HOME!, 'oxps', 'vault'))).toBe(false);

    const remove = await output('remove');
    expect(remove.code, remove.stderr).toBe(0);
    expect(json(remove)).toEqual({ removed: profile });
    for (const entry of ['password-after', 'key-after', 'statekey-after']) {
      const after = await output(entry);
      expect(after.code, entry).not.toBe(0);
      expect(after.stdout, entry).toBe('');
    }
    // the password is nowhere in oxps's files
    for (const file of [
      ...(await filesBelow(user.env.XDG_CONFIG_HOME!)),
      ...(await filesBelow(join(user.env.XDG_DATA_HOME!, 'oxps'))),
    ]) {
      expect((await readFile(file)).includes(Buffer.from(`${user.name}pass`)), file).toBe(false);
    }
  }, 120_000);
});

describe('profile set --keystore (gnome-keyring on a private D-Bus)', () => {
  it('#17.10 moves the password, key and state key from the keychain to the vault, and the profile keeps working', async () => {
    const user = await TestUser.create('mv');
    const server = inject('prosody');
    const profile = user.jid;
    const lookup = (entry: string) => `secret-tool lookup service oxps username ${profile}/${entry}`;
    const { output } = await inSecretService(
      user,
      `
step add env OXPS_PASSWORD="$ACCOUNT_PASSWORD" node "$OXPS_BIN" --json profile add ${profile} --host 127.0.0.1 --port ${server.port} --tls-ca ${server.certFile}
step generate oxps --json key generate --no-publish
step node oxps --json encrypt-node -n urn:example:move
step move env OXPS_PASSPHRASE=moved node "$OXPS_BIN" --json profile set ${profile} --keystore vault
step password-after ${lookup('password')}
step key-after ${lookup('openpgp-key')}
step list env OXPS_PASSPHRASE=moved node "$OXPS_BIN" --json secret list -n urn:example:move
`,
      { ACCOUNT_PASSWORD: `${user.name}pass` },
    );
    const add = await output('add');
    expect(add.code, add.stderr).toBe(0);
    // auto found the keychain, and the profile says so
    expect(json(add)).toMatchObject({ keystore: 'keychain' });
    expect((await output('node')).code).toBe(0);
    const move = await output('move');
    expect(move.code, move.stderr).toBe(0);
    expect(json(move)).toMatchObject({ name: profile, keystore: 'vault' });
    for (const entry of ['password-after', 'key-after']) expect((await output(entry)).stdout, entry).toBe('');
    // the state key moved with the rest: the node's secret is still readable, from the vault
    const list = await output('list');
    expect(list.code, list.stderr).toBe(0);
    expect(json<{ secrets: unknown[] }>(list).secrets).toHaveLength(1);
  }, 120_000);
});

describe('no D-Bus (cron, CI): --keystore auto falls back to the vault', () => {
  const withoutDbus = {
    OXPS_KEYSTORE: undefined,
    DBUS_SESSION_BUS_ADDRESS: undefined,
    XDG_RUNTIME_DIR: undefined,
  };

  it('says so in one line and uses the vault with OXPS_PASSPHRASE', async () => {
    const user = await TestUser.create('nodbus');
    const added = await user.run(['--keystore', 'auto', ...user.profileAddArgs()], {
      env: { ...withoutDbus, OXPS_PASSWORD: `${user.name}pass` },
    });
    expect(added.code, added.stderr).toBe(0);
    const vault = join(user.env.XDG_DATA_HOME!, 'oxps', 'vault');
    const lines = added.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^oxps: no desktop keychain here \(no D-Bus session\): using the vault /);
    expect(lines[0]).not.toMatch(/X11|autolaunch|DBus error/);
    expect(lines[0]).toContain(vault);
    expect(((await stat(vault)).mode & 0o777).toString(8)).toBe('600');

    // #17.10 the choice is remembered in the profile: later runs use the vault without a word
    const shown = json<{ keystore: string }>(
      await user.run(['--json', 'profile', 'show'], { env: withoutDbus }),
    );
    expect(shown.keystore).toBe('vault');
    const node = await user.run(['--json', 'encrypt-node', '-n', 'urn:example:nodbus'], { env: withoutDbus });
    expect(node.code, node.stderr).toBe(0);
    expect(node.stderr).toBe('');

    // without OXPS_PASSPHRASE (and no --passphrase-file, no terminal): exit 10 naming it
    const noPassphrase = await user.run(['encrypt-node', '-n', 'urn:example:nodbus'], {
      env: { ...withoutDbus, OXPS_PASSPHRASE: undefined },
    });
    expect(noPassphrase.code, noPassphrase.stderr).toBe(10);
    expect(noPassphrase.stderr).toContain('OXPS_PASSPHRASE');
    expect(noPassphrase.stderr).toContain(vault);

    // --passphrase-file answers instead
    const file = join(user.home, 'passphrase');
    await writeFile(file, `${user.env.OXPS_PASSPHRASE}\n`, { mode: 0o600 });
    const fromFile = await user.run(['--passphrase-file', file, 'encrypt-node', '-n', 'urn:example:nodbus'], {
      env: { ...withoutDbus, OXPS_PASSPHRASE: undefined },
    });
    expect(fromFile.code, fromFile.stderr).toBe(0);
  });

  it('#17.10 an account from OXPS_JID hears about the vault once, when it is made', async () => {
    const user = await TestUser.create('nodbus');
    const server = inject('prosody');
    const env = {
      ...withoutDbus,
      OXPS_JID: user.jid,
      OXPS_PASSWORD: `${user.name}pass`,
      OXPS_HOST: '127.0.0.1',
      OXPS_PORT: String(server.port),
      OXPS_TLS_CA: server.certFile,
    };
    const first = await user.run(['encrypt-node', '-n', 'urn:example:once'], { env });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stderr).toMatch(
      /^oxps: no desktop keychain here \(no D-Bus session\): using the vault \S+\n$/,
    );
    const second = await user.run(['secret', 'list', '-n', 'urn:example:once'], { env });
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toBe('');
  });

  it('#17.10 config set keystore vault: the OXPS_JID account goes to the vault without probing or a notice', async () => {
    const user = await TestUser.create('cfgks');
    const server = inject('prosody');
    const env = {
      ...withoutDbus,
      OXPS_JID: user.jid,
      OXPS_PASSWORD: `${user.name}pass`,
      OXPS_HOST: '127.0.0.1',
      OXPS_PORT: String(server.port),
      OXPS_TLS_CA: server.certFile,
    };
    const set = await user.run(['--json', 'config', 'set', 'keystore', 'vault'], { env });
    expect(set.code, set.stderr).toBe(0);
    expect(json(set)).toEqual({ keystore: 'vault' });
    const node = await user.run(['encrypt-node', '-n', 'urn:example:cfg'], { env });
    expect(node.code, node.stderr).toBe(0);
    expect(node.stderr).toBe('');
    expect(await exists(join(user.env.XDG_DATA_HOME!, 'oxps', 'vault'))).toBe(true);
    expect((await user.run(['config', 'set', 'keystore', 'nowhere'], { env })).code).toBe(2);
  });

  it("#17.10 profile set NAME --keystore vault moves the profile's secrets to the vault and records it", async () => {
    const user = await TestUser.create('setks');
    await user.addProfile();
    // an older profile without a recorded keystore: auto
    const config = join(user.env.XDG_CONFIG_HOME!, 'oxps', 'config.json');
    const parsed = JSON.parse(await readFile(config, 'utf8')) as {
      profiles: Record<string, { keystore?: string }>;
    };
    delete parsed.profiles[user.jid]!.keystore;
    await writeFile(config, JSON.stringify(parsed), { mode: 0o600 });
    expect(
      json<{ keystore: string }>(await user.run(['--json', 'profile', 'show'], { env: withoutDbus }))
        .keystore,
    ).toBe('auto');

    const set = await user.run(['--json', 'profile', 'set', user.jid, '--keystore', 'vault'], {
      env: withoutDbus,
    });
    expect(set.code, set.stderr).toBe(0);
    expect(json(set)).toMatchObject({ name: user.jid, keystore: 'vault' });
    const node = await user.run(['encrypt-node', '-n', 'urn:example:set'], { env: withoutDbus });
    expect(node.code, node.stderr).toBe(0);
    expect(node.stderr).toBe('');
    // an unknown profile: exit 3
    expect(
      (await user.run(['profile', 'set', 'nobody@localhost', '--keystore', 'vault'], { env: withoutDbus }))
        .code,
    ).toBe(3);
  });

  it('a new vault without a passphrase source fails with exit 10 and creates nothing', async () => {
    const user = await TestUser.create('nodbus');
    const result = await user.run(user.profileAddArgs(), {
      env: { ...withoutDbus, OXPS_PASSPHRASE: undefined, OXPS_PASSWORD: `${user.name}pass` },
    });
    expect(result.code, result.stderr).toBe(10);
    expect(result.stderr).toContain('OXPS_PASSPHRASE');
    expect(await exists(join(user.env.XDG_DATA_HOME!, 'oxps', 'vault'))).toBe(false);
    const listed = json<{ profiles: unknown[] }>(
      await user.run(['--json', 'profile', 'list'], { env: withoutDbus }),
    );
    expect(listed.profiles).toEqual([]);
  });
});
