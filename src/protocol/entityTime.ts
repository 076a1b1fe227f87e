// XEP-0202 Entity Time: ask an entity (our server) for its clock, to measure our clock's skew.
import xml, { type Element } from '@xmpp/xml';
import { parseXep82DateTime } from './datetime.js';

export const NS_TIME = 'urn:xmpp:time';

export function entityTimeIq(to: string): Element {
  return xml('iq', { type: 'get', to }, xml('time', { xmlns: NS_TIME }));
}

/** The entity's UTC time from a result, or undefined when the answer holds none. */
export function parseEntityTime(result: Element): Date | undefined {
  return parseXep82DateTime(result.getChild('time', NS_TIME)?.getChildText('utc') ?? undefined);
}
