// XEP-0373 §3.1 content element <signcrypt/> with the XEP-0420 affix checks: our JID among the
// recipients, exactly one plausible <time/>, exactly one <payload/>. Libervia validates the
// element against a schema (to+, time, rpad?, payload, nothing else), so we send just those.
import { randomInt } from 'node:crypto';
import xml, { type Element } from '@xmpp/xml';
import { NS } from '../namespaces.js';
import { parseXep82DateTime, xep82DateTime } from '../datetime.js';
import { bareJid } from '../../xmpp/jid.js';

/** How far in the future a signed <time/> may be before it is refused (XEP-0420 §6 signcrypt; also XEP-0475 signatures). */
export const MAX_FUTURE_TIME_MS = 5 * 60 * 1000;

export class SigncryptRejected extends Error {}

export interface SigncryptContent {
  to: string[];
  time: Date;
  payload: Element[];
}

// rpad characters: letters and digits only, so the content stays printable ASCII without quotes.
const RPAD_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export function randomPadding(): string {
  const length = randomInt(0, 201);
  let pad = '';
  for (let i = 0; i < length; i++) pad += RPAD_ALPHABET[randomInt(RPAD_ALPHABET.length)];
  return pad;
}

export function buildSigncrypt({ to, time, payload }: SigncryptContent, rpad = randomPadding()): Element {
  return xml(
    'signcrypt',
    { xmlns: NS.ox },
    ...to.map((jid) => xml('to', { jid })),
    xml('time', { stamp: xep82DateTime(time) }),
    xml('rpad', {}, rpad),
    xml('payload', {}, ...payload),
  );
}

export function parseSigncrypt(element: Element, check: { ourJid: string; now: Date }): SigncryptContent {
  if (!element.is('signcrypt', NS.ox))
    throw new SigncryptRejected(`content is <${element.name}>, not <signcrypt>`);
  const to = element.getChildren('to').map((t) => bareJid(t.attrs.jid ?? ''));
  if (!to.includes(check.ourJid))
    throw new SigncryptRejected(
      `our JID ${check.ourJid} is not among the recipients (${to.join(', ') || 'none'})`,
    );
  const times = element.getChildren('time');
  if (times.length !== 1) throw new SigncryptRejected(`expected exactly one <time/>, found ${times.length}`);
  const time = parseXep82DateTime(times[0]!.attrs.stamp);
  if (!time)
    throw new SigncryptRejected(`<time stamp="${times[0]!.attrs.stamp ?? ''}"/> is not a XEP-0082 datetime`);
  if (time.getTime() - check.now.getTime() > MAX_FUTURE_TIME_MS)
    throw new SigncryptRejected(`<time/> ${times[0]!.attrs.stamp} is in the future`);
  const payloads = element.getChildren('payload');
  if (payloads.length !== 1)
    throw new SigncryptRejected(`expected exactly one <payload/>, found ${payloads.length}`);
  return { to, time, payload: payloads[0]!.getChildElements() };
}
