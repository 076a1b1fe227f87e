// Running the processes the benchmark compares (oxps, libervia-cli, gpg, node), timed from
// spawn to exit, with the peak resident set size of the process when asked: through
// /usr/bin/time (GNU time, %M = ru_maxrss of the child) where it exists, else by polling
// VmHWM in /proc/PID/status (a lower bound).
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

export interface ProcessResult {
  code: number;
  stdout: string;
  stderr: string;
  /** Wall-clock time from spawn to exit. */
  ms: number;
  /** Peak RSS in KiB (only with `rss: true`). */
  maxRssKb?: number;
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  input?: string;
  timeoutMs?: number;
  /** Measure the peak RSS of the process. */
  rss?: boolean;
  cwd?: string;
  /** Kills the process and rejects with ProcessAborted. */
  signal?: AbortSignal;
  /**
   * Runs the process in a process group of its own, so that a timeout or an abort also kills
   * what it started (a shell's children). Such a group does not get the terminal's Ctrl-C.
   */
  processGroup?: boolean;
}

export class ProcessAborted extends Error {
  constructor(
    readonly command: string,
    readonly ms: number,
    readonly partial: { stdout: string; stderr: string },
  ) {
    super(`${command} was stopped after ${Math.round(ms / 1000)} s`);
  }
}

export class ProcessTimeout extends Error {
  constructor(
    readonly command: string,
    readonly ms: number,
    readonly partial: { stdout: string; stderr: string },
  ) {
    super(`${command} did not finish within ${Math.round(ms / 1000)} s`);
  }
}

const GNU_TIME = '/usr/bin/time';
export const HAVE_GNU_TIME = existsSync(GNU_TIME);

export async function run(command: string, args: string[], options: RunOptions = {}): Promise<ProcessResult> {
  const rssFile =
    options.rss && HAVE_GNU_TIME ? join(await mkdtemp(join(tmpdir(), 'oxps-bench-rss-')), 'rss') : undefined;
  const [file, argv] = rssFile ? [GNU_TIME, ['-f', '%M', '-o', rssFile, command, ...args]] : [command, args];
  const started = performance.now();
  const result = await new Promise<ProcessResult>((resolve, reject) => {
    const child = spawn(file, argv, {
      env: options.env ?? process.env,
      cwd: options.cwd,
      stdio: ['pipe', 'pipe', 'pipe'],
      detached: Boolean(options.processGroup),
    });
    const killGroup = () => {
      try {
        if (options.processGroup && child.pid) process.kill(-child.pid, 'SIGKILL');
        else child.kill('SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    };
    const partial = () => ({
      stdout: Buffer.concat(stdout).toString('utf8'),
      stderr: Buffer.concat(stderr).toString('utf8'),
    });
    const onAbort = () => {
      killGroup();
      reject(
        new ProcessAborted(
          `${command} ${args.join(' ')}`.slice(0, 200),
          performance.now() - started,
          partial(),
        ),
      );
    };
    options.signal?.addEventListener('abort', onAbort, { once: true });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => stdout.push(d));
    child.stderr.on('data', (d: Buffer) => stderr.push(d));
    let hwm = 0;
    const poller =
      options.rss && !rssFile ? setInterval(() => (hwm = Math.max(hwm, vmHwm(child.pid))), 20) : undefined;
    const timeoutMs = options.timeoutMs ?? 300_000;
    const timer = setTimeout(() => {
      killGroup();
      reject(new ProcessTimeout(`${command} ${args.join(' ')}`.slice(0, 200), timeoutMs, partial()));
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      if (poller) clearInterval(poller);
      reject(error);
    });
    child.on('close', (code) => {
      const ms = performance.now() - started;
      options.signal?.removeEventListener('abort', onAbort);
      clearTimeout(timer);
      if (poller) clearInterval(poller);
      resolve({
        code: code ?? -1,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
        ms,
        ...(poller ? { maxRssKb: hwm || undefined } : {}),
      });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
  if (rssFile) {
    const text = await readFile(rssFile, 'utf8').catch(() => '');
    // GNU time prints "Command exited with non-zero status N" before the figure when the command fails
    const figure = Number(text.trim().split('\n').pop());
    if (Number.isFinite(figure) && figure > 0) result.maxRssKb = figure;
    await rm(join(rssFile, '..'), { recursive: true, force: true });
  }
  return result;
}

/** Like run(), but throws with the output unless the process exits 0. */
export async function runOk(
  command: string,
  args: string[],
  options: RunOptions = {},
): Promise<ProcessResult> {
  const result = await run(command, args, options);
  if (result.code !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} exited ${result.code}:\n${result.stdout.slice(-2000)}\n${result.stderr.slice(-2000)}`,
    );
  }
  return result;
}

function vmHwm(pid: number | undefined): number {
  if (!pid) return 0;
  try {
    // synchronous on purpose: a tiny procfs read, and the process may be gone a moment later
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /VmHWM:\s+(\d+) kB/.exec(status);
    return match ? Number(match[1]) : 0;
  } catch {
    return 0;
  }
}
