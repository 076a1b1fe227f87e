// `oxps completion bash|zsh|fish`: scripts generated from the commander program, each exercised
// in the real shell: bash sources it and calls its function as readline would, zsh completes a
// line typed into an interactive shell under zpty (zshComplete.zsh), fish runs `complete -C`.
import { beforeAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildProgram } from '../../../src/cli/program.js';
import { completionScript } from '../../../src/cli/completion/index.js';
import { allCommands, commandSpec } from '../../../src/cli/completion/spec.js';
import { runNode, BIN } from '../../helpers/cli.js';

const execFileAsync = promisify(execFile);
const program = () => buildProgram('0.0.0-test');
const spec = commandSpec(program());

/** Sources the bash script and completes `words` (the last one is the word being completed). */
async function completeBash(script: string, words: string[]): Promise<string[]> {
  const dir = await mkdtemp(join(tmpdir(), 'oxps-completion-'));
  const file = join(dir, 'oxps.bash');
  await writeFile(file, script);
  const quoted = words.map((w) => `'${w.replace(/'/g, `'\\''`)}'`).join(' ');
  const driver = `source ${file}
COMP_WORDS=(${quoted}); COMP_CWORD=${words.length - 1}; COMP_LINE=${JSON.stringify(words.join(' '))}; COMP_POINT=\${#COMP_LINE}
_oxps
printf '%s\\n' "\${COMPREPLY[@]}"`;
  const { stdout, stderr } = await execFileAsync('bash', ['--norc', '--noprofile', '-c', driver], {
    cwd: dir,
  });
  expect(stderr).toBe('');
  return stdout.split('\n').filter((line) => line !== '');
}

describe('oxps completion bash', () => {
  const script = completionScript(program(), 'bash');

  it('is valid bash (bash -n)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'oxps-completion-'));
    await writeFile(join(dir, 'oxps.bash'), script);
    const { stderr } = await execFileAsync('bash', ['-n', join(dir, 'oxps.bash')]);
    expect(stderr).toBe('');
    expect(script).toContain('complete -F _oxps oxps');
  });

  it('completes commands and subcommands', async () => {
    expect(await completeBash(script, ['oxps', 'sec'])).toEqual(['secret']);
    expect(await completeBash(script, ['oxps', 'secret', ''])).toEqual([
      'share',
      'revoke',
      'rotate',
      'list',
      'trust-origin',
      'forget',
      'import',
    ]);
    expect(await completeBash(script, ['oxps', 'key', 'g'])).toEqual(['generate']);
    // global options and their values do not hide the command path
    expect(await completeBash(script, ['oxps', '-p', 'secret', '--json', 'secret', 'ro'])).toEqual([
      'rotate',
    ]);
  });

  it("completes a command's options, with the program's", async () => {
    expect(await completeBash(script, ['oxps', 'secret', 'list', '--s'])).toEqual([
      '--service',
      '--show-secrets',
    ]);
    expect(await completeBash(script, ['oxps', 'secret', 'list', '--js'])).toEqual(['--json']);
  });

  it('completes the choices of --keystore, --trust and --algo, also after "="', async () => {
    expect(await completeBash(script, ['oxps', '--keystore', ''])).toEqual(['auto', 'keychain', 'vault']);
    expect(await completeBash(script, ['oxps', 'doctor', '--trust', 'b'])).toEqual(['btbv']);
    expect(await completeBash(script, ['oxps', 'key', 'generate', '--algo', ''])).toEqual([
      'curve25519',
      'rsa4096',
    ]);
    // bash splits --keystore=va into "--keystore" "=" "va"
    expect(await completeBash(script, ['oxps', '--keystore', '=', 'va'])).toEqual(['vault']);
    expect(await completeBash(script, ['oxps', 'completion', ''])).toEqual(['bash', 'zsh', 'fish']);
  });

  it('completes file names for file options and offers nothing for free values', async () => {
    const files = await completeBash(script, ['oxps', 'publish', '-n', 'x', '--jsonl', 'oxps.b']);
    expect(files).toEqual(['oxps.bash']);
    expect(await completeBash(script, ['oxps', 'fetch', '-n', ''])).toEqual([]);
  });
});

/** zsh and fish complete a typed line; each is given its script installed in a directory. */
interface LineShell {
  shell: 'zsh' | 'fish';
  scriptFile: string;
  syntaxCheck: (file: string) => string[];
  /** The candidate words for `line`, sorted, run in `dir` (which holds the script). */
  complete: (dir: string, line: string) => Promise<string[]>;
}

const fishQuote = (s: string): string => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

const lineShells: LineShell[] = [
  {
    shell: 'zsh',
    scriptFile: '_oxps', // an fpath entry: zshComplete.zsh types the line into zsh under zpty
    syntaxCheck: (file) => ['zsh', '-n', file],
    complete: async (dir, line) => {
      const driver = join(dirname(fileURLToPath(import.meta.url)), 'zshComplete.zsh');
      const { stdout } = await execFileAsync('zsh', ['-f', driver, dir, line], { cwd: dir, timeout: 30_000 });
      return stdout
        .split('\n')
        .filter((word) => word !== '')
        .sort();
    },
  },
  {
    shell: 'fish',
    scriptFile: 'oxps.fish',
    syntaxCheck: (file) => ['fish', '--no-config', '-n', file],
    complete: async (dir, line) => {
      const { stdout } = await execFileAsync(
        'fish',
        ['--no-config', '-c', `source oxps.fish; complete -C ${fishQuote(line)}`],
        { cwd: dir, timeout: 30_000 },
      );
      return stdout
        .split('\n')
        .filter((entry) => entry !== '')
        .map((entry) => entry.split('\t')[0]!)
        .sort();
    },
  },
];

describe.each(lineShells)('oxps completion $shell', ({ shell, scriptFile, syntaxCheck, complete }) => {
  const script = completionScript(program(), shell);
  let dir: string;
  const completeLine = (line: string) => complete(dir, line);

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'oxps-completion-'));
    await writeFile(join(dir, scriptFile), script);
  });

  it(`is valid ${shell} (${shell} -n)`, async () => {
    const [command, ...args] = syntaxCheck(join(dir, scriptFile));
    const { stderr } = await execFileAsync(command!, args);
    expect(stderr).toBe('');
  });

  it('completes commands, subcommands and options, past global options', async () => {
    expect(await completeLine('oxps sec')).toEqual(['secret']);
    expect(await completeLine('oxps secret ')).toEqual([
      'forget',
      'import',
      'list',
      'revoke',
      'rotate',
      'share',
      'trust-origin',
    ]);
    expect(await completeLine('oxps -p secret --json secret ro')).toEqual(['rotate']);
    expect(await completeLine('oxps secret list --s')).toEqual(['--service', '--show-secrets']);
  });

  it('completes the choices of --keystore, --trust and --algo', async () => {
    expect(await completeLine('oxps --keystore ')).toEqual(['auto', 'keychain', 'vault']);
    expect(await completeLine('oxps doctor --trust b')).toEqual(['btbv']);
    expect(await completeLine('oxps key generate --algo ')).toEqual(['curve25519', 'rsa4096']);
    expect(await completeLine('oxps completion ')).toEqual(['bash', 'fish', 'zsh']);
  });

  it('completes file names for file options and offers nothing for free values', async () => {
    expect(await completeLine(`oxps publish -n x --jsonl ${scriptFile.slice(0, 3)}`)).toEqual([scriptFile]);
    expect(await completeLine('oxps fetch -n ')).toEqual([]);
  });

  it('takes --option=value as commander does', async () => {
    expect(await completeLine('oxps --keystore=va')).toEqual(['--keystore=vault']);
    expect(await completeLine('oxps --profile=work key g')).toEqual(['generate']);
  });
});

describe('the zsh script', () => {
  const script = completionScript(program(), 'zsh');

  it('is a #compdef function with one completion function per command', () => {
    expect(script.startsWith('#compdef oxps\n')).toBe(true);
    for (const command of allCommands(spec)) {
      expect(script).toContain(`${['_oxps', ...command.path].join('_').replace(/-/g, '_')}() {`);
    }
  });

  it('quotes descriptions with single quotes for zsh', () => {
    expect(script).toContain(`contacts'\\'' keys`);
  });
});

describe('the completion command', () => {
  it('prints each script, and refuses an unknown shell with a usage error', async () => {
    for (const shell of ['bash', 'zsh', 'fish']) {
      const result = await runNode([BIN, 'completion', shell]);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toContain(`completion for oxps, generated by \`oxps completion ${shell}\``);
    }
    const wrong = await runNode([BIN, 'completion', 'tcsh']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toContain('bash, zsh, fish');
  });
});

describe('#17.15 words read at completion time', () => {
  const ENV = [
    'PATH',
    'XDG_CONFIG_HOME',
    'XDG_DATA_HOME',
    'OXPS_KEYSTORE',
    'OXPS_PASSPHRASE',
    'DBUS_SESSION_BUS_ADDRESS',
    'XDG_RUNTIME_DIR',
  ] as const;
  const saved = Object.fromEntries(ENV.map((name) => [name, process.env[name]]));
  let dir: string;

  beforeAll(async () => {
    // the scripts call `oxps __complete profiles`: oxps on the PATH, a configuration with two profiles
    dir = await mkdtemp(join(tmpdir(), 'oxps-completion-words-'));
    const { mkdir, symlink } = await import('node:fs/promises');
    await mkdir(join(dir, 'bin'));
    await symlink(BIN, join(dir, 'bin', 'oxps'));
    await mkdir(join(dir, 'config', 'oxps'), { recursive: true });
    const config = {
      version: 1,
      defaultProfile: 'work',
      profiles: { work: { jid: 'me@work.example' }, 'home@example.org': { jid: 'home@example.org' } },
    };
    await writeFile(join(dir, 'config', 'oxps', 'config.json'), JSON.stringify(config), { mode: 0o600 });
    process.env.PATH = `${join(dir, 'bin')}:${dirname(process.execPath)}:${process.env.PATH}`;
    process.env.XDG_CONFIG_HOME = join(dir, 'config');
    // profile work: a state in a vault, with a node of its own account and one on a pubsub service
    process.env.XDG_DATA_HOME = join(dir, 'data');
    process.env.OXPS_KEYSTORE = 'vault';
    delete process.env.OXPS_PASSPHRASE;
    for (const name of ['DBUS_SESSION_BUS_ADDRESS', 'XDG_RUNTIME_DIR'] as const) delete process.env[name];
    const { VaultStore } = await import('../../../src/store/keystore/vault.js');
    const { paths } = await import('../../../src/store/paths.js');
    const { ProfileStateHandle, ensureNodeRecord } = await import('../../../src/app/state.js');
    const vault = new VaultStore(paths.vaultFile(), async () => PASSPHRASE);
    const state = await ProfileStateHandle.open('work', vault, 5000);
    ensureNodeRecord(state.data, 'me@work.example', 'urn:xmpp:microblog:0');
    ensureNodeRecord(state.data, 'pubsub.work.example', 'fixtures');
    await state.save();
    await state.release();
    await writeFile(join(dir, 'passphrase'), `${PASSPHRASE}\n`, { mode: 0o600 });
    for (const shell of lineShells)
      await writeFile(join(dir, shell.scriptFile), completionScript(program(), shell.shell));
    return () => {
      for (const name of ENV) {
        if (saved[name] === undefined) delete process.env[name];
        else process.env[name] = saved[name];
      }
    };
  });

  const PASSPHRASE = 'completion vault passphrase';

  /** Runs `work` with OXPS_PASSPHRASE set (or not) for the shells started meanwhile. */
  async function withPassphrase<T>(passphrase: string | undefined, work: () => Promise<T>): Promise<T> {
    if (passphrase === undefined) delete process.env.OXPS_PASSPHRASE;
    else process.env.OXPS_PASSPHRASE = passphrase;
    try {
      return await work();
    } finally {
      delete process.env.OXPS_PASSPHRASE;
    }
  }

  it('#17.15 bash offers the node names of the profile in use after -n and --node, those of -s when typed', async () => {
    const script = completionScript(program(), 'bash');
    await withPassphrase(PASSPHRASE, async () => {
      expect(await completeBash(script, ['oxps', 'fetch', '-n', ''])).toEqual([
        'fixtures',
        'urn:xmpp:microblog:0',
      ]);
      expect(await completeBash(script, ['oxps', '-p', 'work', 'secret', 'list', '--node', 'u'])).toEqual([
        'urn:xmpp:microblog:0',
      ]);
      expect(
        await completeBash(script, [
          'oxps',
          '--profile',
          '=',
          'work',
          'fetch',
          '-s',
          'pubsub.work.example',
          '-n',
          '',
        ]),
      ).toEqual(['fixtures']);
      // another profile has no state: nothing
      expect(await completeBash(script, ['oxps', '-p', 'home@example.org', 'fetch', '-n', ''])).toEqual([]);
    });
    // the passphrase from a file named on the line
    expect(
      await completeBash(script, ['oxps', '--passphrase-file', join(dir, 'passphrase'), 'fetch', '-n', 'f']),
    ).toEqual(['fixtures']);
  });

  it('#17.15 without a passphrase given beforehand, or with a wrong one, nothing is offered, nothing asked, nothing printed', async () => {
    const script = completionScript(program(), 'bash');
    // completeBash fails on any stderr output; a prompt would hang (no input): the shell would time out
    expect(await completeBash(script, ['oxps', 'fetch', '-n', ''])).toEqual([]);
    expect(await withPassphrase('wrong', () => completeBash(script, ['oxps', 'fetch', '-n', '']))).toEqual(
      [],
    );
    const direct = await runNode([BIN, '__complete', 'nodes', 'oxps', 'fetch', '-n'], {
      env: { XDG_CONFIG_HOME: join(dir, 'config'), XDG_DATA_HOME: join(dir, 'data'), OXPS_KEYSTORE: 'vault' },
    });
    expect(direct).toEqual({ code: 0, stdout: '', stderr: '' });
  });

  it.each(lineShells)('#17.15 $shell offers the node names after -n', async ({ complete }) => {
    await withPassphrase(PASSPHRASE, async () => {
      expect(await complete(dir, 'oxps -p work secret list -n ')).toEqual([
        'fixtures',
        'urn:xmpp:microblog:0',
      ]);
      expect(await complete(dir, 'oxps fetch -s pubsub.work.example --node ')).toEqual(['fixtures']);
    });
  });

  it('bash offers the profile names after -p and --profile', async () => {
    const script = completionScript(program(), 'bash');
    expect(await completeBash(script, ['oxps', '-p', ''])).toEqual(['work', 'home@example.org']);
    expect(await completeBash(script, ['oxps', 'secret', 'list', '--profile', 'w'])).toEqual(['work']);
  });

  it.each(lineShells)('$shell offers the profile names after -p', async ({ complete }) => {
    expect(await complete(dir, 'oxps -p ')).toEqual(['home@example.org', 'work']);
  });

  it('oxps --version names the versions of openpgp.js, xmpp.js and Node.js', async () => {
    const { stdout } = await runNode([BIN, '--version']);
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^oxps \d+\.\d+\.\d+/);
    expect(lines.slice(1)).toEqual([
      expect.stringMatching(/^openpgp\.js \d+\.\d+\.\d+$/),
      expect.stringMatching(/^xmpp\.js \d+\.\d+\.\d+$/),
      `Node.js ${process.version}`,
    ]);
  });
});
