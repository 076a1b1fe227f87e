// Vitest global setup of `npm run test:interop`, all under one temporary directory:
//   prosody/        a throwaway Prosody (test/harness/prosody.ts) on 127.0.0.1 and a free port,
//                   domain localhost and pubsub.localhost, accounts alice/bob/mallory for
//                   Libervia and carol/dave for oxps, every stanza logged (mod_stanza_debug)
//   libervia/       libervia-backend with an isolated HOME, pb bridge over a UNIX socket, and its
//                   profiles alice/bob/mallory connected (OX keys made at first connect): libervia.ts
//   oxps-devices/   one oxps device per oxps account (profile + key)
// At the end: the processes started here are stopped (by PID) and the directory removed; the
// logs are copied to $TMPDIR/oxps-interop-last-logs first. OXPS_INTEROP_KEEP=1 keeps the
// directory (configs, data, GnuPG homes) for a look afterwards.
import { cp, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { DOMAIN, startProsody, stanzaLogFile, type ProsodyServer } from '../harness/prosody.js';
import { runOxps, type InteropContext } from './harness.js';
import { deviceEnv } from '../harness/device.js';
import { liberviaMissing, liberviaPaths, startLibervia, type LiberviaPeer } from './libervia.js';

/** Libervia's profiles and the accounts oxps plays (the test Prosody registers all of them). */
export const LIBERVIA_PROFILES = ['alice', 'bob', 'mallory'] as const;
export const OXPS_ACCOUNTS = ['carol', 'dave'] as const;

const KEEP = process.env.OXPS_INTEROP_KEEP === '1';
/** The last run's logs are copied here before the directory goes. */
const LAST_LOGS = join(tmpdir(), 'oxps-interop-last-logs');

let dir: string | undefined;
let prosody: ProsodyServer | undefined;
let libervia: LiberviaPeer | undefined;

function log(message: string): void {
  process.stderr.write(`[interop] ${message}\n`);
}

const seconds = (since: number) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

export async function setup(project: TestProject): Promise<void> {
  const t0 = Date.now();
  const missing = await liberviaMissing();
  if (missing) throw new Error(`${missing} (or run scripts/system-deps.sh interop as root)`);
  dir = await mkdtemp(join(tmpdir(), 'oxps-interop-'));
  try {
    // carol and dave are oxps's; Prosody lets only admins create nodes on the pubsub component
    prosody = await startProsody({
      dir: join(dir, 'prosody'),
      extraAccounts: ['dave'],
      pubsubAdmins: [`alice@${DOMAIN}`, `bob@${DOMAIN}`],
      stanzaDebug: true,
    });
    log(`Prosody on 127.0.0.1:${prosody.port} (pid ${prosody.pid}, ${seconds(t0)})`);
    const t1 = Date.now();
    libervia = await startLibervia({
      dir: join(dir, 'libervia'),
      port: prosody.port,
      domain: DOMAIN,
      profiles: [...LIBERVIA_PROFILES],
      log,
      startTimeoutMs: Number(process.env.OXPS_INTEROP_START_TIMEOUT_MS) || undefined,
    });
    log(`Libervia ready (pid ${libervia.pid}, ${seconds(t1)})`);
    const { port, certFile } = prosody;
    const devices: InteropContext['devices'] = {};
    await Promise.all(
      OXPS_ACCOUNTS.map(async (name) => {
        const home = join(dir!, 'oxps-devices', name);
        const env = deviceEnv(home, name);
        devices[name] = { home, env };
        await mkdir(home, { recursive: true, mode: 0o700 });
        const jid = `${name}@${DOMAIN}`;
        const added = await runOxps(
          env,
          ['profile', 'add', jid, '--host', '127.0.0.1', '--port', String(port), '--tls-ca', certFile],
          { extraEnv: { OXPS_PASSWORD: `${name}pass` } },
        );
        if (added.code !== 0) throw new Error(`oxps profile add ${jid} failed: ${added.stderr}`);
        const key = await runOxps(env, ['key', 'generate']);
        if (key.code !== 0) throw new Error(`oxps key generate for ${jid} failed: ${key.stderr}`);
      }),
    );
    project.provide('libervia', {
      dir,
      domain: DOMAIN,
      port,
      certFile,
      liberviaDir: libervia.dir,
      gnupgHomes: libervia.paths.gnupgHomes,
      stanzaLog: stanzaLogFile(prosody.dir),
      devices,
    });
    log(`Libervia peer ready in ${seconds(t0)} (${dir})`);
  } catch (error) {
    await teardown();
    throw error;
  }
}

export async function teardown(): Promise<void> {
  if (!dir) return;
  const runDir = dir;
  dir = undefined;
  await rm(LAST_LOGS, { recursive: true, force: true });
  try {
    await mkdir(LAST_LOGS, { recursive: true });
    // also when a start failed (the server or the peer stopped itself then)
    await cp(join(runDir, 'prosody', 'prosody.log'), join(LAST_LOGS, 'prosody.log')).catch(() => undefined);
    await cp(stanzaLogFile(join(runDir, 'prosody')), join(LAST_LOGS, 'prosody-debug.log')).catch(
      () => undefined,
    );
    await cp(liberviaPaths(join(runDir, 'libervia')).logDir, join(LAST_LOGS, 'libervia'), {
      recursive: true,
    }).catch(() => undefined);
    log(`logs of this run copied to ${LAST_LOGS}`);
  } catch (error) {
    log(`cannot copy the logs: ${(error as Error).message}`);
  }
  await libervia?.stop().catch((error: unknown) => log(`stopping Libervia: ${(error as Error).message}`));
  libervia = undefined;
  await prosody?.stop().catch((error: unknown) => log(`stopping Prosody: ${(error as Error).message}`));
  prosody = undefined;
  if (KEEP) log(`OXPS_INTEROP_KEEP=1: kept ${runDir}`);
  else await rm(runDir, { recursive: true, force: true });
}

declare module 'vitest' {
  export interface ProvidedContext {
    libervia: InteropContext;
  }
}
