// `oxps profile …` against the real Prosody: every password source (environment, file, file
// descriptor, a prompt in a real terminal), list/show/remove, the connection errors with their
// exit codes, and where the password must never end up (argv, files on disk).
import { describe, expect, it, beforeAll } from 'vitest';
import { spawn, execFile } from 'node:child_process';
import { mkdir, readFile, readdir, stat, writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { inject } from 'vitest';
import { BIN, TestUser, json, type RunResult } from '../helpers/cli.js';
import { cleanEnv } from '../harness/process.js';
import { freePort } from '../harness/prosody.js';
import { VaultStore } from '../../src/store/keystore/vault.js';

const execFileAsync = promisify(execFile);

function serverArgs(withCa = true): string[] {
  const server = inject('prosody');
  return [
    '--host',
    '127.0.0.1',
    '--port',
    String(server.port),
    ...(withCa ? ['--tls-ca', server.certFile] : []),
  ];
}

const passwordOf = (user: TestUser): string => `${user.name}pass`;

/** Every regular file below dir. */
async function filesBelow(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

/** The files under the user's home whose bytes contain `needle`. */
async function filesContaining(user: TestUser, needle: string): Promise<string[]> {
  const found: string[] = [];
  for (const file of await filesBelow(user.home)) {
    if ((await readFile(file)).includes(Buffer.from(needle, 'utf8'))) found.push(file);
  }
  return found;
}

async function expectPrivate(path: string): Promise<void> {
  expect(((await stat(path)).mode & 0o777).toString(8), path).toBe('600');
}

function oneLine(result: RunResult): string {
  const lines = result.stderr.trim().split('\n');
  expect(lines, result.stderr).toHaveLength(1);
  return lines[0]!;
}

/** Runs oxps with the password written to an extra file descriptor 3 (a pipe of the parent). */
function runWithFd3(user: TestUser, args: string[], secret: string): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: cleanEnv(user.env),
      stdio: ['pipe', 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const fd3 = child.stdio[3] as NodeJS.WritableStream & { on: (event: string, f: () => void) => void };
    fd3.on('error', () => undefined); // a child that never reads fd 3 resets the pipe: its exit code tells
    fd3.end(`${secret}\n`);
    child.stdin.end();
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
  });
}

const shellQuote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;

/** The pids whose parent is `ppid` (from /proc). */
async function childrenOf(ppid: number): Promise<number[]> {
  const pids: number[] = [];
  for (const name of await readdir('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const statText = await readFile(`/proc/${name}/stat`, 'utf8').catch(() => '');
    // pid (comm) state ppid …; comm may contain spaces, so split after the last ')'
    const fields = statText.slice(statText.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[1]) === ppid) pids.push(Number(name));
  }
  return pids;
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('profile add: password sources', () => {
  it('takes the password from OXPS_PASSWORD and checks the login', async () => {
    const user = await TestUser.create('alice');
    const added = await user.run(['--json', 'profile', 'add', user.jid, ...serverArgs()], {
      env: { OXPS_PASSWORD: passwordOf(user) },
    });
    expect(added.code, added.stderr).toBe(0);
    expect(json(added)).toMatchObject({
      name: user.jid,
      jid: user.jid,
      host: '127.0.0.1',
      port: inject('prosody').port,
      default: true,
    });
    // the stored password logs in: no OXPS_PASSWORD from now on
    const node = await user.run(['--json', 'encrypt-node', '-n', 'urn:example:profile:env']);
    expect(node.code, node.stderr).toBe(0);
    expect(await filesContaining(user, passwordOf(user))).toEqual([]);
  });

  it('takes the password from --password-file FILE (first line)', async () => {
    const user = await TestUser.create('bob');
    const dir = await mkdtemp(join(tmpdir(), 'oxps-pwfile-'));
    const file = join(dir, 'password');
    await writeFile(file, `${passwordOf(user)}\nsecond line ignored\n`, { mode: 0o600 });
    const added = await user.run(['profile', 'add', user.jid, ...serverArgs(), '--password-file', file]);
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toContain(`profile ${user.jid} saved (login checked)`);
    const node = await user.run(['encrypt-node', '-n', 'urn:example:profile:file']);
    expect(node.code, node.stderr).toBe(0);
    expect(await filesContaining(user, passwordOf(user))).toEqual([]);
  });

  it('takes the password from --password-file /dev/fd/3', async () => {
    const user = await TestUser.create('carol');
    const added = await runWithFd3(
      user,
      ['profile', 'add', user.jid, ...serverArgs(), '--password-file', '/dev/fd/3'],
      passwordOf(user),
    );
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toContain(`profile ${user.jid} saved`);
    const node = await user.run(['encrypt-node', '-n', 'urn:example:profile:fd']);
    expect(node.code, node.stderr).toBe(0);
    // a wrong password through the same descriptor is refused: the descriptor really was read
    const other = await TestUser.device(user.name);
    const wrong = await runWithFd3(
      other,
      ['profile', 'add', user.jid, ...serverArgs(), '--password-file', '/dev/fd/3'],
      'not the password',
    );
    expect(wrong.code, wrong.stderr).toBe(4);
  });

  it('takes the password from --password-command, at profile add and for a run with no profile at all', async () => {
    const user = await TestUser.create('hank');
    const dir = await mkdtemp(join(tmpdir(), 'oxps pw command '));
    const file = join(dir, 'xmpp password');
    await writeFile(file, `${passwordOf(user)}\n`, { mode: 0o600 });
    const command = `cat '${file}'`; // a quoted path with spaces, as a shell would split it
    const added = await user.run([
      'profile',
      'add',
      user.jid,
      ...serverArgs(),
      '--password-command',
      command,
    ]);
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toContain(`profile ${user.jid} saved (login checked)`);
    expect(await filesContaining(user, passwordOf(user))).toEqual([]);

    // CI style: the account from the environment, the password from the command, nothing stored
    const fresh = await TestUser.device(user.name);
    const accountEnv = {
      OXPS_JID: user.jid,
      OXPS_HOST: '127.0.0.1',
      OXPS_PORT: String(inject('prosody').port),
      OXPS_TLS_CA: inject('prosody').certFile,
    };
    const node = await fresh.run(
      ['--password-command', command, 'encrypt-node', '-n', 'urn:example:profile:command'],
      { env: accountEnv },
    );
    expect(node.code, node.stderr).toBe(0);
    const piped = await fresh.run(
      ['--password-command', `cat '${file}' | head -1`, 'encrypt-node', '-n', 'urn:example:profile:command'],
      { env: accountEnv },
    );
    expect(piped.code).toBe(2);
    expect(oneLine(piped)).toContain('--password-command runs without a shell and cannot take "|"');
  });

  it('#12.10 runs --password-command without the OXPS_* secrets in its environment, PATH and HOME kept', async () => {
    const user = await TestUser.create('ivy');
    const dir = await mkdtemp(join(tmpdir(), 'oxps-pwenv-'));
    const envFile = join(dir, 'environment');
    const script = join(dir, 'print-env');
    await writeFile(
      script,
      `#!/bin/sh\nenv > ${shellQuote(envFile)}\necho ${shellQuote(passwordOf(user))}\n`,
      { mode: 0o700 },
    );
    const added = await user.run(
      ['profile', 'add', user.jid, ...serverArgs(), '--password-command', script],
      {
        env: { OXPS_PASSWORD: 'an-inherited-password', OXPS_PROFILE_NOTE: 'any OXPS_ variable' },
      },
    );
    expect(added.code, added.stderr).toBe(0);
    const environment = await readFile(envFile, 'utf8');
    expect(environment).not.toMatch(/^OXPS_/m);
    expect(environment).not.toContain(user.env.OXPS_PASSPHRASE);
    expect(environment).not.toContain('an-inherited-password');
    expect(environment).toMatch(/^PATH=/m);
    expect(environment).toMatch(/^HOME=\//m);
  });

  it('asks for the password on a real terminal (tmux), never showing it in argv or on disk', async () => {
    const user = await TestUser.create('dave');
    const password = passwordOf(user);
    const socket = `oxps-test-${process.pid}-${randomBytes(3).toString('hex')}`;
    const exitFile = join(user.home, 'exit-code');
    const env = cleanEnv({ ...user.env, TERM: 'screen' });
    const script = join(user.home, 'prompt.sh');
    await writeFile(
      script,
      [
        '#!/bin/sh',
        `env -i ${Object.entries(env)
          .map(([k, v]) => `${k}=${shellQuote(v ?? '')}`)
          .join(
            ' ',
          )} ${shellQuote(process.execPath)} ${shellQuote(BIN)} profile add ${shellQuote(user.jid)} ${serverArgs().map(shellQuote).join(' ')}`,
        'code=$?',
        `echo "$code" > ${shellQuote(exitFile)}`,
        'echo "EXIT=$code"',
        'exec sleep 600',
        '',
      ].join('\n'),
    );
    const tmux = (...args: string[]) => execFileAsync('tmux', ['-L', socket, ...args]);
    await tmux('new-session', '-d', '-s', 'oxps', '-x', '160', '-y', '40', `sh ${shellQuote(script)}`);
    try {
      const screen = async () => (await tmux('capture-pane', '-p', '-t', 'oxps')).stdout;
      const prompt = await waitFor('the password prompt', async () =>
        (await screen()).includes('Password') ? screen() : undefined,
      );
      expect(prompt).toContain(`Password of ${user.jid}`);

      // the oxps process is waiting at the prompt: inspect its argv and environment
      const panePid = Number((await tmux('list-panes', '-t', 'oxps', '-F', '#{pane_pid}')).stdout.trim());
      const [oxpsPid] = await waitFor('the oxps process', async () => {
        const pids = await childrenOf(panePid);
        return pids.length ? pids : undefined;
      });
      const argv = (await readFile(`/proc/${oxpsPid}/cmdline`, 'utf8')).split('\0');
      expect(argv).toEqual(expect.arrayContaining([BIN, 'profile', 'add', user.jid]));
      expect(argv.join(' ')).not.toContain(password);
      expect(await readFile(`/proc/${oxpsPid}/environ`, 'utf8')).not.toContain(password);

      await tmux('send-keys', '-t', 'oxps', '-l', password);
      await tmux('send-keys', '-t', 'oxps', 'Enter');
      const done = await waitFor('oxps to finish', async () =>
        (await screen()).includes('EXIT=') ? screen() : undefined,
      );
      expect(done).toContain(`profile ${user.jid} saved (login checked)`);
      expect(done).not.toContain(password); // the prompt masks what is typed
      expect(done).toContain('EXIT=0');
      expect((await readFile(exitFile, 'utf8')).trim()).toBe('0');
    } finally {
      await tmux('kill-server').catch(() => undefined);
    }

    const node = await user.run(['encrypt-node', '-n', 'urn:example:profile:tty']);
    expect(node.code, node.stderr).toBe(0);
    expect(await filesContaining(user, password)).toEqual([]);
    const configFile = join(user.env.XDG_CONFIG_HOME!, 'oxps', 'config.json');
    const vaultFile = join(user.env.XDG_DATA_HOME!, 'oxps', 'vault');
    await expectPrivate(configFile);
    await expectPrivate(vaultFile);
    expect(JSON.parse(await readFile(configFile, 'utf8')).profiles[user.jid].jid).toBe(user.jid);
  });

  it('without a terminal and no password source, refuses with exit 2 naming the options', async () => {
    const user = await TestUser.create('erin');
    const result = await user.run(['profile', 'add', user.jid, ...serverArgs()]);
    expect(result.code).toBe(2);
    expect(oneLine(result)).toMatch(/--password-file.*OXPS_PASSWORD/);
  });
});

describe('profile list, show, remove', () => {
  let user: TestUser;
  const other = 'second';

  beforeAll(async () => {
    user = await TestUser.create('frank');
    await user.addProfile();
    const second = await user.run(['-p', other, 'profile', 'add', user.jid, ...serverArgs(), '--no-verify'], {
      env: { OXPS_PASSWORD: passwordOf(user) },
    });
    expect(second.code, second.stderr).toBe(0);
  });

  it('lists the profiles, the first one as default', async () => {
    const listed = json<{ profiles: Array<{ name: string; jid: string; default: boolean; tlsCa?: string }> }>(
      await user.run(['--json', 'profile', 'list']),
    );
    expect(listed.profiles.map((p) => [p.name, p.jid, p.default])).toEqual([
      [user.jid, user.jid, true],
      [other, user.jid, false],
    ]);
    expect(listed.profiles[0]!.tlsCa).toBe(inject('prosody').certFile);
    const human = await user.run(['profile', 'list']);
    expect(human.code).toBe(0);
    expect(human.stdout).toContain(`${user.jid} (default)`);
    expect(human.stdout).toContain(`server    127.0.0.1:${inject('prosody').port}`);
    expect(human.stdout).not.toContain(passwordOf(user));
  });

  it('shows one profile, and fails with exit 3 for an unknown one', async () => {
    const shown = await user.run(['--json', 'profile', 'show', other]);
    expect(shown.code, shown.stderr).toBe(0);
    expect(json(shown)).toMatchObject({ name: other, jid: user.jid, default: false });
    expect(JSON.stringify(json(shown))).not.toContain(passwordOf(user));
    const missing = await user.run(['profile', 'show', 'nope']);
    expect(missing.code).toBe(3);
    expect(oneLine(missing)).toContain('no profile "nope"');
  });

  it('remove deletes the stored password: later runs fail with exit 3', async () => {
    const vault = new VaultStore(
      join(user.env.XDG_DATA_HOME!, 'oxps', 'vault'),
      async () => user.env.OXPS_PASSPHRASE!,
    );
    expect(await vault.get(user.jid, 'password')).toBe(passwordOf(user));
    // the account from the environment logs in with the password stored under its profile name
    const accountEnv = {
      OXPS_JID: user.jid,
      OXPS_HOST: '127.0.0.1',
      OXPS_PORT: String(inject('prosody').port),
      OXPS_TLS_CA: inject('prosody').certFile,
    };
    const before = await user.run(['encrypt-node', '-n', 'urn:example:profile:remove'], { env: accountEnv });
    expect(before.code, before.stderr).toBe(0);

    const removed = await user.run(['--json', 'profile', 'remove', user.jid]);
    expect(removed.code, removed.stderr).toBe(0);
    expect(json(removed)).toEqual({ removed: user.jid });
    expect(
      await new VaultStore(vault.path, async () => user.env.OXPS_PASSPHRASE!).get(user.jid, 'password'),
    ).toBeUndefined();

    const noPassword = await user.run(['encrypt-node', '-n', 'urn:example:profile:remove'], {
      env: accountEnv,
    });
    expect(noPassword.code).toBe(3);
    expect(oneLine(noPassword)).toContain(`no password stored for profile "${user.jid}"`);
    const noProfile = await user.run(['-p', user.jid, 'encrypt-node', '-n', 'urn:example:profile:remove']);
    expect(noProfile.code).toBe(3);
    expect(oneLine(noProfile)).toContain(`no profile "${user.jid}" (known: ${other})`);
    // the other profile became the default, and still has its own password
    const listed = json<{ profiles: Array<{ name: string; default: boolean }> }>(
      await user.run(['--json', 'profile', 'list']),
    );
    expect(listed.profiles).toEqual([expect.objectContaining({ name: other, default: true })]);
    expect(
      await new VaultStore(vault.path, async () => user.env.OXPS_PASSPHRASE!).get(other, 'password'),
    ).toBe(passwordOf(user));
  });
});

describe('profile add: connection errors', () => {
  let user: TestUser;

  beforeAll(async () => {
    user = await TestUser.create('gina');
  });

  async function add(jid: string, args: string[], password = passwordOf(user)): Promise<RunResult> {
    return user.run(['profile', 'add', jid, ...args], { env: { OXPS_PASSWORD: password } });
  }

  async function nothingStored(): Promise<void> {
    const listed = json<{ profiles: unknown[] }>(await user.run(['--json', 'profile', 'list']));
    expect(listed.profiles).toEqual([]);
  }

  it('wrong password: exit 4, authentication failed for the JID', async () => {
    const result = await add(user.jid, serverArgs(), 'not the password');
    expect(result.code).toBe(4);
    expect(oneLine(result)).toContain(`authentication failed for ${user.jid}`);
    expect(result.stderr).not.toContain('not the password');
    await nothingStored();
  });

  it('nothing listening: exit 5, cannot reach host:port (ECONNREFUSED)', async () => {
    const port = await freePort();
    const result = await add(user.jid, [
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--tls-ca',
      inject('prosody').certFile,
    ]);
    expect(result.code).toBe(5);
    expect(oneLine(result)).toContain(`cannot reach 127.0.0.1:${port} (ECONNREFUSED`);
    await nothingStored();
  });

  it('untrusted certificate: exit 6, the hint names --tls-ca', async () => {
    const result = await add(user.jid, serverArgs(false));
    expect(result.code).toBe(6);
    const line = oneLine(result);
    expect(line).toContain('refusing the TLS certificate of localhost');
    expect(line).toContain('--tls-ca');
    await nothingStored();
  });

  it('certificate for another name: exit 6, not valid for mismatch.localhost', async () => {
    const result = await add('alice@mismatch.localhost', serverArgs(), 'alicepass');
    expect(result.code).toBe(6);
    expect(oneLine(result)).toContain('not valid for mismatch.localhost');
    await nothingStored();
  });

  it('server without STARTTLS: exit 6, did not offer STARTTLS (the password is not sent in clear)', async () => {
    const result = await add('alice@notls.localhost', serverArgs(), 'alicepass');
    expect(result.code).toBe(6);
    expect(oneLine(result)).toContain('notls.localhost did not offer STARTTLS');
    await nothingStored();
  });
});

describe("profile names stay inside oxps's own folders", () => {
  it('#12.2 refuses -p .., -p ., -p ../x, names with / and over-long names: exit 2, one line, nothing stored', async () => {
    const user = await TestUser.device('jane');
    const refused = ['..', '.', '...', '../x', 'a/b', '/etc', 'x'.repeat(129), 'two words', ''];
    for (const name of refused) {
      const result = await user.run(['-p', name, 'profile', 'add', user.jid, '--no-verify'], {
        env: { OXPS_PASSWORD: 'pw' },
      });
      expect(result.code, `-p ${JSON.stringify(name)}: ${result.stderr}`).toBe(2);
      expect(oneLine(result)).toContain(`profile name ${JSON.stringify(name)} (from -p) is not allowed`);
    }
    const fromEnv = await user.run(['encrypt-node', '-n', 'urn:example:names'], {
      env: { OXPS_PROFILE: '..' },
    });
    expect(fromEnv.code).toBe(2);
    expect(oneLine(fromEnv)).toContain('profile name ".." (from OXPS_PROFILE) is not allowed');
    for (const command of [
      ['profile', 'show', '../x'],
      ['profile', 'remove', '..'],
      ['profile', 'remove', '.'],
    ]) {
      const result = await user.run(command);
      expect(result.code, `${command.join(' ')}: ${result.stderr}`).toBe(2);
      expect(oneLine(result)).toContain('is not allowed');
    }
    const listed = json<{ profiles: unknown[] }>(await user.run(['--json', 'profile', 'list']));
    expect(listed.profiles).toEqual([]);
  });

  it('#12.2 accepts the JID as a name, and names with . @ + - _', async () => {
    const user = await TestUser.device('kate');
    for (const name of [user.jid, 'me+blog@example.org', 'work.blog_2-x']) {
      const result = await user.run(['-p', name, 'profile', 'add', user.jid, '--no-verify'], {
        env: { OXPS_PASSWORD: 'pw' },
      });
      expect(result.code, `${name}: ${result.stderr}`).toBe(0);
    }
  });

  it("#12.2 profile remove never deletes outside oxps's folders: files beside them survive", async () => {
    const user = await TestUser.device('liam');
    const data = user.env.XDG_DATA_HOME!;
    const cache = user.env.XDG_CACHE_HOME!;
    const siblings = [
      join(data, 'other-app', 'keep'),
      join(cache, 'other-app', 'keep'),
      join(data, 'keep'),
      join(cache, 'keep'),
    ];
    for (const file of siblings) {
      await mkdir(join(file, '..'), { recursive: true });
      await writeFile(file, "not oxps's");
    }
    const survive = async (): Promise<void> => {
      for (const file of siblings) expect(await readFile(file, 'utf8'), file).toBe("not oxps's");
    };

    // the attack of the issue: a profile named "..", then its removal
    await user.run(['-p', '..', 'profile', 'add', user.jid, '--no-verify'], { env: { OXPS_PASSWORD: 'pw' } });
    await user.run(['profile', 'remove', '..']);
    await survive();

    // a configuration file edited by hand to name a profile "." or "..": refused, nothing deleted
    const configFile = join(user.env.XDG_CONFIG_HOME!, 'oxps', 'config.json');
    for (const name of ['.', '..']) {
      await mkdir(join(configFile, '..'), { recursive: true });
      await writeFile(
        configFile,
        JSON.stringify({ version: 1, defaultProfile: name, profiles: { [name]: { jid: user.jid } } }),
        { mode: 0o600 },
      );
      for (const command of [
        ['profile', 'remove', name],
        ['encrypt-node', '-n', 'urn:example:names'],
      ]) {
        const refused = await user.run(command);
        expect(refused.code, `${command.join(' ')}: ${refused.stderr}`).toBe(2);
      }
      const used = await user.run(['encrypt-node', '-n', 'urn:example:names']);
      expect(oneLine(used)).toContain(
        `the configuration file ${configFile} names a profile ${JSON.stringify(name)}, which is not allowed`,
      );
      await survive();
    }
    await writeFile(configFile, JSON.stringify({ version: 1, profiles: {} }), { mode: 0o600 });

    // an ordinary profile's removal takes its own folders only (the shared vault stays)
    const added = await user.run(['profile', 'add', user.jid, '--no-verify'], {
      env: { OXPS_PASSWORD: 'pw' },
    });
    expect(added.code, added.stderr).toBe(0);
    await mkdir(join(data, 'oxps', user.jid), { recursive: true });
    await mkdir(join(cache, 'oxps', user.jid), { recursive: true });
    const removed = await user.run(['profile', 'remove', user.jid]);
    expect(removed.code, removed.stderr).toBe(0);
    await survive();
    await expect(stat(join(data, 'oxps', user.jid))).rejects.toThrow();
    await expect(stat(join(cache, 'oxps', user.jid))).rejects.toThrow();
    expect((await stat(join(data, 'oxps', 'vault'))).isFile()).toBe(true);
  });
});
