// Resource binding (RFC 6120 §7), replacing @xmpp/resource-binding so that the bind request goes
// through our own IQ caller, and the address the server binds is checked to be our account's.
import xml from '@xmpp/xml';
import type { Client } from '@xmpp/client-core';
import { OxpsError } from '../errors.js';
import type { IqCaller } from './iqCaller.js';
import { bareJid as bareOf, hasResource, sameJid } from './jid.js';
import { NS_BIND } from './negotiation.js';

export async function bindResource(
  entity: Client,
  iqCaller: IqCaller,
  bareJid: string,
  resource: string,
  timeoutMs: number,
): Promise<void> {
  const request = xml('iq', { type: 'set' }, xml('bind', { xmlns: NS_BIND }, xml('resource', {}, resource)));
  const answer = await iqCaller.request(request, timeoutMs);
  const bound = answer.getChild('bind', NS_BIND)?.getChildText('jid')?.trim() ?? '';
  if (!sameJid(bareOf(bound), bareJid) || !hasResource(bound)) {
    throw new OxpsError(
      'SERVER_ERROR',
      `${entity.options.domain} bound this session to "${bound}", not to a resource of ${bareJid}`,
      'check --host/--port, or ask the server operator',
    );
  }
  entity._jid(bound);
  entity._ready(false);
}
