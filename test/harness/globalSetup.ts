// Vitest global setup: one real Prosody (and one ejabberd for the server matrix) for the whole
// run, started in parallel and stopped by PID at the end.
import type { TestProject } from 'vitest/node';
import { startProsody, removeServerDir } from './prosody.js';
import { startEjabberd } from './ejabberd.js';
import type { XmppTestServer } from './server.js';

const servers: XmppTestServer[] = [];

function info(server: XmppTestServer) {
  return {
    port: server.port,
    certFile: server.certFile,
    dir: server.dir,
    pid: server.pid,
    configFile: server.configFile,
  };
}

export async function setup(project: TestProject): Promise<void> {
  const [prosody, ejabberd] = await Promise.allSettled([startProsody(), startEjabberd()]);
  for (const started of [prosody, ejabberd]) if (started.status === 'fulfilled') servers.push(started.value);
  if (prosody.status === 'rejected') throw prosody.reason;
  if (ejabberd.status === 'rejected') throw ejabberd.reason;
  project.provide('prosody', info(prosody.value));
  project.provide('ejabberd', info(ejabberd.value));
}

export async function teardown(): Promise<void> {
  await Promise.all(
    servers.map(async (server) => {
      await server.stop();
      await removeServerDir(server);
    }),
  );
}

declare module 'vitest' {
  export interface ProvidedContext {
    prosody: ServerInfo;
    ejabberd: ServerInfo;
  }
}

interface ServerInfo {
  port: number;
  certFile: string;
  dir: string;
  pid: number;
  configFile: string;
}
