// One oxps installation as a user has it (its own XDG tree, an encrypted vault instead of a
// keychain), running the real binary, as the integration tests do.
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { run, runOk, type ProcessResult, type RunOptions } from './proc.js';
import { deviceEnv, profileAddArgs } from '../../test/harness/device.js';

export const OXPS_BIN = fileURLToPath(new URL('../../../bin/oxps', import.meta.url));

export interface ServerAddress {
  port: number;
  certFile: string;
  domain: string;
}

export class OxpsDevice {
  readonly jid: string;
  readonly env: NodeJS.ProcessEnv;

  constructor(
    readonly name: string,
    readonly home: string,
    readonly server: ServerAddress,
  ) {
    this.jid = `${name}@${server.domain}`;
    this.env = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      LANG: 'C.UTF-8',
      NO_COLOR: '1',
      ...deviceEnv(home, name),
    };
  }

  /** A profile for the account on the bench server, and (unless told otherwise) a published OX key. */
  static async create(
    name: string,
    root: string,
    server: ServerAddress,
    options: { key?: boolean } = {},
  ): Promise<OxpsDevice> {
    const home = join(root, name);
    await mkdir(home, { recursive: true, mode: 0o700 });
    const device = new OxpsDevice(name, home, server);
    await device.ok(profileAddArgs(device.jid, server), { env: { OXPS_PASSWORD: `${name}pass` } });
    if (options.key !== false) await device.ok(['key', 'generate']);
    return device;
  }

  run(args: string[], options: RunOptions = {}): Promise<ProcessResult> {
    return run(process.execPath, [OXPS_BIN, ...args], { ...options, env: { ...this.env, ...options.env } });
  }

  ok(args: string[], options: RunOptions = {}): Promise<ProcessResult> {
    return runOk(process.execPath, [OXPS_BIN, ...args], { ...options, env: { ...this.env, ...options.env } });
  }

  /** `oxps --json ARGS`, which must exit 0: its document. */
  async json<T>(args: string[], options: RunOptions = {}): Promise<{ result: ProcessResult; doc: T }> {
    const result = await this.ok(['--json', ...args], options);
    try {
      return { result, doc: JSON.parse(result.stdout) as T };
    } catch {
      const out = result.stdout;
      throw new Error(
        `oxps ${args.join(' ')}: not JSON (${out.length} bytes, exit ${result.code}): ${out.slice(0, 300)} … ${out.slice(-300)}\n${result.stderr.slice(-2000)}`,
      );
    }
  }
}
