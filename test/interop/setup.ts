// Vitest global setup of `npm run test:interop`: the Libervia peer of the shared harness.
//   start-prosody.sh   throwaway Prosody on 127.0.0.1:15222 (accounts alice/bob/mallory for
//                      Libervia, carol/dave for oxps), certificate at $PROSODY_CERT
//   start-libervia.sh  libervia-backend with an isolated HOME, pb bridge over a UNIX socket
//   setup-profiles.sh  Libervia profiles alice/bob/mallory, connected (OX keys made on first connect)
// then one oxps device per oxps account (profile + key), kept under the harness's INTEROP_DIR.
// At the end: stop.sh --purge (only the harness's recorded PIDs; removes INTEROP_DIR).
//
// OXPS_INTEROP_KEEP=1 reuses a harness that is already running and leaves it running (for
// debugging: /tmp/libervia-interop/logs/prosody-debug.log has every stanza, libervia.log the
// backend's log). Without it, a harness already running is an error: it may be another run's.
import { cp, mkdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { HARNESS_DIR, harnessScript, liRaw, oxpsDeviceEnv, readHarnessEnv, runOxps, type HarnessEnv } from './harness.js';

/** Libervia's profiles (setup-profiles.sh) and the accounts oxps plays (start-prosody.sh makes them). */
export const LIBERVIA_PROFILES = ['alice', 'bob', 'mallory'] as const;
export const OXPS_ACCOUNTS = ['carol', 'dave'] as const;

const KEEP = process.env.OXPS_INTEROP_KEEP === '1';
/** The last run's harness logs are copied here before the purge. */
const LAST_LOGS = join(tmpdir(), 'oxps-interop-last-logs');

let env: HarnessEnv | undefined;
let started = false;

function log(message: string): void {
  process.stderr.write(`[interop] ${message}\n`);
}

async function alive(pidFile: string): Promise<number | undefined> {
  try {
    const pid = Number((await readFile(pidFile, 'utf8')).trim());
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

async function step(script: string): Promise<void> {
  const result = await harnessScript(script);
  log(`${script}: ${(result.ms / 1000).toFixed(1)} s`);
  if (result.code !== 0) throw new Error(`${script} failed (exit ${result.code}):\n${result.stdout}\n${result.stderr}`);
}

export async function setup(project: TestProject): Promise<void> {
  const t0 = Date.now();
  env = await readHarnessEnv();
  try {
    await stat(join(HARNESS_DIR, 'start-prosody.sh'));
  } catch {
    throw new Error(`the Libervia harness is missing at ${HARNESS_DIR} (../shared next to the repository)`);
  }
  for (const name of ['prosody', 'libervia-backend']) {
    const pid = await alive(join(env.pidsDir, `${name}.pid`));
    if (pid && !KEEP) {
      throw new Error(`a Libervia harness is already running (${name} pid ${pid}, ${env.interopDir}): another run's, or a leftover. ` +
        `Stop it with ${HARNESS_DIR}/stop.sh --purge, or reuse it with OXPS_INTEROP_KEEP=1`);
    }
  }
  started = true;
  try {
    await step('start-prosody.sh');
    await step('start-libervia.sh');
    await step('setup-profiles.sh');
    // setup-profiles.sh does not stop on errors: check that every profile is really connected.
    await Promise.all(LIBERVIA_PROFILES.map(async (profile) => {
      const result = await liRaw(['profile', 'connect', '-c', '-p', profile, '--pwd', `${profile}pass`]);
      if (result.code !== 0) throw new Error(`Libervia profile ${profile} cannot connect: ${result.stdout}${result.stderr}`);
    }));
    const devices: Record<string, { home: string; env: Record<string, string> }> = {};
    await Promise.all(OXPS_ACCOUNTS.map(async (name) => {
      const home = join(env!.interopDir, 'oxps-devices', name);
      const deviceEnv = oxpsDeviceEnv(home, name);
      devices[name] = { home, env: deviceEnv };
      const existing = await stat(join(home, 'config', 'oxps', 'config.json')).then(() => true, () => false);
      if (existing) return; // OXPS_INTEROP_KEEP: the device of an earlier run
      await mkdir(home, { recursive: true, mode: 0o700 });
      const jid = `${name}@${env!.domain}`;
      const added = await runOxps(deviceEnv, ['profile', 'add', jid, '--host', '127.0.0.1', '--port', String(env!.port), '--tls-ca', env!.certFile], { extraEnv: { OXPS_PASSWORD: `${name}pass` } });
      if (added.code !== 0) throw new Error(`oxps profile add ${jid} failed: ${added.stderr}`);
      const key = await runOxps(deviceEnv, ['key', 'generate']);
      if (key.code !== 0) throw new Error(`oxps key generate for ${jid} failed: ${key.stderr}`);
    }));
    project.provide('libervia', { ...env, harnessDir: HARNESS_DIR, devices });
    log(`Libervia peer ready in ${((Date.now() - t0) / 1000).toFixed(1)} s (Prosody on 127.0.0.1:${env.port}, logs in ${env.logDir})`);
  } catch (error) {
    await teardown();
    throw error;
  }
}

export async function teardown(): Promise<void> {
  if (!env || !started) return;
  started = false;
  await rm(LAST_LOGS, { recursive: true, force: true });
  await cp(env.logDir, LAST_LOGS, { recursive: true }).then(
    () => log(`harness logs of this run copied to ${LAST_LOGS}`),
    () => undefined,
  );
  if (KEEP) {
    log(`OXPS_INTEROP_KEEP=1: the harness keeps running; stop it with ${HARNESS_DIR}/stop.sh --purge`);
    return;
  }
  const stopped = await harnessScript('stop.sh', ['--purge']);
  if (stopped.code !== 0) log(`stop.sh --purge failed: ${stopped.stdout}${stopped.stderr}`);
}

declare module 'vitest' {
  export interface ProvidedContext {
    libervia: HarnessEnv & {
      harnessDir: string;
      /** oxps devices by account name: their home and the environment to run oxps with. */
      devices: Record<string, { home: string; env: Record<string, string> }>;
    };
  }
}
