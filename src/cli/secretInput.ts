// Secrets given on the command line's side: a file or /dev/fd/N (--passphrase-file,
// --password-file, --backup-code-file) and --password-command. Each gives its first line.
import { readFile, stat } from 'node:fs/promises';
import { fstatSync } from 'node:fs';
import { Socket } from 'node:net';
import { OxpsError } from '../errors.js';
import { assertPrivateFile } from '../store/atomicFile.js';

/**
 * Reads a secret from a file (or /dev/fd/N): its first line, which must not be empty. A regular
 * file that other users can read is refused, as the configuration and the vault are; a pipe or
 * socket belongs to this process.
 */
export async function readSecretFile(path: string, option: string): Promise<string> {
  if ((await stat(path).catch(() => undefined))?.isFile()) await assertPrivateFile(path, option);
  let text: string;
  try {
    text = await readPath(path);
  } catch (error) {
    throw new OxpsError(
      'INPUT_INVALID',
      `cannot read ${option} ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      `give a readable file to ${option}`,
    );
  }
  const secret = text.split(/\r?\n/, 1)[0] ?? '';
  if (!secret)
    throw new OxpsError(
      'INPUT_INVALID',
      `${option} ${path} is empty`,
      'put the secret on the first line of the file',
    );
  return secret;
}

/**
 * Linux cannot reopen a socket through /dev/fd/N (ENXIO), and the "pipes" a Node.js or libuv
 * parent gives its child are socketpairs: such a descriptor is read directly instead.
 */
async function readPath(path: string): Promise<string> {
  const fd = /^\/dev\/fd\/(\d+)$/.exec(path);
  if (!fd || !fstatSync(Number(fd[1])).isSocket()) return readFile(path, 'utf8');
  const chunks: Buffer[] = [];
  for await (const chunk of new Socket({ fd: Number(fd[1]), readable: true, writable: false }))
    chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * Runs `command` without a shell and takes the first line of its output as the password, like
 * `pass xmpp/me`. The command line is split as a shell would split it (quotes and backslashes
 * group words), but nothing is expanded: `$VAR` stays literal and pipes or redirections are
 * refused, since no shell runs them.
 */
export async function passwordFromCommand(command: string): Promise<string> {
  const [file, ...args] = await splitCommand(command);
  if (!file)
    throw new OxpsError(
      'USAGE',
      '--password-command is empty',
      'give a command, e.g. --password-command "pass xmpp/me"',
    );
  const { execFile } = await import('node:child_process');
  const output = await new Promise<string>((resolve, reject) => {
    execFile(
      file,
      args,
      { timeout: 60_000, maxBuffer: 64 * 1024, env: environmentWithoutOxps() },
      (error, stdout) => {
        if (error)
          reject(
            new OxpsError(
              'USAGE',
              `--password-command ${file} failed (${(error as NodeJS.ErrnoException).code ?? error.message})`,
              'check the command; it must print the password on its first line',
            ),
          );
        else resolve(stdout);
      },
    );
  });
  const password = output.split(/\r?\n/, 1)[0] ?? '';
  if (!password)
    throw new OxpsError(
      'USAGE',
      `--password-command ${file} printed no password`,
      'it must print the password on its first line',
    );
  return password;
}

/**
 * Our environment minus every OXPS_* variable: the password command (often a script of the
 * user's, or a tool that logs its environment) gets no vault passphrase nor account password.
 * PATH, HOME, GNUPGHOME, the agent sockets… stay, so that `pass` and the like work.
 */
function environmentWithoutOxps(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('OXPS_')));
}

/** The words of a command line, split with shell quoting rules and without any expansion. */
export async function splitCommand(command: string): Promise<string[]> {
  const { parse } = await import('shell-quote');
  return parse(command, (name) => `$${name}`).map((word) => {
    if (typeof word === 'string') return word;
    if ('pattern' in word) return word.pattern;
    const what = 'op' in word ? `"${word.op}"` : 'a comment';
    throw new OxpsError(
      'USAGE',
      `--password-command runs without a shell and cannot take ${what}`,
      'put the pipeline in a script and give the script as the command',
    );
  });
}
