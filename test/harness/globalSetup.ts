// Vitest global setup: one real Prosody for the whole run, stopped by PID at the end.
import type { TestProject } from 'vitest/node';
import { startProsody, removeServerDir, type ProsodyServer } from './prosody.js';

let server: ProsodyServer | undefined;

export async function setup(project: TestProject): Promise<void> {
  server = await startProsody();
  project.provide('prosody', { port: server.port, certFile: server.certFile, dir: server.dir, pid: server.pid, configFile: server.configFile });
}

export async function teardown(): Promise<void> {
  if (!server) return;
  await server.stop();
  await removeServerDir(server);
}

declare module 'vitest' {
  export interface ProvidedContext {
    prosody: { port: number; certFile: string; dir: string; pid: number; configFile: string };
  }
}
