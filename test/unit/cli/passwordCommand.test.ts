// --password-command runs a program without a shell: its words are split with shell quoting,
// nothing is expanded, and shell syntax that would need a shell is refused with a clear error.
import { describe, expect, it } from 'vitest';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { passwordFromCommand, splitCommand } from '../../../src/cli/secretInput.js';
import { OxpsError } from '../../../src/errors.js';
import { rejected } from '../../helpers/thrown.js';

describe('splitCommand', () => {
  it.each([
    ['pass xmpp/me', ['pass', 'xmpp/me']],
    ['  pass   xmpp/me  ', ['pass', 'xmpp/me']],
    [`cat '/run/secrets/my account'`, ['cat', '/run/secrets/my account']],
    ['cat "/run/secrets/my account"', ['cat', '/run/secrets/my account']],
    ['cat /run/secrets/my\\ account', ['cat', '/run/secrets/my account']],
    [
      'secret-tool lookup service "xmpp" user $USER',
      ['secret-tool', 'lookup', 'service', 'xmpp', 'user', '$USER'],
    ],
    ['echo "$HOME"', ['echo', '$HOME']],
    ['ls *.gpg', ['ls', '*.gpg']],
    ['', []],
  ])('%j → %j', async (command, words) => {
    expect(await splitCommand(command)).toEqual(words);
  });

  it.each([
    ['pass xmpp/me | head -1', '"|"'],
    ['pass xmpp/me > /tmp/leak', '">"'],
    ['pass a; pass b', '";"'],
    ['pass a && pass b', '"&&"'],
    ['pass xmpp/me # work account', 'a comment'],
  ])('refuses %j: it needs a shell', async (command, what) => {
    expect((await rejected(OxpsError, () => splitCommand(command))).message).toBe(
      `--password-command runs without a shell and cannot take ${what}`,
    );
  });
});

describe('passwordFromCommand', () => {
  it('takes the first line printed by the command, with a quoted path', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'oxps pw '));
    const file = join(dir, 'my password');
    await writeFile(file, 's3cret with spaces\nsecond line\n', { mode: 0o600 });
    expect(await passwordFromCommand(`cat '${file}'`)).toBe('s3cret with spaces');
  });

  it('names the command when it fails or prints nothing, never its output', async () => {
    await expect(passwordFromCommand('false')).rejects.toThrow(/^--password-command false failed \(1\)$/);
    await expect(passwordFromCommand('/nonexistent/pass x')).rejects.toThrow(
      '--password-command /nonexistent/pass failed (ENOENT)',
    );
    await expect(passwordFromCommand('true')).rejects.toThrow('--password-command true printed no password');
    await expect(passwordFromCommand('')).rejects.toThrow('--password-command is empty');
  });
});
