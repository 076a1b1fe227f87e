// SASL (RFC 6120 §6) as a stream feature, replacing @xmpp/sasl: it refuses to run on a stream
// that is not TLS-protected (so credentials never leave in clear, whatever the server offers),
// prefers SCRAM and checks the server's SCRAM signature.
import { procedure } from '@xmpp/events';
import xml, { type Element } from '@xmpp/xml';
import type { Client } from '@xmpp/client-core';
import type { StreamFeatures } from '@xmpp/stream-features';
import { OxpsError } from '../errors.js';
import { SCRAM_MECHANISMS, ScramClient, ScramError, type ScramMechanism } from './scram.js';

const NS_SASL = 'urn:ietf:params:xml:ns:xmpp-sasl';

export interface Credentials {
  username: string;
  password: string;
  bareJid: string;
}

export function chooseMechanism(offered: string[]): ScramMechanism | 'PLAIN' | undefined {
  const scram = (Object.keys(SCRAM_MECHANISMS) as ScramMechanism[]).find((name) => offered.includes(name));
  if (scram) return scram;
  // PLAIN only ever runs inside TLS (checked by the caller); it is the last resort.
  return offered.includes('PLAIN') ? 'PLAIN' : undefined;
}

export function saslFeature(streamFeatures: StreamFeatures, credentials: Credentials): void {
  streamFeatures.use('mechanisms', NS_SASL, async ({ entity }, _next, feature) => {
    const domain = entity.options.domain;
    if (!entity.isSecure()) {
      throw new OxpsError(
        'TLS_REQUIRED',
        `${domain} did not offer STARTTLS: refusing to authenticate without TLS`,
        'ask the server operator to enable TLS (oxps never sends credentials in clear)',
      );
    }
    const offered = feature.getChildren('mechanism').map((m) => m.text().trim());
    const mechanism = chooseMechanism(offered);
    if (!mechanism) {
      throw new OxpsError('AUTH_FAILED', `${domain} offers no supported SASL mechanism (offered: ${offered.join(', ') || 'none'})`);
    }
    try {
      if (mechanism === 'PLAIN') await authenticatePlain(entity, credentials);
      else await authenticateScram(entity, mechanism, credentials);
    } catch (error) {
      throw translateSaslError(error, credentials.bareJid);
    }
    await entity.restart();
  });
}

async function authenticatePlain(entity: Client, credentials: Credentials): Promise<void> {
  const message = `\0${credentials.username}\0${credentials.password}`;
  await exchange(entity, xml('auth', { xmlns: NS_SASL, mechanism: 'PLAIN' }, b64(message)), async () => undefined);
}

async function authenticateScram(entity: Client, mechanism: ScramMechanism, credentials: Credentials): Promise<void> {
  const scram = new ScramClient(mechanism, credentials.username, credentials.password);
  const auth = xml('auth', { xmlns: NS_SASL, mechanism }, b64(scram.clientFirst()));
  const successData = await exchange(entity, auth, async (challenge) => scram.clientFinal(challenge));
  scram.verifyServerFinal(successData);
}

/** Runs auth → (challenge → response)* → success|failure; returns the success data. */
async function exchange(entity: Client, auth: Element, respond: (challenge: string) => Promise<string | undefined>): Promise<string> {
  const result = await procedure(entity, auth, async (element, done) => {
    if (element.getNS() !== NS_SASL) return;
    if (element.name === 'challenge') {
      const response = await respond(unb64(element.text()));
      await entity.send(xml('response', { xmlns: NS_SASL }, response === undefined ? '' : b64(response)));
    } else if (element.name === 'failure') {
      const condition = element.getChildElements().find((child) => child.name !== 'text')?.name ?? 'failure';
      throw new SaslFailure(condition, element.getChildText('text') ?? undefined);
    } else if (element.name === 'success') {
      done(unb64(element.text()));
    }
  });
  return String(result ?? '');
}

class SaslFailure extends Error {
  constructor(readonly condition: string, readonly text?: string) {
    super(text ? `${condition}: ${text}` : condition);
  }
}

function translateSaslError(error: unknown, bareJid: string): unknown {
  if (error instanceof SaslFailure) {
    return new OxpsError(
      'AUTH_FAILED',
      `authentication failed for ${bareJid} (${error.message})`,
      'check the password: oxps profile add --force … with --password-file or OXPS_PASSWORD',
    );
  }
  if (error instanceof ScramError) {
    return new OxpsError('AUTH_FAILED', `authentication failed for ${bareJid}: ${error.message}`);
  }
  return error;
}

function b64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64');
}

function unb64(text: string): string {
  return Buffer.from(text.trim(), 'base64').toString('utf8');
}
