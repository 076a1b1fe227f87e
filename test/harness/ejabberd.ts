// A throwaway ejabberd (Debian package, 23.01) for tests: the counterpart of prosody.ts.
//
// Each instance lives in its own temp dir and is fully separate from a system ejabberd and from
// other instances:
//  * the Debian /usr/sbin/ejabberdctl is pointed at our dirs (--config-dir/--logs/--spool); it
//    sources <dir>/etc/ejabberdctl.cfg for the node AND for every ctl command, and that file
//    gives a unique Erlang node name, a random cookie and a fixed distribution port: with
//    ERL_DIST_PORT the node listens there and ctl clients dial it directly, so no epmd is
//    started or asked, and nothing is read from /etc/ejabberd or written to /var/lib/ejabberd;
//  * c2s on 127.0.0.1 and a free port, STARTTLS required, no s2s, no HTTP, no other listener;
//  * the node runs in the foreground as a child of this process; ejabberdctl always runs it as
//    the system user "ejabberd", so the dir is handed over to that user (we must be root);
//  * accounts are created with one ejabberdctl import_piefxis run (XEP-0227 file), since every
//    ejabberdctl command costs a whole Erlang VM start (~0.5 s);
//  * stop() asks our node to stop with ejabberdctl, waits for the VM to exit, SIGKILLs after 10 s.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { access, chmod, mkdir, mkdtemp, open, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { constants } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { ACCOUNTS, DOMAIN, PUBSUB, freePort, passwordOf, readLog, removeServerDir } from './prosody.js';
import type { XmppTestServer } from './server.js';

export { removeServerDir, readLog };
export type EjabberdServer = XmppTestServer;

export interface EjabberdOptions {
  /** Extra accounts beyond alice, bob, carol, mallory (password "<name>pass"). */
  extraAccounts?: string[];
  /** Use this (empty or previously used) dir instead of a fresh temp dir. */
  dir?: string;
}

const EJABBERDCTL = '/usr/sbin/ejabberdctl';
/** The Debian ejabberdctl refuses any other user than root and this one, and runs the node as it. */
const SERVICE_USER = 'ejabberd';
const START_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 10_000;
/** Stanzas up to 16 MiB, so that tests can store big (or hostile) items. */
const MAX_STANZA_BYTES = 16 * 1024 * 1024;
/** Parallel ejabberdctl runs when accounts must be registered one by one (each is a short-lived Erlang VM). */
const REGISTER_PARALLELISM = 4;
/** A minimal environment, so nothing from ours (EJABBERD_OPTS, ERL_*) leaks into the node. */
const CHILD_ENV = { PATH: '/usr/sbin:/usr/bin:/sbin:/bin', LANG: 'C.UTF-8' };

/** Where things are inside an instance dir (fixed, so helpers can work from XmppTestServer.dir). */
function layout(dir: string) {
  const etc = join(dir, 'etc');
  const certs = join(dir, 'certs');
  const logs = join(dir, 'logs');
  return {
    dir,
    etc,
    spool: join(dir, 'spool'),
    logs,
    certs,
    run: join(dir, 'run'),
    contrib: join(dir, 'contrib'),
    configFile: join(etc, 'ejabberd.yml'),
    ctlConfigFile: join(etc, 'ejabberdctl.cfg'),
    inetrc: join(etc, 'inetrc'),
    certFile: join(certs, `${DOMAIN}.crt`),
    keyFile: join(certs, `${DOMAIN}.key`),
    /** key + certificate in one file, the way ejabberd's certfiles want it */
    bundleFile: join(certs, `${DOMAIN}.pem`),
    logFile: join(logs, 'ejabberd.log'),
    errorLogFile: join(logs, 'error.log'),
    consoleFile: join(logs, 'console.out'),
    pidFile: join(dir, 'run', 'ejabberd.pid'),
  };
}
type Layout = ReturnType<typeof layout>;

/**
 * Starts a throwaway ejabberd on 127.0.0.1 and resolves once c2s accepts connections and the
 * accounts alice, bob, carol, mallory (+ extraAccounts) exist, with password "<name>pass".
 */
export async function startEjabberd(options: EjabberdOptions = {}): Promise<XmppTestServer> {
  await checkPrerequisites();
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'oxps-ejabberd-')));
  // ejabberdctl uses these paths unquoted in places: keep them plain
  if (!/^[\w./-]+$/.test(dir))
    throw new Error(`ejabberd harness: unsupported characters in dir ${JSON.stringify(dir)}`);
  // A port found free can be taken by someone else before ejabberd binds it: then try new ones.
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(layout(dir), options.extraAccounts ?? []);
    } catch (error) {
      if (attempt >= 3 || !/eaddrinuse/i.test((error as Error).message)) throw error;
    }
  }
}

async function startOnce(paths: Layout, extraAccounts: string[]): Promise<XmppTestServer> {
  const dir = paths.dir;
  for (const sub of [paths.etc, paths.spool, paths.logs, paths.certs, paths.run, paths.contrib]) {
    await mkdir(sub, { recursive: true });
  }
  await makeCertificate(paths);
  const fresh = !(await exists(join(paths.spool, 'schema.DAT'))); // mnesia's schema: a used dir

  const port = await freePort();
  let distPort = await freePort();
  while (distPort === port) distPort = await freePort();
  // mnesia data is tied to the node name: keep it when a dir is reused, otherwise make a new one
  const node = (await readNodeName(paths)) ?? `oxps_${randomBytes(5).toString('hex')}@localhost`;
  const cookie = randomBytes(24).toString('hex');
  await writeFile(paths.ctlConfigFile, ctlConfig({ paths, node, distPort, cookie }), { mode: 0o600 });
  await writeFile(paths.inetrc, '{lookup, [file, native]}.\n{host, {127,0,0,1}, ["localhost"]}.\n');
  await writeFile(paths.configFile, ejabberdConfig({ paths, port }));
  await handOver(paths);

  const consoleOut = await open(paths.consoleFile, 'w'); // this run's stdout/stderr only
  let child: ChildProcess;
  try {
    child = spawn(EJABBERDCTL, [...ctlDirArgs(paths), 'foreground'], {
      stdio: ['ignore', consoleOut.fd, consoleOut.fd],
      env: CHILD_ENV,
      detached: false,
    });
  } finally {
    await consoleOut.close();
  }
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('error', () => undefined); // reported through exitCode / the startup checks

  let beamPid: number | undefined;
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => (stopping ??= stopNode({ paths, node, child, exited, beamPid }));

  const deadline = Date.now() + START_TIMEOUT_MS;
  try {
    await waitFor(
      deadline,
      () => c2sAnswers(port),
      child,
      paths,
      `c2s on 127.0.0.1:${port} to offer STARTTLS`,
    );
    beamPid = await waitFor(
      deadline,
      () => beamFromPidFile(paths, node),
      child,
      paths,
      'the pid file of the Erlang VM',
    );
    await registerAccounts(paths, [...ACCOUNTS, ...extraAccounts], { deadline, child, fresh });
  } catch (error) {
    await stop().catch(() => undefined);
    throw error;
  }
  return {
    pid: beamPid,
    port,
    dir,
    certFile: paths.certFile,
    configFile: paths.configFile,
    logFile: paths.logFile,
    stop,
  };
}

/** Runs an ejabberdctl command against the instance in server.dir (e.g. add_rosteritem ...). */
export async function ejabberdctl(server: Pick<XmppTestServer, 'dir'>, ...args: string[]): Promise<string> {
  const result = await ctl(layout(server.dir), args);
  if (result.code !== 0)
    throw new Error(`ejabberdctl ${args.join(' ')} failed (exit ${result.code}): ${result.output.trim()}`);
  return result.output;
}

/** Registers (or resets the password of) accounts "<name>@localhost" with password "<name>pass". */
export async function registerEjabberdAccounts(
  server: Pick<XmppTestServer, 'dir'>,
  names: string[],
): Promise<void> {
  await registerAccounts(layout(server.dir), names, {
    deadline: Date.now() + START_TIMEOUT_MS,
    fresh: false,
  });
}

async function checkPrerequisites(): Promise<void> {
  try {
    await access(EJABBERDCTL, constants.X_OK);
  } catch {
    throw new Error(`ejabberd harness: ${EJABBERDCTL} not found (apt-get install ejabberd)`);
  }
  const me = userInfo().username;
  if (process.getuid?.() !== 0 && me !== SERVICE_USER) {
    throw new Error(
      `ejabberd harness: must run as root or as user ${SERVICE_USER} (Debian's ejabberdctl refuses ${me})`,
    );
  }
}

async function makeCertificate(paths: Layout): Promise<void> {
  if (await exists(paths.bundleFile)) return;
  await runTool('openssl', [
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '30',
    '-subj',
    `/CN=${DOMAIN}`,
    '-addext',
    `subjectAltName=DNS:${DOMAIN},DNS:${PUBSUB}`,
    '-keyout',
    paths.keyFile,
    '-out',
    paths.certFile,
  ]);
  const [key, cert] = await Promise.all([readFile(paths.keyFile, 'utf8'), readFile(paths.certFile, 'utf8')]);
  await writeFile(paths.bundleFile, key + cert, { mode: 0o600 });
}

async function readNodeName(paths: Layout): Promise<string | undefined> {
  const text = await readFile(paths.ctlConfigFile, 'utf8').catch(() => '');
  return /^ERLANG_NODE='([\w.-]+@[\w.-]+)'$/m.exec(text)?.[1];
}

/** Shell-quotes for ejabberdctl.cfg, which ejabberdctl sources with bash. */
const sh = (value: string): string => `'${value.replace(/'/g, `'\\''`)}'`;

function ctlConfig(p: { paths: Layout; node: string; distPort: number; cookie: string }): string {
  // ERL_OPTIONS is expanded unquoted by ejabberdctl: only plain tokens in it.
  const erlOptions = [
    `-setcookie ${p.cookie}`, // never look for (or create) ~ejabberd/.erlang.cookie
    '-kernel inet_dist_use_interface {127,0,0,1}', // distribution on loopback only
    '-env ERL_CRASH_DUMP_BYTES 0',
  ].join(' ');
  return `# generated by oxps test/harness/ejabberd.ts; sourced by ejabberdctl for the node and each ctl command
ERLANG_NODE=${sh(p.node)}
ERL_DIST_PORT=${p.distPort}
ERL_OPTIONS=${sh(erlOptions)}
EJABBERD_PID_PATH=${sh(p.paths.pidFile)}
CONTRIB_MODULES_PATH=${sh(p.paths.contrib)}
CONTRIB_MODULES_CONF_DIR=${sh(join(p.paths.etc, 'modules.d'))}
EJABBERD_BYPASS_WARNINGS=true
`;
}

function ejabberdConfig(p: { paths: Layout; port: number }): string {
  const q = (value: string): string => JSON.stringify(value); // a JSON string is a YAML string
  return `# generated by oxps test/harness/ejabberd.ts; throwaway instance
hosts:
  - ${q(DOMAIN)}
loglevel: info
certfiles:
  - ${q(p.paths.bundleFile)}
default_db: mnesia
auth_method: internal
# stored in clear, so that every SCRAM variant (and PLAIN, inside TLS) can be offered
auth_password_format: plain
disable_sasl_mechanisms:
  - "digest-md5"
  - "x-oauth2"
# no server-to-server: no s2s listener below and nobody may use s2s
s2s_access: none
listen:
  -
    port: ${p.port}
    ip: "127.0.0.1"
    module: ejabberd_c2s
    starttls: true
    # nothing but <starttls/> before TLS: no SASL mechanism is ever offered in clear
    starttls_required: true
    max_stanza_size: ${MAX_STANZA_BYTES}
    shaper: none
    access: c2s
    backlog: 128
acl:
  local:
    user_regexp: ""
access_rules:
  local:
    allow: local
  c2s:
    allow: all
shaper_rules:
  max_user_offline_messages: 5000
api_permissions:
  "ejabberdctl of this instance":
    from:
      - ejabberd_ctl
    who: all
    what: "*"
modules:
  mod_admin_extra: {}
  mod_caps: {}
  mod_disco: {}
  mod_mam:
    default: always
  mod_offline:
    access_max_user_messages: max_user_offline_messages
  mod_ping: {}
  mod_private: {}
  mod_pubsub:
    host: ${q(PUBSUB)}
    # any local user may create nodes on ${PUBSUB}; nobody is an admin who bypasses access models
    access_createnode: local
    plugins:
      - flat
      - pep
    max_items_node: 100000
    # ejabberd refuses item payloads over 250000 bytes by default; allow what the stanza limit
    # allows, on PEP nodes too (default_node_config would only reach ${PUBSUB})
    force_node_config:
      "*":
        max_payload_size: ${MAX_STANZA_BYTES}
  mod_roster:
    versioning: true
  mod_stream_mgmt: {}
  mod_time: {}
  mod_version:
    show_os: false
`;
}

/** ejabberdctl runs the node as user "ejabberd": give it the whole tree; the cert stays world-readable. */
async function handOver(paths: Layout): Promise<void> {
  if (process.getuid?.() === 0) await runTool('chown', ['-R', `${SERVICE_USER}:${SERVICE_USER}`, paths.dir]);
  await chmod(paths.dir, 0o755);
  await chmod(paths.certs, 0o755);
  await chmod(paths.certFile, 0o644);
  await chmod(paths.etc, 0o700);
}

const ctlDirArgs = (paths: Layout): string[] => [
  '--config-dir',
  paths.etc,
  '--logs',
  paths.logs,
  '--spool',
  paths.spool,
];

/** One ejabberdctl command (a short-lived Erlang VM that joins our node); never throws. */
function ctl(paths: Layout, args: string[], timeoutMs = 20_000): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      EJABBERDCTL,
      [...ctlDirArgs(paths), ...args],
      { env: CHILD_ENV, timeout: timeoutMs },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, output: `${stdout}${stderr}` });
      },
    );
  });
}

interface RegisterContext {
  deadline: number;
  /** The launcher: registration gives up as soon as it has exited. */
  child?: ChildProcess;
  /** A new mnesia database: no account exists yet. */
  fresh: boolean;
}

async function registerAccounts(paths: Layout, names: string[], context: RegisterContext): Promise<void> {
  const unique = [...new Set(names)];
  for (const name of unique) {
    if (!/^[a-z0-9][a-z0-9._-]*$/.test(name))
      throw new Error(`ejabberd harness: unsupported account name ${JSON.stringify(name)}`);
  }
  if (unique.length === 0) return;
  const existing = context.fresh ? new Set<string>() : await registeredUsers(paths, context);
  const missing = unique.filter((name) => !existing.has(name));
  const imported = missing.length > 0 && (await importAccounts(paths, missing));
  // What the batch did not do: reset passwords of existing accounts (a reused dir), or
  // everything if the batch failed. Each ejabberdctl run is a VM of its own: a few at a time.
  const queue = unique.filter((name) => existing.has(name) || !imported);
  const worker = async (): Promise<void> => {
    for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
      await registerOne(paths, name, existing.has(name), context);
    }
  };
  await Promise.all(Array.from({ length: Math.min(REGISTER_PARALLELISM, queue.length) }, worker));
}

async function registeredUsers(paths: Layout, context: RegisterContext): Promise<Set<string>> {
  let last = '';
  while (Date.now() < context.deadline && !exitedEarly(context)) {
    const listed = await ctl(paths, ['registered_users', DOMAIN]);
    if (listed.code === 0)
      return new Set(
        listed.output
          .split('\n')
          .map((line) => line.trim())
          .filter(Boolean),
      );
    last = listed.output.trim();
    await sleep(250);
  }
  throw new Error(
    `ejabberd harness: could not list the accounts of ${DOMAIN}: ${last || 'node gone'}${await logTail(paths)}`,
  );
}

/**
 * Creates all accounts with ONE ejabberdctl run: a XEP-0227 (PIEFXIS) file read by
 * import_piefxis. Each ejabberdctl run is a fresh Erlang VM (~0.5 s here), so this is
 * much cheaper than one "register" per account. False if the import failed, e.g. because
 * an account already exists (ejabberd then stops at that account).
 */
async function importAccounts(paths: Layout, names: string[]): Promise<boolean> {
  const esc = (value: string): string =>
    value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/'/g, '&apos;');
  const users = names
    .map((name) => `    <user name='${esc(name)}' password='${esc(passwordOf(name))}'/>`)
    .join('\n');
  const file = join(paths.run, `accounts-${randomBytes(4).toString('hex')}.xml`);
  await writeFile(
    file,
    `<?xml version='1.0' encoding='UTF-8'?>\n<server-data xmlns='urn:xmpp:pie:0'>\n  <host jid='${DOMAIN}'>\n${users}\n  </host>\n</server-data>\n`,
    { mode: 0o600 },
  );
  try {
    if (process.getuid?.() === 0) await runTool('chown', [`${SERVICE_USER}:${SERVICE_USER}`, file]); // the node reads it
    return (await ctl(paths, ['import_piefxis', file])).code === 0;
  } finally {
    await rm(file, { force: true });
  }
}

/** Creates one account, or resets its password to "<name>pass" if it exists. */
async function registerOne(
  paths: Layout,
  name: string,
  known: boolean,
  context: RegisterContext,
): Promise<void> {
  const password = passwordOf(name);
  let last = '';
  // Retried: right after the port opens the node may still be finishing startup, and two ctl
  // clients can (rarely) draw the same random node name and be refused.
  while (Date.now() < context.deadline && !exitedEarly(context)) {
    const result = await ctl(
      paths,
      known ? ['change_password', name, DOMAIN, password] : ['register', name, DOMAIN, password],
    );
    if (result.code === 0) return;
    last = result.output.trim();
    if (!known && /already registered/i.test(last)) {
      known = true;
      continue;
    }
    await sleep(250);
  }
  throw new Error(
    `ejabberd harness: could not register ${name}@${DOMAIN}: ${last || 'node gone'}${await logTail(paths)}`,
  );
}

const exitedEarly = (context: RegisterContext): boolean =>
  context.child !== undefined && (context.child.exitCode !== null || context.child.signalCode !== null);

async function waitFor<T>(
  deadline: number,
  probe: () => Promise<T | undefined>,
  child: ChildProcess,
  paths: Layout,
  what: string,
): Promise<T> {
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `ejabberd exited during startup (${child.exitCode ?? child.signalCode}) while waiting for ${what}; dir ${paths.dir}${await logTail(paths)}`,
      );
    }
    if (Date.now() >= deadline) {
      throw new Error(
        `ejabberd did not start within ${START_TIMEOUT_MS / 1000} s (waiting for ${what}); dir ${paths.dir}${await logTail(paths)}`,
      );
    }
    await sleep(100);
  }
}

/**
 * True once something on the port answers a stream header with STARTTLS stream features: that
 * is our c2s listener, and not some other process that took the port first (ejabberd then
 * exits with eaddrinuse, and startEjabberd tries other ports).
 */
function c2sAnswers(port: number): Promise<true | undefined> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let received = '';
    let settled = false;
    const finish = (value: true | undefined): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(value);
    };
    const timer = setTimeout(() => finish(undefined), 2000);
    socket.setEncoding('utf8');
    socket.once('connect', () =>
      socket.write(
        `<?xml version='1.0'?><stream:stream to='${DOMAIN}' version='1.0' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>`,
      ),
    );
    socket.on('data', (chunk: string) => {
      received += chunk;
      if (received.includes('urn:ietf:params:xml:ns:xmpp-tls')) finish(true);
    });
    socket.once('error', () => finish(undefined));
    socket.once('close', () => finish(undefined));
  });
}

/** The Erlang VM's PID from ejabberd's pid file, if that process is our node. */
async function beamFromPidFile(paths: Layout, node: string): Promise<number | undefined> {
  const pid = Number((await readFile(paths.pidFile, 'utf8').catch(() => '')).trim());
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  return (await isOurBeam(pid, node)) ? pid : undefined;
}

async function isOurBeam(pid: number, node: string): Promise<boolean> {
  const cmdline = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => '');
  return cmdline.split('\0').includes(node) && (await isAlive(pid));
}

/** Alive and not a zombie (an exited beam stays a zombie until its parent reaps it). */
async function isAlive(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => '');
  if (!stat) return false;
  const state = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0];
  return state !== 'Z' && state !== 'X';
}

/** PIDs of the launcher and all its descendants (ejabberdctl -> su -> erl/beam -> erl_child_setup). */
async function processTree(root: number): Promise<number[]> {
  const children = new Map<number, number[]>();
  for (const entry of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = await readFile(`/proc/${entry}/stat`, 'utf8').catch(() => '');
    if (!stat) continue;
    const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
    const list = children.get(ppid) ?? [];
    list.push(Number(entry));
    children.set(ppid, list);
  }
  const tree: number[] = [];
  const pending = [root];
  while (pending.length > 0) {
    const pid = pending.pop()!;
    tree.push(pid);
    pending.push(...(children.get(pid) ?? []));
  }
  return tree;
}

/** Our beam among the launcher's descendants, for when ejabberd has not written its pid file (yet). */
async function beamInTree(child: ChildProcess, node: string): Promise<number | undefined> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return undefined;
  for (const pid of await processTree(child.pid)) {
    if (await isOurBeam(pid, node)) return pid;
  }
  return undefined;
}

async function stopNode(s: {
  paths: Layout;
  node: string;
  child: ChildProcess;
  exited: Promise<void>;
  beamPid: number | undefined;
}): Promise<void> {
  const launcherRunning = (): boolean => s.child.exitCode === null && s.child.signalCode === null;
  const beam = s.beamPid ?? (await beamFromPidFile(s.paths, s.node)) ?? (await beamInTree(s.child, s.node));
  const beamRunning = async (): Promise<boolean> => beam !== undefined && (await isOurBeam(beam, s.node));
  if (!launcherRunning() && !(await beamRunning())) return;

  // 1. graceful: ask OUR node (name, cookie and dist port come from our ejabberdctl.cfg)
  if (await beamRunning()) await ctl(s.paths, ['stop'], STOP_GRACE_MS);
  const gone = async (): Promise<boolean> => !launcherRunning() && !(await beamRunning());
  const until = Date.now() + STOP_GRACE_MS;
  while (!(await gone()) && Date.now() < until) await sleep(50);
  if (await gone()) return;

  // 2. SIGKILL what is left of our own process tree (and our beam, should it have been re-parented)
  const victims = new Set(
    s.child.pid !== undefined && launcherRunning() ? await processTree(s.child.pid) : [],
  );
  if (beam !== undefined && (await beamRunning())) victims.add(beam);
  for (const pid of victims) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  await Promise.race([s.exited, sleep(5000)]);
}

async function logTail(paths: Layout, lines = 30): Promise<string> {
  let text = '';
  for (const file of [paths.consoleFile, paths.errorLogFile, paths.logFile]) {
    const content = await readFile(file, 'utf8').catch(() => '');
    if (!content.trim()) continue;
    text += `\n--- ${file} (last ${lines} lines) ---\n${content.trimEnd().split('\n').slice(-lines).join('\n')}`;
  }
  return text ? `\n${text}` : ' (no ejabberd logs written)';
}

async function runTool(command: string, args: string[]): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    execFile(command, args, { env: CHILD_ENV }, (error, _stdout, stderr) =>
      error
        ? reject(new Error(`${command} ${args[0] ?? ''} failed: ${stderr.trim() || error.message}`))
        : resolve(),
    );
  });
}

async function exists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
