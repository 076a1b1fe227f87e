// `oxps completion bash|zsh|fish`: scripts generated from the commander program. bash is
// exercised for real (sourced, its function called as readline would); zsh and fish are not
// installed here, so their scripts are checked for structure.
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
  const { stdout, stderr } = await execFileAsync('bash', ['--norc', '--noprofile', '-c', driver], { cwd: dir });
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
    expect(await completeBash(script, ['oxps', 'secret', ''])).toEqual(['share', 'revoke', 'rotate', 'list']);
    expect(await completeBash(script, ['oxps', 'key', 'g'])).toEqual(['generate']);
    // global options and their values do not hide the command path
    expect(await completeBash(script, ['oxps', '-p', 'secret', '--json', 'secret', 'ro'])).toEqual(['rotate']);
  });

  it("completes a command's options, with the program's", async () => {
    expect(await completeBash(script, ['oxps', 'secret', 'list', '--s'])).toEqual(['--service', '--show-secrets']);
    expect(await completeBash(script, ['oxps', 'secret', 'list', '--js'])).toEqual(['--json']);
  });

  it('completes the choices of --keystore, --trust and --algo, also after "="', async () => {
    expect(await completeBash(script, ['oxps', '--keystore', ''])).toEqual(['auto', 'keychain', 'vault']);
    expect(await completeBash(script, ['oxps', 'doctor', '--trust', 'b'])).toEqual(['btbv']);
    expect(await completeBash(script, ['oxps', 'key', 'generate', '--algo', ''])).toEqual(['curve25519', 'rsa4096']);
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

describe('oxps completion zsh', () => {
  const script = completionScript(program(), 'zsh');

  it('is a #compdef function with one completion function per command', () => {
    expect(script.startsWith('#compdef oxps\n')).toBe(true);
    expect(script).toContain('compdef _oxps oxps');
    for (const command of allCommands(spec)) {
      expect(script).toContain(`${['_oxps', ...command.path].join('_').replace(/-/g, '_')}() {`);
    }
    expect(script).toContain(':kind:(auto keychain vault)');
    expect(script).toContain(':algorithm:(curve25519 rsa4096)');
  });

  it('quotes descriptions with single quotes for zsh', () => {
    expect(script).toContain(`contacts'\\'' keys`);
  });
});

describe('oxps completion fish', () => {
  const script = completionScript(program(), 'fish');

  it('has complete -c oxps lines for every command', () => {
    for (const command of allCommands(spec)) {
      const parent = command.path.slice(0, -1).join(' ');
      expect(script, command.path.join(' ')).toContain(`complete -c oxps -n "__oxps_at '${parent}'" -a '${command.path.at(-1)}'`);
    }
    expect(script).toContain(`complete -c oxps -l keystore -x -a 'auto keychain vault'`);
    expect(script).toContain(`complete -c oxps -n "__oxps_at 'secret list'" -l show-secrets`);
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
