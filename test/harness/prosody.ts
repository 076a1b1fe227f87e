// A throwaway Prosody for tests and the demo: foreground process on 127.0.0.1 and a free port,
// generated config and self-signed certificate in a temp dir, accounts registered with
// prosodyctl, stopped by PID. Nothing touches /etc/prosody or a system service.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtemp, mkdir, writeFile, rm, readFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { XmppTestServer } from './server.js';
import { stopChild } from './process.js';

const run = promisify(execFile);

export const DOMAIN = 'localhost';
export const PUBSUB = 'pubsub.localhost';
/** A second virtual host served with the localhost certificate: a name mismatch. */
export const MISMATCH_DOMAIN = 'mismatch.localhost';
/** A virtual host without TLS: a server that offers only PLAIN in clear. */
export const NOTLS_DOMAIN = 'notls.localhost';
export const ACCOUNTS = ['alice', 'bob', 'carol', 'mallory'] as const;
export type AccountName = (typeof ACCOUNTS)[number];
export const passwordOf = (name: string): string => `${name}pass`;

export type ProsodyServer = XmppTestServer;

export interface ProsodyOptions {
  /** Extra accounts beyond alice, bob, carol, mallory (password "<name>pass"). */
  extraAccounts?: string[];
  /** Use SQLite storage (faster for big nodes); default is Prosody's file storage. */
  sqlite?: boolean;
  /** Host admins (they bypass access models on the pubsub component: keep readers out). */
  pubsubAdmins?: string[];
  /** Reuse a directory (and its data) of an earlier instance. */
  dir?: string;
  /** Listen on this port (to restart an instance where its clients expect it). */
  port?: number;
  /**
   * Log every stanza Prosody sends and receives (mod_stanza_debug, lines "SEND: <…>" and
   * "RECV: <…>") to a debug log, `stanzaLogFile(dir)`: to observe the wire. Off by default.
   */
  stanzaDebug?: boolean;
  /**
   * Pubsub requests left unanswered (test/harness/prosody-modules/mod_oxps_unanswered.lua):
   * `{ 'NODE ACTION': N }` answers the first N `<ACTION node='NODE'/>` requests, then none — a
   * server that takes a request and never answers, at an exact point rather than after a delay.
   */
  unanswered?: Record<string, number>;
  /** `{ JID: N }`: a session that sent N messages to JID gets no more answers to its pings. */
  holdPingsAfterMessages?: Record<string, number>;
  /**
   * `{ NODE: N }`: a plain request for all of NODE's items is answered with its first N items
   * only (requests naming ids or max_items are answered in full): silently, or (`truncateItemsRsm`)
   * with an RSM <set/> whose <count/> says how many there are.
   */
  truncateItems?: Record<string, number>;
  truncateItemsRsm?: Record<string, number>;
}

const TEST_MODULES_DIR = fileURLToPath(new URL('./prosody-modules', import.meta.url));

/** The debug log of an instance started with `stanzaDebug` (full stanzas, mod_stanza_debug). */
export const stanzaLogFile = (dir: string): string => join(dir, 'prosody-debug.log');

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

export async function startProsody(options: ProsodyOptions = {}): Promise<ProsodyServer> {
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'oxps-prosody-')));
  const dataDir = join(dir, 'data');
  const certDir = join(dir, 'certs');
  await mkdir(dataDir, { recursive: true });
  await mkdir(certDir, { recursive: true });
  const certFile = join(certDir, `${DOMAIN}.crt`);
  const keyFile = join(certDir, `${DOMAIN}.key`);
  if (!options.dir || !existsSync(certFile))
    await run('openssl', [
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
      keyFile,
      '-out',
      certFile,
    ]);
  const port = options.port ?? (await freePort());
  const configFile = join(dir, 'prosody.cfg.lua');
  const logFile = join(dir, 'prosody.log');
  await writeFile(configFile, prosodyConfig({ dir, dataDir, port, certFile, keyFile, logFile, options }));

  const child = spawn('prosody', ['--config', configFile, '-F'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: false,
  });
  let output = '';
  child.stdout?.on('data', (d) => (output += d));
  child.stderr?.on('data', (d) => (output += d));
  const server: ProsodyServer = {
    pid: child.pid!,
    port,
    dir,
    certFile,
    configFile,
    logFile,
    stop: () => stopChild(child, 5000),
  };
  try {
    await waitForPort(port, child, () => output);
    const accounts = [...ACCOUNTS, ...(options.extraAccounts ?? [])];
    await registerAccounts(configFile, accounts, DOMAIN, options.sqlite ? 1 : 8);
    await registerAccounts(configFile, ['alice'], MISMATCH_DOMAIN);
    await registerAccounts(configFile, ['alice'], NOTLS_DOMAIN);
  } catch (error) {
    await server.stop();
    throw error;
  }
  return server;
}

/** Registers accounts in parallel batches (each prosodyctl run costs ~0.3 s); one at a time on SQLite, which locks. */
export async function registerAccounts(
  configFile: string,
  names: string[],
  domain = DOMAIN,
  batch = 8,
): Promise<void> {
  for (let i = 0; i < names.length; i += batch) {
    await Promise.all(
      names
        .slice(i, i + batch)
        .map((name) =>
          run('prosodyctl', ['--config', configFile, 'register', name, domain, passwordOf(name)]),
        ),
    );
  }
}

function prosodyConfig(p: {
  dir: string;
  dataDir: string;
  port: number;
  certFile: string;
  keyFile: string;
  logFile: string;
  options: ProsodyOptions;
}): string {
  const user = userInfo().username;
  const admins = (p.options.pubsubAdmins ?? [`alice@${DOMAIN}`]).map((jid) => `"${jid}"`).join('; ');
  const { unanswered, holdPingsAfterMessages, truncateItems, truncateItemsRsm } = p.options;
  const testModule =
    unanswered || holdPingsAfterMessages || truncateItems || truncateItemsRsm ? ' "oxps_unanswered";' : '';
  const luaTable = (table: Record<string, number> = {}): string =>
    `{ ${Object.entries(table)
      .map(([key, n]) => `[${JSON.stringify(key)}] = ${n}`)
      .join('; ')} }`;
  const testModuleConfig = testModule
    ? `plugin_paths = { "${TEST_MODULES_DIR}" }\noxps_unanswered = ${luaTable(unanswered)}\noxps_hold_pings_after = ${luaTable(holdPingsAfterMessages)}\noxps_truncate_items = ${luaTable(truncateItems)}\noxps_truncate_items_rsm = ${luaTable(truncateItemsRsm)}`
    : '';
  const storage = p.options.sqlite
    ? `storage = "sql"\nsql = { driver = "SQLite3", database = "${join(p.dataDir, 'prosody.sqlite')}" }`
    : 'storage = "internal"';
  return `-- generated by oxps test/harness/prosody.ts; throwaway instance
prosody_user = "${user}"
run_as_root = true
pidfile = "${join(p.dir, 'prosody.pid')}"
data_path = "${p.dataDir}"
interfaces = { "127.0.0.1" }
local_interfaces = { "127.0.0.1" }
c2s_ports = { ${p.port} }
c2s_direct_tls_ports = { }
s2s_ports = { }
http_ports = { }
https_ports = { }
component_ports = { }
admin_socket = "${join(p.dataDir, 'prosody.sock')}"
modules_enabled = {
  "roster"; "saslauth"; "tls"; "disco"; "pep"; "private"; "version"; "time"; "ping";
  "mam"; "offline"; "posix";${p.options.stanzaDebug ? ' "stanza_debug";' : ''}${testModule}
}
${testModuleConfig}
modules_disabled = { "s2s" }
allow_registration = false
c2s_require_encryption = false
authentication = "internal_hashed"
${storage}
default_archive_policy = true
archive_expires_after = "1w"
pep_max_items = 256
-- stanzas up to 16 MiB, so that tests can store a hostile 10 MB item for oxps to refuse
c2s_stanza_size_limit = 1048576 * 16
log = { info = "${p.logFile}"; error = "${p.logFile}"${p.options.stanzaDebug ? `; debug = "${stanzaLogFile(p.dir)}"` : ''} }
certificates = "${join(p.dir, 'certs')}"
ssl = { key = "${p.keyFile}"; certificate = "${p.certFile}"; }

VirtualHost "${DOMAIN}"
  ssl = { key = "${p.keyFile}"; certificate = "${p.certFile}"; }

VirtualHost "${MISMATCH_DOMAIN}"
  ssl = { key = "${p.keyFile}"; certificate = "${p.certFile}"; }

VirtualHost "${NOTLS_DOMAIN}"
  modules_disabled = { "tls" }
  allow_unencrypted_plain_auth = true
  authentication = "internal_plain"

Component "${PUBSUB}" "pubsub"
  ssl = { key = "${p.keyFile}"; certificate = "${p.certFile}"; }
  pubsub_max_items = 100000
  modules_enabled = {${testModule} }
  -- name publishers in items, as some services do (oxps shows them)
  expose_publisher = true
  -- Prosody lets only admins create nodes here, and admins bypass access models
  admins = { ${admins} }
`;
}

async function waitForPort(port: number, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`prosody exited (${child.exitCode}): ${output()}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`prosody did not listen on 127.0.0.1:${port} within 15 s: ${output()}`);
}

/** Stops a Prosody started by another process (vitest global setup) from its PID. */
export async function stopByPid(pid: number): Promise<void> {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  for (let i = 0; i < 50; i++) {
    await new Promise((r) => setTimeout(r, 100));
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
  }
  process.kill(pid, 'SIGKILL');
}

export async function removeServerDir(server: ProsodyServer): Promise<void> {
  await rm(server.dir, { recursive: true, force: true });
}

export async function readLog(server: ProsodyServer): Promise<string> {
  return readFile(server.logFile, 'utf8').catch(() => '');
}
