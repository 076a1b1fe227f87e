// What the global setup (setup.ts) hands to the tests, and how to run the real oxps binary as one
// of the devices it made. The Libervia peer itself is libervia.ts; the XMPP server is the test
// harness's Prosody (test/harness/prosody.ts).
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { cleanEnv, runProcess, type ProcessResult } from '../harness/process.js';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const OXPS_BIN = resolve(REPO_ROOT, 'bin', 'oxps');

/** The peer the global setup started, as the tests see it (vitest `inject('libervia')`). */
export interface InteropContext {
  /** The run's directory: prosody/, libervia/, oxps-devices/. */
  dir: string;
  /** XMPP domain of every account (Prosody serves it and pubsub.<domain>). */
  domain: string;
  /** Prosody's c2s port on 127.0.0.1. */
  port: number;
  /** Prosody's self-signed certificate (the CA oxps is told to trust). */
  certFile: string;
  /** Libervia's directory: `liberviaCli(liberviaDir, …)` runs libervia-cli against the backend. */
  liberviaDir: string;
  /** Libervia's OX GnuPG homes, one per profile: `<gnupgHomes>/<profile>`. */
  gnupgHomes: string;
  /** Prosody's log of every stanza it sent and received (mod_stanza_debug). */
  stanzaLog: string;
  /** oxps devices by account name: their home and the environment to run oxps with. */
  devices: Record<string, { home: string; env: Record<string, string> }>;
}

export function runOxps(
  env: Record<string, string>,
  args: string[],
  options: { input?: string; timeoutMs?: number; extraEnv?: Record<string, string> } = {},
): Promise<ProcessResult> {
  return runProcess(process.execPath, [OXPS_BIN, ...args], {
    input: options.input,
    timeoutMs: options.timeoutMs ?? 120_000,
    env: cleanEnv({ ...env, ...options.extraEnv }),
  });
}
