// GnuPG 2.2 in a throwaway home directory, for checking that what oxps writes is what GnuPG
// reads and the other way round. Each home has its own gpg-agent, killed by dispose().
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface GpgResult {
  code: number;
  stdout: Buffer;
  stderr: string;
}

export class GpgHome {
  private constructor(readonly dir: string) {}

  static async create(): Promise<GpgHome> {
    return new GpgHome(await mkdtemp(join(tmpdir(), 'oxps-gpg-')));
  }

  /**
   * Runs gpg in batch mode (loopback pinentry) with `input` on stdin (the passphrase with
   * --passphrase-fd 0). No symmetric-key cache: a wrong passphrase must fail, not hit the cache.
   */
  run(args: string[], input?: string | Uint8Array): Promise<GpgResult> {
    return spawnCollect(
      'gpg',
      [
        '--homedir',
        this.dir,
        '--batch',
        '--no-tty',
        '--no-symkey-cache',
        '--pinentry-mode',
        'loopback',
        ...args,
      ],
      input,
    );
  }

  /** `gpg --symmetric` of plaintext with the given passphrase and options; returns the binary message. */
  async symmetric(
    plaintext: string | Uint8Array,
    passphrase: string,
    options: string[],
  ): Promise<Uint8Array> {
    const result = await this.ok(
      ['--passphrase', passphrase, '--symmetric', ...options, '--output', '-'],
      plaintext,
    );
    return new Uint8Array(result.stdout);
  }

  /** Like run(), failing the test when gpg does. */
  async ok(args: string[], input?: string | Uint8Array): Promise<GpgResult> {
    const result = await this.run(args, input);
    if (result.code !== 0) throw new Error(`gpg ${args.join(' ')} failed (${result.code}): ${result.stderr}`);
    return result;
  }

  /** Stops this home's gpg-agent (gpg starts one on demand) and removes the directory. */
  async dispose(): Promise<void> {
    await spawnCollect('gpgconf', ['--homedir', this.dir, '--kill', 'gpg-agent']);
    await rm(this.dir, { recursive: true, force: true });
  }
}

function spawnCollect(command: string, args: string[], input?: string | Uint8Array): Promise<GpgResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: { PATH: process.env.PATH, HOME: process.env.HOME, LC_ALL: 'C', LANG: 'C' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    const stdout: Buffer[] = [];
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => stdout.push(d));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout: Buffer.concat(stdout), stderr }));
    // a child that exits without reading its input must not fail the run with EPIPE
    child.stdin.on('error', () => undefined);
    child.stdin.end(input ?? '');
  });
}
