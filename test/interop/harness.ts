// The shared Libervia harness (../shared/interop/libervia, next to the repository): where it is,
// what its env.sh says, and how to run its scripts and `li` (libervia-cli against the isolated
// backend). Nothing of Libervia is copied here: we call the harness's own scripts.
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const HARNESS_DIR = process.env.OXPS_LIBERVIA_HARNESS ?? resolve(REPO_ROOT, '..', 'shared', 'interop', 'libervia');

/** What the harness's env.sh computes (INTEROP_DIR and C2S_PORT may come from the environment). */
export interface HarnessEnv {
  interopDir: string;
  domain: string;
  port: number;
  certFile: string;
  prosodyConfig: string;
  gnupgHomes: string;
  logDir: string;
  pidsDir: string;
}

export interface ProcessResult {
  code: number;
  stdout: string;
  stderr: string;
  ms: number;
}

/** libervia-cli prints this harmless warning on every run (Debian's jinja2 is too new for it). */
const JINJA_NOISE = /^Can't import sat_frontends\.jp\.output_template plugin.*\n?/gm;

export function runProcess(command: string, args: string[], options: { input?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<ProcessResult> {
  const started = Date.now();
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { env: options.env ?? { ...process.env, LANG: 'C.UTF-8' }, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timeoutMs = options.timeoutMs ?? 120_000;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command} ${args.join(' ')} did not finish within ${timeoutMs} ms\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolvePromise({ code: code ?? -1, stdout: stdout.replace(JINJA_NOISE, ''), stderr: stderr.replace(JINJA_NOISE, ''), ms: Date.now() - started });
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(options.input ?? '');
  });
}

/** Runs one of the harness's scripts (start-prosody.sh, stop.sh, …) with bash. */
export function harnessScript(script: string, args: string[] = [], timeoutMs = 180_000): Promise<ProcessResult> {
  return runProcess('bash', [resolve(HARNESS_DIR, script), ...args], { timeoutMs });
}

/** `source env.sh; li ARGS…`: libervia-cli with the backend's isolated HOME/XDG and pb bridge. */
export function liRaw(args: string[], options: { input?: string; timeoutMs?: number } = {}): Promise<ProcessResult> {
  return runProcess('bash', ['-c', 'source "$0/env.sh" && li "$@"', HARNESS_DIR, ...args], options);
}

export async function readHarnessEnv(): Promise<HarnessEnv> {
  const script = 'source "$0/env.sh" && printf "%s\\n" "$INTEROP_DIR" "$DOMAIN" "$C2S_PORT" "$PROSODY_CERT" "$PROSODY_CFG" "$GNUPG_HOMES" "$LOG_DIR" "$PIDS_DIR"';
  const result = await runProcess('bash', ['-c', script, HARNESS_DIR]);
  if (result.code !== 0) throw new Error(`cannot read ${HARNESS_DIR}/env.sh: ${result.stderr}`);
  const [interopDir, domain, port, certFile, prosodyConfig, gnupgHomes, logDir, pidsDir] = result.stdout.split('\n');
  return { interopDir: interopDir!, domain: domain!, port: Number(port), certFile: certFile!, prosodyConfig: prosodyConfig!, gnupgHomes: gnupgHomes!, logDir: logDir!, pidsDir: pidsDir! };
}

export const OXPS_BIN = resolve(REPO_ROOT, 'bin', 'oxps');

/** The environment of one oxps device: its own XDG tree and a vault (no keychain), no colours. */
export function oxpsDeviceEnv(home: string, name: string): Record<string, string> {
  return {
    XDG_CONFIG_HOME: resolve(home, 'config'),
    XDG_DATA_HOME: resolve(home, 'data'),
    XDG_CACHE_HOME: resolve(home, 'cache'),
    OXPS_KEYSTORE: 'vault',
    OXPS_PASSPHRASE: `vault passphrase of ${name}`,
  };
}

export function runOxps(env: Record<string, string>, args: string[], options: { input?: string; timeoutMs?: number; extraEnv?: Record<string, string> } = {}): Promise<ProcessResult> {
  const fullEnv: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, LANG: 'C.UTF-8', NO_COLOR: '1', ...env, ...options.extraEnv };
  return runProcess(process.execPath, [OXPS_BIN, ...args], { input: options.input, timeoutMs: options.timeoutMs ?? 120_000, env: fullEnv });
}
