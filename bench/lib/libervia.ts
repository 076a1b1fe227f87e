// Libervia (libervia-backend + libervia-cli 0.9) as the peer to compare with, run by the shared
// harness (../shared/interop/libervia: start-libervia.sh, setup-profiles.sh, stop.sh) against
// the bench's own Prosody: INTEROP_DIR and C2S_PORT are given to the harness scripts, so this
// never touches another run's harness (default /tmp/libervia-interop on port 15222).
import { open, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { ProcessAborted, ProcessTimeout, run, type ProcessResult } from './proc.js';

const REPO_ROOT = fileURLToPath(new URL('../../..', import.meta.url));
export const HARNESS_DIR =
  process.env.OXPS_LIBERVIA_HARNESS ?? resolve(REPO_ROOT, '..', 'shared', 'interop', 'libervia');

/** libervia-cli prints this harmless warning on every run (Debian's jinja2 is too new for it). */
const JINJA_NOISE = /^Can't import sat_frontends\.jp\.output_template plugin.*\n?/gm;

/** Why Libervia cannot be compared with here, or undefined when it can. */
export async function liberviaMissing(): Promise<string | undefined> {
  const cli = await run('sh', ['-c', 'command -v libervia-cli']);
  if (cli.code !== 0)
    return 'libervia-cli is not installed (Debian package libervia-backend; see ../shared/interop/libervia/install.sh)';
  const deps = await run('/usr/bin/python3', ['-c', 'import gpg, xmlschema']);
  if (deps.code !== 0)
    return "Libervia's OX plugin lacks python3-gpg / python3-xmlschema (apt-get install python3-gpg python3-xmlschema)";
  const harness = await run('test', ['-f', resolve(HARNESS_DIR, 'start-libervia.sh')]);
  if (harness.code !== 0) return `the Libervia harness is missing at ${HARNESS_DIR}`;
  return undefined;
}

export class LiberviaPeer {
  private readonly env: NodeJS.ProcessEnv;

  constructor(
    readonly interopDir: string,
    readonly port: number,
  ) {
    this.env = { ...process.env, LANG: 'C.UTF-8', INTEROP_DIR: interopDir, C2S_PORT: String(port) };
  }

  /** libervia-backend (pb bridge over a UNIX socket under interopDir), then the profiles, connected. */
  async start(profiles: string[]): Promise<void> {
    await this.stop(); // a leftover of an earlier bench run in the same directory
    await this.launch(profiles);
  }

  /**
   * A libervia-cli command killed at its timeout leaves the backend working on the request (one
   * gpg process per item): stop the backend and start it again, keeping its profiles and secrets.
   */
  async restart(profiles: string[]): Promise<void> {
    await this.script('stop.sh', [], 120_000);
    await this.launch(profiles);
  }

  private async launch(profiles: string[]): Promise<void> {
    await this.script('start-libervia.sh', [], 180_000);
    await this.script('setup-profiles.sh', profiles, 300_000);
    // setup-profiles.sh does not stop on errors: check that each profile is really connected
    for (const profile of profiles)
      await this.li(['profile', 'connect', '-c', '-p', profile, '--pwd', `${profile}pass`]);
  }

  /** stop.sh --purge: only the PIDs this harness instance recorded, then its directory. */
  async stop(): Promise<void> {
    await this.script('stop.sh', ['--purge'], 120_000).catch((error: unknown) =>
      process.stderr.write(`[bench] stopping Libervia: ${(error as Error).message}\n`),
    );
  }

  /**
   * Makes a node alice's Libervia created (with the service's defaults: open, few items) what
   * XEP-0473 asks: a whitelist node keeping `maxItems`, readable by `members`.
   */
  async whitelistNode(service: string, node: string, members: string[], maxItems: number): Promise<void> {
    const target = ['-p', 'alice', '-s', service, '-n', node];
    await this.li([
      'pubsub',
      'node',
      'set',
      ...target,
      '-f',
      'access_model',
      'whitelist',
      '-f',
      'max_items',
      String(maxItems),
    ]);
    await this.li([
      'pubsub',
      'node',
      'affiliations',
      'set',
      ...target,
      ...members.flatMap((jid) => ['-a', jid, 'member']),
    ]);
  }

  /** `source env.sh; li ARGS…` (libervia-cli against this backend); throws unless it exits 0. */
  async li(args: string[], options: { input?: string; timeoutMs?: number } = {}): Promise<ProcessResult> {
    const result = await this.liRaw(args, options);
    if (result.code !== 0)
      throw new Error(
        `li ${args.join(' ')} exited ${result.code}:\n${result.stdout.slice(-2000)}${result.stderr.slice(-2000)}`,
      );
    return result;
  }

  async liRaw(
    args: string[],
    options: { input?: string; timeoutMs?: number; signal?: AbortSignal } = {},
  ): Promise<ProcessResult> {
    const result = await run('bash', ['-c', 'source "$0/env.sh" && li "$@"', HARNESS_DIR, ...args], {
      env: this.env,
      input: options.input,
      timeoutMs: options.timeoutMs ?? 120_000,
      signal: options.signal,
      processGroup: true,
    });
    return {
      ...result,
      stdout: result.stdout.replace(JINJA_NOISE, ''),
      stderr: result.stderr.replace(JINJA_NOISE, ''),
    };
  }

  /** The ids of the secrets a profile knows for a node (`pubsub secret list -O json`). */
  async secretIds(profile: string, service: string, node: string): Promise<string[]> {
    const result = await this.liRaw([
      'pubsub',
      'secret',
      'list',
      '-p',
      profile,
      '-s',
      service,
      '-n',
      node,
      '-O',
      'json',
    ]);
    if (result.code !== 0) return [];
    try {
      return (JSON.parse(result.stdout) as Array<{ id: string }>).map((s) => s.id);
    } catch {
      return [];
    }
  }

  /** Libervia handles incoming secret messages asynchronously: poll until the secret is there. */
  async waitForSecret(
    profile: string,
    service: string,
    node: string,
    secretId: string,
    timeoutMs = 60_000,
  ): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await this.secretIds(profile, service, node)).includes(secretId)) {
      if (Date.now() > deadline)
        throw new Error(
          `Libervia profile ${profile} did not receive secret ${secretId} of ${node} within ${timeoutMs / 1000} s`,
        );
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  /**
   * `li pubsub get -M count`, timed, while the backend's debug log is watched for its
   * "decrypting item" lines (one per item, logged as it decrypts). Libervia 0.9's pb bridge
   * cannot carry a result over 640 KiB (Twisted Banana's SIZE_LIMIT): for a big node the
   * backend decrypts every item and the command then never returns. In that case the figure is
   * the time until the last item was decrypted (the printing never happens: a lower bound), and
   * the command is stopped. At the timeout, the figure is the timeout (a lower bound too).
   */
  async watchedGet(
    profile: string,
    service: string,
    node: string,
    count: number,
    timeoutMs: number,
    max = count,
  ): Promise<LiberviaGet> {
    const log = join(this.interopDir, 'logs', 'libervia.log');
    const from = await stat(log).then(
      (s) => s.size,
      () => 0,
    );
    const started = performance.now();
    const abort = new AbortController();
    let decrypted = 0;
    let allDecryptedAt: number | undefined;
    let offset = from;
    const poll = setInterval(() => {
      void (async () => {
        const handle = await open(log, 'r').catch(() => undefined);
        if (!handle) return;
        try {
          const size = (await handle.stat()).size;
          if (size <= offset) return;
          const buffer = Buffer.alloc(size - offset);
          await handle.read(buffer, 0, buffer.length, offset);
          const text = buffer.toString('utf8');
          const complete = text.lastIndexOf('\n') + 1;
          offset += Buffer.byteLength(text.slice(0, complete));
          decrypted += text.slice(0, complete).match(/decrypting item /g)?.length ?? 0;
          if (decrypted >= count && allDecryptedAt === undefined) {
            allDecryptedAt = performance.now() - started;
            // give the result 15 s to cross the bridge, then stop waiting for it
            setTimeout(() => abort.abort(), 15_000).unref();
          }
        } finally {
          await handle.close();
        }
      })();
    }, 250);
    try {
      const result = await this.liRaw(
        ['pubsub', 'get', '-p', profile, '-s', service, '-n', node, '-M', String(max), '-O', 'xml-raw'],
        { timeoutMs, signal: abort.signal },
      );
      if (result.code !== 0)
        throw new Error(`li pubsub get exited ${result.code}: ${result.stderr.slice(-1000)}`);
      const printed = countLiberviaItems(result.stdout);
      return {
        ms: result.ms,
        outcome: 'returned',
        decrypted,
        items: printed.items,
        stillEncrypted: printed.encrypted,
      };
    } catch (error) {
      if (error instanceof ProcessAborted)
        return { ms: allDecryptedAt!, outcome: 'never-returned', decrypted, items: 0, stillEncrypted: 0 };
      if (error instanceof ProcessTimeout)
        return {
          ms: error.ms,
          outcome: 'timeout',
          decrypted,
          items: countLiberviaItems(error.partial.stdout).items,
          stillEncrypted: 0,
        };
      throw error;
    } finally {
      clearInterval(poll);
    }
  }

  private async script(name: string, args: string[], timeoutMs: number): Promise<ProcessResult> {
    const result = await run('bash', [resolve(HARNESS_DIR, name), ...args], { env: this.env, timeoutMs });
    if (result.code !== 0)
      throw new Error(
        `${name} exited ${result.code}:\n${result.stdout.slice(-3000)}\n${result.stderr.slice(-3000)}`,
      );
    return result;
  }
}

export interface LiberviaGet {
  /** Wall time; see outcome for what it measures. */
  ms: number;
  /** returned: the command printed the items; never-returned: every item was decrypted but the
   *  result never reached the command (ms = until the last one was decrypted); timeout: killed. */
  outcome: 'returned' | 'never-returned' | 'timeout';
  /** Items the backend logged as decrypted meanwhile. */
  decrypted: number;
  items: number;
  stillEncrypted: number;
}

/** What `li pubsub get -O xml-raw` printed: how many items, and how many are still encrypted. */
export function countLiberviaItems(stdout: string): { items: number; encrypted: number } {
  const items = stdout.match(/<item[\s>]/g)?.length ?? 0;
  const encrypted = stdout.match(/urn:xmpp:openpgp:pubsub:0/g)?.length ?? 0;
  return { items, encrypted };
}
