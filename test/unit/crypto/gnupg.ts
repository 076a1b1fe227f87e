// Runs GnuPG 2.2 (a system dependency of the test suite) in a throwaway GNUPGHOME, to check that
// what oxps writes is what `gpg --symmetric` makes and reads (and so what Libervia reads).
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface GpgResult {
  code: number;
  stdout: Buffer;
  stderr: string;
}

export class GnupgHome {
  private constructor(readonly dir: string) {}

  static async create(): Promise<GnupgHome> {
    return new GnupgHome(await mkdtemp(join(tmpdir(), 'oxps-gnupg-')));
  }

  run(args: string[], input?: string | Uint8Array, command = 'gpg'): Promise<GpgResult> {
    return new Promise((resolve, reject) => {
      const child = spawn(command, command === 'gpg' ? ['--batch', '--no-tty', '--no-symkey-cache', '--pinentry-mode', 'loopback', ...args] : args, {
        env: { ...process.env, GNUPGHOME: this.dir, LC_ALL: 'C', LANG: 'C' },
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

  /** `gpg --symmetric` of plaintext with the given passphrase and options; returns the binary message. */
  async symmetric(plaintext: string | Uint8Array, passphrase: string, options: string[]): Promise<Uint8Array> {
    const result = await this.run(['--passphrase', passphrase, '--symmetric', ...options, '--output', '-'], plaintext);
    if (result.code !== 0) throw new Error(`gpg --symmetric failed (${result.code}): ${result.stderr}`);
    return new Uint8Array(result.stdout);
  }

  /** Stops the gpg-agent of this home (started by gpg on demand) and removes the directory. */
  async dispose(): Promise<void> {
    await this.run(['--kill', 'gpg-agent'], undefined, 'gpgconf');
    await rm(this.dir, { recursive: true, force: true });
  }
}
