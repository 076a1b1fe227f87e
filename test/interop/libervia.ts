// Libervia 0.9 (Debian 12's libervia-backend and libervia-cli) as an XMPP peer for tests and
// benchmarks: a headless backend with its own HOME/XDG tree in one directory, reachable only over
// a UNIX socket (the "pb" bridge, no D-Bus), routed to an XMPP server on 127.0.0.1, with profiles
// created and connected; `li(...)` runs libervia-cli against it. Nothing touches the real HOME,
// /etc or a system service, and only the processes started here are stopped (by PID).
//
// Layout of `dir` (everything derives from it, so another process can run `li` from `dir` alone):
//   home/                     HOME; .config/libervia/libervia.conf, .local/share/libervia (the
//                             local_dir: storage, the bridge's socket), .cache, .gnupg (GNUPGHOME)
//   run/                      pid_dir (twistd's own pidfile)
//   logs/                     log_dir: libervia.log (the backend's log), backend.out (its stdout)
//   cwd/                      the backend's working directory: OX GnuPG homes in cwd/gnupg-home/<profile>
//
// No vitest imports, so that the benchmarks (bench/) can use it as well.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { access, chmod, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runProcess, stopChild, type ProcessResult } from '../harness/process.js';

/** The system Python: the backend's script starts with `#!/usr/bin/env python3`, which may find another. */
const PYTHON = '/usr/bin/python3';
const BACKEND = '/usr/bin/libervia-backend';
const CLI = '/usr/bin/libervia-cli';
/** The Debian packages of the peer (scripts/system-deps.sh interop installs them). */
export const LIBERVIA_PACKAGES = 'libervia-backend libervia-cli python3-gpg python3-xmlschema gnupg';

/** Where things are in a Libervia directory (see the layout above). */
export interface LiberviaPaths {
  dir: string;
  home: string;
  configFile: string;
  localDir: string;
  gnupgHome: string;
  pidDir: string;
  logDir: string;
  /** The backend's own log (log_dir/libervia.log). */
  logFile: string;
  cwd: string;
  /** One GnuPG home per profile below this (the OX keys): `<gnupgHomes>/<profile>`. */
  gnupgHomes: string;
}

export function liberviaPaths(dir: string): LiberviaPaths {
  const home = join(dir, 'home');
  const cwd = join(dir, 'cwd');
  const logDir = join(dir, 'logs');
  return {
    dir,
    home,
    configFile: join(home, '.config', 'libervia', 'libervia.conf'),
    localDir: join(home, '.local', 'share', 'libervia'),
    gnupgHome: join(home, '.gnupg'),
    pidDir: join(dir, 'run'),
    logDir,
    logFile: join(logDir, 'libervia.log'),
    cwd,
    // Libervia 0.9 bug: get_local_path() ignores local_dir and builds a path relative to the
    // working directory, so the OX GnuPG homes land in ./gnupg-home/<profile> of the backend.
    gnupgHomes: join(cwd, 'gnupg-home'),
  };
}

/**
 * The environment of the backend and of libervia-cli: only our HOME/XDG tree (no /etc/xdg, no
 * user config), no D-Bus session, our own GNUPGHOME, and the system's PATH (system Python).
 */
export function liberviaEnv(dir: string): NodeJS.ProcessEnv {
  const { home, gnupgHome } = liberviaPaths(dir);
  return {
    HOME: home,
    XDG_CONFIG_HOME: join(home, '.config'),
    XDG_DATA_HOME: join(home, '.local', 'share'),
    XDG_CACHE_HOME: join(home, '.cache'),
    XDG_CONFIG_DIRS: '/nonexistent',
    XDG_DATA_DIRS: '/usr/share',
    DBUS_SESSION_BUS_ADDRESS: 'disabled:',
    GNUPGHOME: gnupgHome,
    PATH: '/usr/bin:/bin:/usr/sbin:/sbin',
    LANG: 'C.UTF-8',
  };
}

/**
 * libervia-cli warns on every run that it cannot load its template output (Debian's jinja2 is
 * too new for it): harmless, dropped from the output.
 */
const JINJA_NOISE = /^.*Can't import .*output_template plugin.*\n?/gm;

/** libervia-cli ARGS… against the backend of `dir` (its exit code and output, noise removed). */
export async function liberviaCli(
  dir: string,
  args: string[],
  options: { input?: string; timeoutMs?: number } = {},
): Promise<ProcessResult> {
  const result = await runProcess(PYTHON, [CLI, ...args], {
    env: liberviaEnv(dir),
    input: options.input,
    timeoutMs: options.timeoutMs ?? 120_000,
  });
  return {
    ...result,
    stdout: result.stdout.replace(JINJA_NOISE, ''),
    stderr: result.stderr.replace(JINJA_NOISE, ''),
  };
}

/** Why Libervia cannot run here (with the command to fix it), or undefined when it can. */
export async function liberviaMissing(): Promise<string | undefined> {
  for (const file of [BACKEND, CLI, PYTHON]) {
    const present = await access(file).then(
      () => true,
      () => false,
    );
    if (!present) return `${file} is missing: apt-get install -y ${LIBERVIA_PACKAGES}`;
  }
  // The OX and OXPS plugins need GPGME's bindings and xmlschema in the system Python; the
  // Debian package does not pull python3-gpg in (without it, the plugins are silently skipped).
  const deps = await runProcess(PYTHON, ['-c', 'import gpg, xmlschema'], { timeoutMs: 30_000 });
  if (deps.code !== 0)
    return `Libervia's OX plugins lack python3-gpg / python3-xmlschema: apt-get install -y python3-gpg python3-xmlschema`;
  return undefined;
}

export interface LiberviaOptions {
  /** c2s port on 127.0.0.1 of the XMPP server of `domain` (Libervia is routed there, no DNS). */
  port: number;
  /**
   * The directory of this peer (see the layout above); default a new temporary one. An existing
   * one is reused with its profiles, keys and secrets (to restart a stopped peer).
   */
  dir?: string;
  /** The XMPP domain of the profiles' accounts (default localhost). */
  domain?: string;
  /** Profiles to create (if missing) and connect: account `<profile>@<domain>`. Default alice, bob, mallory. */
  profiles?: string[];
  /** The account's password, also the profile's (default "<profile>pass"). */
  passwordOf?: (profile: string) => string;
  /** The backend's log level (default debug). */
  logLevel?: 'debug' | 'info' | 'warning' | 'error';
  /** How long the backend may take to answer libervia-cli (default 60 s). */
  startTimeoutMs?: number;
  /** Progress messages (default: none). */
  log?: (message: string) => void;
}

export const DEFAULT_PROFILES = ['alice', 'bob', 'mallory'] as const;

/** A running libervia-backend with its profiles connected. */
export interface LiberviaPeer {
  readonly pid: number;
  readonly dir: string;
  readonly paths: LiberviaPaths;
  readonly profiles: readonly string[];
  /** libervia-cli ARGS…; throws with its output unless it exits 0. */
  li(args: string[], options?: { input?: string; timeoutMs?: number }): Promise<ProcessResult>;
  /** libervia-cli ARGS…, whatever its exit code. */
  liRaw(args: string[], options?: { input?: string; timeoutMs?: number }): Promise<ProcessResult>;
  /** The OX GnuPG home of a profile (made at its first connection). */
  gnupgHome(profile: string): string;
  /** Stops the backend and its gpg-agents; the directory (profiles, keys) stays. */
  stop(): Promise<void>;
}

/** libervia.conf: our directories, the pb bridge over a UNIX socket, the domain routed to 127.0.0.1. */
function liberviaConfig(paths: LiberviaPaths, domain: string, port: number, logLevel: string): string {
  return `; generated by oxps test/interop/libervia.ts: a throwaway Libervia backend
[DEFAULT]
bridge = pb
local_dir = ${paths.localDir}
pid_dir = ${paths.pidDir}
log_dir = ${paths.logDir}
log_level = ${logLevel}
; Libervia would cache pubsub nodes and answer "pubsub get" from its cache, which goes stale:
; it keeps it up to date by a subscription Prosody does not support
pubsub_cache_strategy = no_cache
; our domain is served on 127.0.0.1 (no SRV or DNS lookups)
hosts_dict = ${JSON.stringify({ [domain]: { host: '127.0.0.1', port } })}

[bridge_pb]
connection_type = unix_socket
`;
}

/**
 * Starts libervia-backend in `dir` (isolated HOME/XDG, pb bridge), waits until libervia-cli gets
 * answers, then creates the missing profiles, turns certificate checking off (the test server's
 * certificate is self-signed), connects them (the OX key of a profile is made at its first
 * connection) and checks that they are connected.
 */
export async function startLibervia(options: LiberviaOptions): Promise<LiberviaPeer> {
  const missing = await liberviaMissing();
  if (missing) throw new Error(missing);
  const log = options.log ?? (() => undefined);
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'oxps-libervia-')));
  const paths = liberviaPaths(dir);
  const domain = options.domain ?? 'localhost';
  const profiles = [...(options.profiles ?? DEFAULT_PROFILES)];
  const passwordOf = options.passwordOf ?? ((profile: string) => `${profile}pass`);
  for (const d of [
    join(paths.home, '.config', 'libervia'),
    paths.localDir,
    join(paths.home, '.cache'),
    paths.pidDir,
    paths.logDir,
    paths.cwd,
  ]) {
    await mkdir(d, { recursive: true });
  }
  await mkdir(paths.gnupgHome, { recursive: true, mode: 0o700 });
  await chmod(paths.gnupgHome, 0o700);
  await writeFile(paths.configFile, liberviaConfig(paths, domain, options.port, options.logLevel ?? 'debug'));

  // "fg": twistd in the foreground (--nodaemon), so that the PID we get is the backend's
  const t0 = Date.now();
  const out = openSync(join(paths.logDir, 'backend.out'), 'a');
  let child: ChildProcess;
  try {
    child = spawn(PYTHON, [BACKEND, 'fg'], {
      cwd: paths.cwd,
      env: liberviaEnv(dir),
      stdio: ['ignore', out, out],
    });
  } finally {
    closeSync(out);
  }
  const spawned = new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', reject);
  });
  await spawned;
  const peer = makePeer(dir, paths, profiles, child);
  try {
    await waitUntilAnswering(dir, child, paths, options.startTimeoutMs ?? 60_000);
    log(`libervia-backend answers (pid ${child.pid}, ${((Date.now() - t0) / 1000).toFixed(1)} s)`);
    const existing = (await peer.li(['profile', 'list'])).stdout.split('\n').map((l) => l.trim());
    // one profile after the other, like a user would: the backend makes their RSA keys with GnuPG
    for (const profile of profiles) {
      const t1 = Date.now();
      const password = passwordOf(profile);
      if (!existing.includes(profile)) {
        await peer.li([
          'profile',
          'create',
          '-j',
          `${profile}@${domain}`,
          '-p',
          password,
          '-x',
          password,
          profile,
        ]);
      }
      // security limit -1: no limit (the parameter's security level is 4)
      await peer.li([
        'param',
        'set',
        '-p',
        profile,
        '--pwd',
        password,
        '--start-session',
        '--security-limit',
        '-1',
        'Connection',
        'check_certificate',
        'false',
      ]);
      await peer.li(['profile', 'connect', '-c', '-p', profile, '--pwd', password], { timeoutMs: 180_000 });
      // ask the backend itself whether the profile's session is up, with its JID
      const session = await peer.liRaw(['info', 'session', '-p', profile, '-O', 'json']);
      const jid = session.code === 0 ? (JSON.parse(session.stdout) as { jid?: string }).jid : undefined;
      if (!jid?.startsWith(`${profile}@${domain}`)) {
        throw new Error(
          `Libervia profile ${profile} is not connected (info session: exit ${session.code}):\n${session.stdout}${session.stderr}`,
        );
      }
      log(`Libervia profile ${profile} connected as ${jid} (${((Date.now() - t1) / 1000).toFixed(1)} s)`);
    }
  } catch (error) {
    await peer.stop();
    const tail = (await readFile(paths.logFile, 'utf8').catch(() => '')).split('\n').slice(-40).join('\n');
    throw new Error(`${(error as Error).message}\n--- last lines of ${paths.logFile}:\n${tail}`);
  }
  return peer;
}

async function waitUntilAnswering(
  dir: string,
  child: ChildProcess,
  paths: LiberviaPaths,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      const out = await readFile(join(paths.logDir, 'backend.out'), 'utf8').catch(() => '');
      throw new Error(
        `libervia-backend exited (${child.exitCode ?? child.signalCode}):\n${out.split('\n').slice(-30).join('\n')}`,
      );
    }
    const answer = await liberviaCli(dir, ['profile', 'list'], { timeoutMs: 30_000 }).catch(() => undefined);
    if (answer?.code === 0) return;
    if (Date.now() > deadline)
      throw new Error(
        `libervia-backend did not answer libervia-cli within ${timeoutMs / 1000} s: ${answer?.stderr ?? ''}`,
      );
    await new Promise((r) => setTimeout(r, 500));
  }
}

function makePeer(dir: string, paths: LiberviaPaths, profiles: string[], child: ChildProcess): LiberviaPeer {
  const liRaw = (args: string[], options: { input?: string; timeoutMs?: number } = {}) =>
    liberviaCli(dir, args, options);
  return {
    pid: child.pid!,
    dir,
    paths,
    profiles,
    liRaw,
    async li(args, options) {
      const result = await liRaw(args, options);
      if (result.code !== 0)
        throw new Error(
          `libervia-cli ${args.join(' ')} exited ${result.code}:\n${result.stdout.slice(-3000)}${result.stderr.slice(-3000)}`,
        );
      return result;
    },
    gnupgHome: (profile) => join(paths.gnupgHomes, profile),
    async stop() {
      await stopChild(child, 10_000);
      await killGpgAgents(paths);
    },
  };
}

/** GnuPG starts a gpg-agent per home, which outlives the backend: stop those of our homes. */
export async function killGpgAgents(paths: LiberviaPaths): Promise<void> {
  const homes = [paths.gnupgHome];
  for (const entry of await readdir(paths.gnupgHomes, { withFileTypes: true }).catch(() => [])) {
    if (entry.isDirectory()) homes.push(join(paths.gnupgHomes, entry.name));
  }
  await Promise.all(
    homes.map((home) =>
      runProcess('gpgconf', ['--homedir', home, '--kill', 'gpg-agent'], { timeoutMs: 30_000 }).catch(
        () => undefined,
      ),
    ),
  );
}

/** Stops the peer and removes its directory. */
export async function removeLibervia(peer: LiberviaPeer): Promise<void> {
  await peer.stop();
  await rm(peer.dir, { recursive: true, force: true });
}
