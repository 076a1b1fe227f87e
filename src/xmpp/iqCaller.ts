// Sends IQs and matches their answers, replacing @xmpp/iq's caller, which took the first result
// or error carrying the id, whoever sent it, and made ids with Math.random. Here an answer counts
// only when it comes from the entity we asked (RFC 6120 §8.1.2.1), and ids are 128 random bits:
// anyone who can send us a stanza (any contact, any server) can neither guess nor answer for
// another entity an IQ of ours.
import { randomBytes } from 'node:crypto';
import { TimeoutError } from '@xmpp/events';
import StanzaError from '@xmpp/middleware/lib/StanzaError.js';
import type { Handler } from '@xmpp/middleware';
import type { Client } from '@xmpp/client-core';
import type { Element } from '@xmpp/xml';
import { normalizeJid } from './jid.js';

/** Our account's addresses: the full JID is known once the resource is bound. */
export interface OwnAddresses {
  bareJid: string;
  fullJid?: string;
}

/**
 * Whether `from` may answer an IQ we sent to `to`. An IQ without `to`, or to our own bare JID,
 * is handled by our server on behalf of our account: it answers with no `from`, our bare JID or
 * our full JID. Anything else must be answered by the very address we asked.
 */
export function isAnswerFrom(to: string | undefined, from: string | undefined, own: OwnAddresses): boolean {
  const ownBare = normalizeJid(own.bareJid);
  if (to === undefined || normalizeJid(to) === ownBare) {
    if (from === undefined) return true;
    const sender = normalizeJid(from);
    return sender === ownBare || (own.fullJid !== undefined && sender === normalizeJid(own.fullJid));
  }
  return from !== undefined && normalizeJid(from) === normalizeJid(to);
}

interface Pending {
  to: string | undefined;
  resolve(answer: Element): void;
  reject(error: Error): void;
}

export class IqCaller {
  private readonly pending = new Map<string, Pending>();

  constructor(
    private readonly entity: Pick<Client, 'send'>,
    private readonly own: () => OwnAddresses,
  ) {}

  /** The middleware that takes the answers (register it with middleware.use). */
  readonly route: Handler = (ctx, next) => {
    const { stanza } = ctx;
    const type = stanza.attrs.type;
    if (stanza.name !== 'iq' || (type !== 'result' && type !== 'error')) return next();
    const pending = this.pending.get(stanza.attrs.id ?? '');
    if (!pending || !isAnswerFrom(pending.to, stanza.attrs.from, this.own())) return next();
    this.pending.delete(stanza.attrs.id!);
    if (type === 'result') pending.resolve(stanza);
    else pending.reject(stanzaError(stanza));
    return undefined;
  };

  /** Sends the IQ under a fresh random id; its result, or a StanzaError, or a TimeoutError. */
  async request(iq: Element, timeoutMs: number): Promise<Element> {
    const id = randomBytes(16).toString('base64url');
    iq.attrs.id = id;
    let timer: NodeJS.Timeout | undefined;
    const answer = new Promise<Element>((resolve, reject) => {
      this.pending.set(id, { to: iq.attrs.to, resolve, reject });
      timer = setTimeout(() => reject(new TimeoutError()), timeoutMs);
    });
    // awaited below; an answer (or the timer) may settle it while send is still waiting
    answer.catch(() => undefined);
    try {
      await this.entity.send(iq);
      return await answer;
    } finally {
      clearTimeout(timer);
      this.pending.delete(id);
    }
  }
}

/** The error of an error answer; a server that sends no condition gets undefined-condition. */
function stanzaError(stanza: Element): StanzaError {
  const error = stanza.getChild('error');
  if (error?.getChildElements()[0]) return StanzaError.fromElement(error);
  return new StanzaError('undefined-condition', '', undefined, error?.attrs.type ?? 'cancel');
}
