// XEP-0473 §4.3 <revoke/>: a secret must not be used for new items any more.
import xml, { type Element } from '@xmpp/xml';
import { NS } from '../namespaces.js';

export interface Revocation {
  service: string;
  node: string;
  id: string;
  reason?: string;
}

export class MalformedRevoke extends Error {}

export function buildRevoke({ service, node, id, reason }: Revocation): Element {
  return xml(
    'revoke',
    { xmlns: NS.oxps, jid: service, node, id },
    reason ? xml('reason', { 'xml:lang': 'en' }, reason) : undefined,
  );
}

export function parseRevoke(element: Element): Revocation {
  const { jid, node, id } = element.attrs;
  const missing = (['jid', 'node', 'id'] as const).filter((name) => !element.attrs[name]);
  if (missing.length) throw new MalformedRevoke(`<revoke/> lacks ${missing.join(', ')}`);
  const reason = element.getChildText('reason') ?? undefined;
  return { service: jid!, node: node!, id: id!, ...(reason ? { reason } : {}) };
}
