// An authenticated XMPP session: xmpp.js's client-core, TCP transport, middleware and IQ callee,
// composed with our own strict parser, negotiation order (STARTTLS, SASL, bind) and IQ caller
// (see those files for why). Everything above this layer talks to the server through Session only.
import { StringDecoder } from 'node:string_decoder';
import { randomBytes } from 'node:crypto';
import { resolveSrv } from 'node:dns/promises';
import { Client } from '@xmpp/client-core';
import ConnectionTCP from '@xmpp/tcp/lib/Connection.js';
import _middleware from '@xmpp/middleware';
import _iqCallee, { type IQCallee } from '@xmpp/iq/callee.js';
import StanzaError from '@xmpp/middleware/lib/StanzaError.js';
import xml, { type Element } from '@xmpp/xml';
import { OxpsError } from '../errors.js';
import { StrictStreamParser } from './strictParser.js';
import { startTls, type TlsTrust } from './starttls.js';
import { authenticate } from './sasl.js';
import { bindResource } from './bind.js';
import { negotiateInOrder } from './negotiation.js';
import { IqCaller } from './iqCaller.js';
import { connectError } from './connectErrors.js';
import { domainOf, parseBareJid } from './jid.js';

export interface SessionOptions extends TlsTrust {
  jid: string;
  /** A promise: the connection and TLS start at once, the login waits for it. */
  password: string | Promise<string>;
  host?: string;
  port?: number;
  /** Seconds to wait for the connection and for each answer. */
  timeoutSeconds?: number;
}

class StrictTcp extends (ConnectionTCP as unknown as new (...args: unknown[]) => object) {}
(StrictTcp.prototype as unknown as { Parser: unknown }).Parser = StrictStreamParser;

/** client-core's Client with a UTF-8 decoder that keeps multi-byte characters split across TCP reads. */
class OxpsClient extends Client {
  private decoder = new StringDecoder('utf8');
  override _attachSocket(socket: unknown): void {
    this.decoder = new StringDecoder('utf8');
    super._attachSocket(socket);
  }
  _onData(data: Buffer): void {
    (this as unknown as { parser: { write(s: string): void } | null }).parser?.write(
      this.decoder.write(data),
    );
  }
}

export class IqError extends OxpsError {
  constructor(
    readonly condition: string,
    readonly errorType: string,
    message: string,
    hint?: string,
  ) {
    super('SERVER_ERROR', message, hint);
  }
}

export type StanzaHandler = (stanza: Element) => void;

/** Requests since login, and the round trips they took: one sent while another awaits its answer shares its round trip. */
export interface Traffic {
  requests: number;
  roundTrips: number;
}

export class Session {
  readonly traffic: Traffic = { requests: 0, roundTrips: 0 };
  private inFlight = 0;
  private closed = false;
  private readonly handlers = new Set<{ name: string; handler: StanzaHandler }>();

  private constructor(
    private readonly client: OxpsClient,
    private readonly iqCaller: IqCaller,
    private readonly iqCallee: IQCallee,
    readonly bareJid: string,
    readonly fullJid: string,
    private readonly timeoutMs: number,
  ) {}

  static async open(options: SessionOptions): Promise<Session> {
    const { local, domain } = parseBareJid(options.jid);
    const timeoutMs = (options.timeoutSeconds ?? 20) * 1000;
    const { host, port } = await serviceAddress(domain, options);
    const bareJid = `${local}@${domain}`;

    const client = new OxpsClient({
      service: `xmpp://${formatHost(host)}:${port}`,
      domain,
      timeout: timeoutMs,
    });
    client.transports.push(StrictTcp);
    const middleware = _middleware({ entity: client });
    const iqCaller = new IqCaller(client, () => ({ bareJid, fullJid: client.jid?.toString() }));
    negotiateInOrder(middleware, {
      startTls: (entity) => startTls(entity, options),
      authenticate: async (entity, mechanisms) =>
        authenticate(entity, mechanisms, { username: local, password: await options.password, bareJid }),
      bind: (entity) =>
        bindResource(entity, iqCaller, bareJid, `oxps-${randomBytes(4).toString('hex')}`, timeoutMs),
    });
    middleware.use(iqCaller.route);
    const iqCallee = _iqCallee({ middleware, entity: client });
    iqCallee.get('urn:xmpp:ping', 'ping', () => ({}));

    // Errors after login (a lost connection) are reported by the calls that were waiting.
    const errors: Error[] = [];
    client.on('error', (error: Error) => errors.push(error));
    try {
      await withTimeout(
        client.start(),
        timeoutMs,
        () =>
          new OxpsError(
            'TIMEOUT',
            `no answer from ${host}:${port} within ${timeoutMs / 1000} s while logging in as ${local}@${domain}`,
            'check --host/--port, or raise --timeout',
          ),
      );
    } catch (error) {
      await stopClient(client);
      throw connectError(errors[0] ?? error, { host, port, domain, bareJid });
    }
    const session = new Session(
      client,
      iqCaller,
      iqCallee,
      bareJid,
      client.jid?.toString() ?? bareJid,
      timeoutMs,
    );
    middleware.use((ctx, next) => {
      session.dispatch(ctx.stanza);
      return next();
    });
    return session;
  }

  /** Sends an IQ and waits for its result; an error answer becomes an IqError. */
  async iq(stanza: Element, what: string, timeoutMs = this.timeoutMs): Promise<Element> {
    this.assertOpen();
    this.traffic.requests++;
    if (this.inFlight++ === 0) this.traffic.roundTrips++;
    try {
      return await this.iqCaller.request(stanza, timeoutMs);
    } catch (error) {
      throw this.iqFailure(error, stanza, what, timeoutMs);
    } finally {
      this.inFlight--;
    }
  }

  async send(stanza: Element): Promise<void> {
    this.assertOpen();
    await this.client.send(stanza);
  }

  /**
   * A ping to our server (XEP-0199): when it answers, it has processed every stanza we sent
   * before, so what we sent is safely with the server (and what it had queued for us arrived).
   */
  async roundTrip(): Promise<void> {
    await this.iq(
      xml('iq', { type: 'get', to: domainOf(this.bareJid) }, xml('ping', { xmlns: 'urn:xmpp:ping' })),
      'pinging the server',
    );
  }

  /** Answers disco#info queries (XEP-0030 §3.1) with what `info` builds. */
  answerDiscoInfo(info: () => Element): void {
    this.iqCallee.get('http://jabber.org/protocol/disco#info', 'query', info);
  }

  /** Calls handler for each incoming stanza with that name; returns the function that stops it. */
  onStanza(name: 'message' | 'presence', handler: StanzaHandler): () => void {
    const entry = { name, handler };
    this.handlers.add(entry);
    return () => this.handlers.delete(entry);
  }

  private dispatch(stanza: Element): void {
    for (const { name, handler } of this.handlers) if (stanza.name === name) handler(stanza);
  }

  onDisconnect(handler: () => void): void {
    this.client.on('disconnect', () => {
      if (!this.closed) handler();
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await stopClient(this.client);
  }

  private assertOpen(): void {
    if (this.closed || this.client.status !== 'online') {
      throw new OxpsError(
        'CONNECTION_LOST',
        `the connection to the server of ${this.bareJid} was lost`,
        'run the command again',
      );
    }
  }

  private iqFailure(error: unknown, stanza: Element, what: string, timeoutMs: number): Error {
    if (error instanceof StanzaError) {
      const text = error.text ? `: ${error.text}` : '';
      const to = stanza.attrs.to ?? this.bareJid;
      return new IqError(
        error.condition,
        error.type,
        `${what} failed: ${to} answered ${error.condition}${text}`,
      );
    }
    if ((error as Error)?.name === 'TimeoutError') {
      return new OxpsError(
        'TIMEOUT',
        `${what}: no answer from ${stanza.attrs.to ?? 'the server'} within ${timeoutMs / 1000} s`,
        'raise --timeout or retry later',
      );
    }
    if (this.client.status !== 'online') {
      return new OxpsError(
        'CONNECTION_LOST',
        `${what}: the connection to the server was lost`,
        'run the command again',
        { cause: error },
      );
    }
    return error as Error;
  }
}

/**
 * Closes the stream politely when the server answers, and tears the socket down when it does
 * not: a frozen server must not keep oxps alive (xmpp.js waits for writes without a limit).
 */
async function stopClient(client: OxpsClient): Promise<void> {
  try {
    await withTimeout(client.stop(), 2000, () => new Error('close timeout'));
  } catch {
    const socket = client.socket as unknown as {
      destroy?: () => void;
      socket?: { destroy(): void } | null;
    } | null;
    socket?.socket?.destroy();
    socket?.destroy?.();
  }
}

/** --host/--port if given, else the DNS SRV record of the domain (RFC 6120 §3.2), else domain:5222. */
export async function serviceAddress(
  domain: string,
  options: Pick<SessionOptions, 'host' | 'port'>,
): Promise<{ host: string; port: number; source: 'host' | 'srv' | 'domain' }> {
  if (options.host) return { host: options.host, port: options.port ?? 5222, source: 'host' };
  if (domain !== 'localhost') {
    try {
      const records = await resolveSrv(`_xmpp-client._tcp.${domain}`);
      records.sort((a, b) => a.priority - b.priority || b.weight - a.weight);
      const best = records[0];
      if (best && best.name !== '.')
        return { host: best.name, port: options.port ?? best.port, source: 'srv' };
    } catch {
      // no SRV record: RFC 6120 §3.2.2 fallback to the domain itself
    }
  }
  return { host: domain, port: options.port ?? 5222, source: 'domain' };
}

function formatHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

export async function withTimeout<T>(work: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(onTimeout()), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export { xml };
