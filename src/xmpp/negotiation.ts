// Stream negotiation in one fixed order, whatever the server offers: STARTTLS, then SASL, then
// resource binding (RFC 6120 §5–7). xmpp.js's stream-features ran any handler whose feature was
// offered, so a "server" (anyone on the path) that offered only <bind/> got a bind and an online
// session in clear, without a login. Here each stream's features must hold the one step due next,
// or the connection ends; and no stanza is looked at before binding starts.
import type { Client } from '@xmpp/client-core';
import type { Middleware } from '@xmpp/middleware';
import type { Element } from '@xmpp/xml';
import { OxpsError } from '../errors.js';

const NS_STREAM = 'http://etherx.jabber.org/streams';
export const NS_TLS = 'urn:ietf:params:xml:ns:xmpp-tls';
export const NS_SASL = 'urn:ietf:params:xml:ns:xmpp-sasl';
export const NS_BIND = 'urn:ietf:params:xml:ns:xmpp-bind';

export interface NegotiationSteps {
  startTls(entity: Client): Promise<void>;
  /** Resolves only on SASL success. */
  authenticate(entity: Client, mechanisms: Element): Promise<void>;
  bind(entity: Client): Promise<void>;
}

type Phase = 'tls' | 'login' | 'bind' | 'bound';

/** The feature each phase needs, and what to say when a server does not offer it. */
const REQUIRED: Record<
  Exclude<Phase, 'bound'>,
  { name: string; xmlns: string; missing(domain: string): OxpsError }
> = {
  tls: {
    name: 'starttls',
    xmlns: NS_TLS,
    missing: (domain) =>
      new OxpsError(
        'TLS_REQUIRED',
        `${domain} did not offer STARTTLS: refusing to go on without TLS`,
        'ask the server operator to enable TLS (oxps never logs in or binds in clear), or check --host/--port',
      ),
  },
  login: {
    name: 'mechanisms',
    xmlns: NS_SASL,
    missing: (domain) =>
      new OxpsError(
        'AUTH_FAILED',
        `${domain} offered no login after TLS: refusing an unauthenticated session`,
        'check --host/--port: this does not behave like an XMPP server that knows the account',
      ),
  },
  bind: {
    name: 'bind',
    xmlns: NS_BIND,
    missing: (domain) =>
      new OxpsError(
        'SERVER_ERROR',
        `${domain} offered no resource binding after login`,
        'check --host/--port, or ask the server operator',
      ),
  },
};

export function negotiateInOrder(middleware: Middleware, steps: NegotiationSteps): void {
  let phase: Phase = 'tls';
  let stepRunning = false;
  middleware.use(async (ctx, next) => {
    const { stanza } = ctx;
    if (phase === 'bound') return next();
    if (!stanza.is('features', NS_STREAM)) return undefined;
    const entity = ctx.entity as Client;
    const domain = entity.options.domain;
    if (stepRunning) throw outOfTurn(domain, entity.isSecure());
    if (phase !== 'tls' && !entity.isSecure()) throw REQUIRED.tls.missing(domain);
    const required = REQUIRED[phase];
    const feature = stanza.getChild(required.name, required.xmlns);
    if (!feature) throw required.missing(domain);
    stepRunning = true;
    if (phase === 'bind') {
      phase = 'bound';
      await steps.bind(entity);
      return undefined;
    }
    if (phase === 'tls') await steps.startTls(entity);
    else await steps.authenticate(entity, feature);
    // before the restart: the new stream's features may arrive before restart() settles
    phase = phase === 'tls' ? 'login' : 'bind';
    stepRunning = false;
    await entity.restart();
    return undefined;
  });
}

function outOfTurn(domain: string, secure: boolean): OxpsError {
  return secure
    ? new OxpsError('CONNECT_FAILED', `${domain} sent stream features out of turn`)
    : new OxpsError(
        'TLS_REQUIRED',
        `${domain} sent stream features out of turn before TLS was up`,
        'check --host/--port: something on the path may be playing the server',
      );
}
