// Runs the real oxps binary as a user would, each test user with its own XDG directories and
// an encrypted vault (no keychain), against the Prosody of the global setup.
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';
import { randomBytes } from 'node:crypto';
import { registerAccounts } from '../harness/prosody.js';
import { cleanEnv, runProcess } from '../harness/process.js';
import { deviceEnv, profileAddArgs } from '../harness/device.js';
import { registerEjabberdAccounts } from '../harness/ejabberd.js';

export const BIN = fileURLToPath(new URL('../../bin/oxps', import.meta.url));

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: Record<string, string | undefined>;
  input?: string;
  timeoutMs?: number;
}

export async function runNode(
  args: string[],
  { env = {}, input, timeoutMs = 120_000 }: RunOptions = {},
): Promise<RunResult> {
  const { code, stdout, stderr } = await runProcess(process.execPath, args, {
    env: cleanEnv(env),
    input,
    timeoutMs,
  });
  return { code, stdout, stderr };
}

export type ServerKind = 'prosody' | 'ejabberd';

/** Where a test server listens for clients, and the certificate to trust. */
export interface ServerAddress {
  port: number;
  certFile: string;
}

/** Where the global setup's server of that kind listens (Prosody always; ejabberd for the matrix). */
export function serverInfo(kind: ServerKind = 'prosody'): {
  port: number;
  certFile: string;
  dir: string;
  configFile: string;
} {
  return inject(kind);
}

async function register(kind: ServerKind, accounts: string[]): Promise<void> {
  if (kind === 'prosody') await registerAccounts(serverInfo('prosody').configFile, accounts);
  else await registerEjabberdAccounts(serverInfo('ejabberd'), accounts);
}

export class TestUser {
  private constructor(
    readonly name: string,
    readonly jid: string,
    readonly home: string,
    readonly env: Record<string, string>,
    readonly server: ServerKind,
  ) {}

  /**
   * A user with a fresh account of its own (name + random suffix), so that test files running
   * in parallel never share an archive, a PEP or a key list. `shared` reuses the fixed account
   * `name` (alice is the pubsub.localhost admin), e.g. for a second device of the same account.
   */
  static async create(
    name: string,
    options: { shared?: boolean; server?: ServerKind } = {},
  ): Promise<TestUser> {
    const [user] = await TestUser.createMany([name], options);
    return user!;
  }

  /** Several users at once (one registration round on the server). */
  static async createMany(
    names: string[],
    options: { shared?: boolean; server?: ServerKind } = {},
  ): Promise<TestUser[]> {
    const server = options.server ?? 'prosody';
    const accounts = names.map((name) =>
      options.shared ? name : `${name}${randomBytes(3).toString('hex')}`,
    );
    if (!options.shared) await register(server, accounts);
    return Promise.all(accounts.map((account) => TestUser.device(account, server)));
  }

  /** Another device (fresh home: no config, no key, no state) of an existing account. */
  static async device(account: string, server: ServerKind = 'prosody'): Promise<TestUser> {
    const name = account;
    const domain = 'localhost';
    const home = await mkdtemp(join(tmpdir(), `oxps-${name}-`));
    return new TestUser(name, `${name}@${domain}`, home, deviceEnv(home, name), server);
  }

  run(args: string[], options: RunOptions = {}): Promise<RunResult> {
    return runNode([BIN, ...args], { ...options, env: { ...this.env, ...options.env } });
  }

  /** `profile add` for this user on a test server: the global setup's of its kind unless given. */
  profileAddArgs(server: ServerAddress = serverInfo(this.server)): string[] {
    return profileAddArgs(this.jid, server);
  }

  /** Adds the profile for this user on a test server (password from OXPS_PASSWORD). */
  async addProfile(extraArgs: string[] = [], server?: ServerAddress): Promise<RunResult> {
    const result = await this.run([...this.profileAddArgs(server), ...extraArgs], {
      env: { OXPS_PASSWORD: `${this.name}pass` },
    });
    if (result.code !== 0) throw new Error(`profile add ${this.jid} failed: ${result.stderr}`);
    return result;
  }
}

export function json<T = Record<string, unknown>>(result: RunResult): T {
  try {
    return JSON.parse(result.stdout) as T;
  } catch {
    throw new Error(`not JSON (exit ${result.code}): ${result.stdout}\nstderr: ${result.stderr}`);
  }
}

/** Asserts a run succeeded, showing its stderr when it did not; returns it for chaining. */
export function ok(result: RunResult): RunResult {
  if (result.code !== 0) throw new Error(`exit ${result.code}: ${result.stderr || result.stdout}`);
  return result;
}
