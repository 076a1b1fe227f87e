// SASL (RFC 6120 §6), replacing @xmpp/sasl: it prefers SCRAM and checks the server's SCRAM
// signature. It runs only inside TLS, after STARTTLS (see negotiation.ts), so credentials never
// leave in clear, whatever the server offers.
import { procedure } from '@xmpp/events';
import xml, { type Element } from '@xmpp/xml';
import type { Client } from '@xmpp/client-core';
import { OxpsError } from '../errors.js';
import { NS_SASL } from './negotiation.js';
import { SCRAM_MECHANISMS, ScramClient, ScramError, type ScramMechanism } from './scram.js';

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

/** Logs in with the best mechanism offered; resolves only on SASL success. */
export async function authenticate(
  entity: Client,
  mechanisms: Element,
  credentials: Credentials,
): Promise<void> {
  const domain = entity.options.domain;
  const offered = mechanisms.getChildren('mechanism').map((m) => m.text().trim());
  const mechanism = chooseMechanism(offered);
  if (!mechanism) {
    throw new OxpsError(
      'AUTH_FAILED',
      `${domain} offers no supported SASL mechanism (offered: ${offered.join(', ') || 'none'})`,
    );
  }
  try {
    if (mechanism === 'PLAIN') await authenticatePlain(entity, credentials);
    else await authenticateScram(entity, mechanism, credentials);
  } catch (error) {
    throw translateSaslError(error, credentials.bareJid);
  }
}

async function authenticatePlain(entity: Client, credentials: Credentials): Promise<void> {
  const message = `\0${credentials.username}\0${credentials.password}`;
  await exchange(entity, xml('auth', { xmlns: NS_SASL, mechanism: 'PLAIN' }, b64(message)), () =>
    Promise.resolve(undefined),
  );
}

async function authenticateScram(
  entity: Client,
  mechanism: ScramMechanism,
  credentials: Credentials,
): Promise<void> {
  const scram = new ScramClient(mechanism, credentials.username, credentials.password);
  const auth = xml('auth', { xmlns: NS_SASL, mechanism }, b64(scram.clientFirst()));
  const successData = await exchange(entity, auth, async (challenge) => scram.clientFinal(challenge));
  scram.verifyServerFinal(successData);
}

/** Runs auth → (challenge → response)* → success|failure; returns the success data. */
async function exchange(
  entity: Client,
  auth: Element,
  respond: (challenge: string) => Promise<string | undefined>,
): Promise<string> {
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
  return typeof result === 'string' ? result : '';
}

class SaslFailure extends Error {
  constructor(
    readonly condition: string,
    readonly text?: string,
  ) {
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
