// STARTTLS (RFC 6120 §5) as a stream feature, replacing @xmpp/starttls, whose upgrade passes only
// the host name to tls.connect: this one verifies the certificate against the system roots plus
// the CA the user chose to trust (--tls-ca), for this connection only — never a process-wide
// NODE_TLS_REJECT_UNAUTHORIZED. A failed verification is a connection error, never a fallback.
import { createSecureContext, type SecureContext } from 'node:tls';
import net from 'node:net';
import xml from '@xmpp/xml';
import TlsSocket from '@xmpp/tls/lib/Socket.js';
import { promise } from '@xmpp/events';
import type { Client } from '@xmpp/client-core';
import { OxpsError } from '../errors.js';
import { NS_TLS } from './negotiation.js';

export interface TlsTrust {
  /** PEM text of extra CA certificates to trust, from --tls-ca. */
  caPem?: string;
}

export function tlsConnectOptions(domain: string, trust: TlsTrust) {
  return {
    servername: domain,
    host: domain,
    rejectUnauthorized: true,
    ...(trust.caPem ? { secureContext: withExtraCa(trust.caPem) } : {}),
  };
}

/**
 * Node's default context (the system roots, parsed once per process in native code) plus the
 * user's CA. `ca: [...tls.rootCertificates, pem]` meant the same trust, but parsed the ~140
 * roots again for every connection: ~30 ms of each login. addCACert adds to this context's own
 * copy of the root store, never to the process-wide one.
 */
function withExtraCa(caPem: string): SecureContext {
  const context = createSecureContext();
  (context.context as { addCACert(pem: string): void }).addCACert(caPem);
  return context;
}

/** Asks for TLS and upgrades the socket (the stream restart is the negotiation's). */
export async function startTls(entity: Client, trust: TlsTrust): Promise<void> {
  const answer = await entity.sendReceive(xml('starttls', { xmlns: NS_TLS }));
  if (!answer.is('proceed', NS_TLS)) {
    throw new OxpsError('TLS_REQUIRED', `${entity.options.domain} refused to start TLS`);
  }
  const plainSocket = entity.socket as unknown as net.Socket;
  const tlsSocket = new TlsSocket();
  tlsSocket.connect({ socket: plainSocket, ...tlsConnectOptions(entity.options.domain, trust) });
  await promise(tlsSocket, 'connect');
  entity._attachSocket(tlsSocket);
}
