// In-process access to a test user's profile (its vault, state, keyring) for the steps a test
// must take below the CLI: crafting hostile messages, reading state, decrypting raw items.
import type { AppContext } from '../../src/app/context.js';
import { withDeviceContext } from '../harness/device.js';
import { Session } from '../../src/xmpp/session.js';
import { readFileSync } from 'node:fs';
import { serverInfo, type ServerKind, type TestUser } from './cli.js';

export function withUser<T>(user: TestUser, work: (ctx: AppContext) => Promise<T>): Promise<T> {
  return withDeviceContext(user, serverInfo(user.server), 20, work);
}

/** A bare XMPP session as another client of an account (not oxps's profile). */
export async function rawSession(name: string, kind: ServerKind = 'prosody'): Promise<Session> {
  const server = serverInfo(kind);
  const domain = 'localhost';
  return Session.open({
    jid: `${name}@${domain}`,
    password: `${name}pass`,
    host: '127.0.0.1',
    port: server.port,
    caPem: readFileSync(server.certFile, 'utf8'),
    timeoutSeconds: 20,
  });
}
