// Where `oxps secret import --from-libervia` gets its secrets: `libervia-cli pubsub secret list
// -O json -v` for each node (run without a shell; OXPS_LIBERVIA_CLI names another executable,
// such as a wrapper that sets Libervia's environment).
import { execFile } from 'node:child_process';
import { OxpsError } from '../../errors.js';
import { MAX_IMPORT_BYTES, parseLiberviaSecrets, type ImportedSecret } from './importParse.js';

const TIMEOUT_MS = 120_000;

/** The node's secrets as Libervia's profile holds them, or undefined when it holds none. */
export async function liberviaSecrets(
  service: string,
  node: string,
  profile: string | undefined,
): Promise<ImportedSecret[] | undefined> {
  const cli = process.env.OXPS_LIBERVIA_CLI || 'libervia-cli';
  const args = [
    'pubsub',
    'secret',
    'list',
    ...(profile ? ['-p', profile] : []),
    '-s',
    service,
    '-n',
    node,
    '-O',
    'json',
    '-v',
  ];
  const { code, stdout, stderr } = await run(cli, args);
  const where = `libervia-cli's secrets of ${node}`;
  if (code !== 0) {
    if (/No shared secrets found/i.test(stdout + stderr)) return undefined;
    const said = (stderr.trim() || stdout.trim()).split('\n').pop()?.slice(0, 300) ?? '';
    throw new OxpsError(
      'INPUT_INVALID',
      `${cli} pubsub secret list -n ${node} failed (exit ${code}): ${said}`,
      'is the Libervia backend running, with that profile (--from-libervia PROFILE)? Else export the list where Libervia runs and use --from-file',
    );
  }
  // libervia-cli may print warnings before the document (Debian's: a template plugin it cannot load)
  const start = stdout.search(/^\[\s*[{\]]/m);
  return parseLiberviaSecrets(start < 0 ? stdout : stdout.slice(start), where);
}

function run(file: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      { timeout: TIMEOUT_MS, maxBuffer: MAX_IMPORT_BYTES * 2 },
      (error, stdout, stderr) => {
        if (error && (error as NodeJS.ErrnoException).code === 'ENOENT') {
          reject(
            new OxpsError(
              'INPUT_INVALID',
              `${file} not found`,
              'install libervia-cli, set OXPS_LIBERVIA_CLI, or export the list where Libervia runs and use --from-file',
            ),
          );
        } else if (error && typeof error.code !== 'number') {
          reject(
            new OxpsError(
              'INPUT_INVALID',
              `${file} did not finish: ${error.message.split('\n')[0]}`,
              'check that the Libervia backend runs',
            ),
          );
        } else {
          resolve({
            code: error ? (error.code as number) : 0,
            stdout: String(stdout),
            stderr: String(stderr),
          });
        }
      },
    );
  });
}
