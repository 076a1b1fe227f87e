// XEP-0473 §4 <shared-secret/>: a node secret sent inside an OX <signcrypt/> payload.
import xml, { type Element } from '@xmpp/xml';
import { NS } from '../namespaces.js';
import { parseXep82DateTime, xep82DateTime } from '../datetime.js';

export interface SharedSecret {
  service: string;
  node: string;
  id: string;
  timestamp: string;
  revoked: boolean;
  /** Namespace of the node's payloads, when known. */
  type?: string;
  key: string;
}

/** Secrets shorter than this are accepted with a warning: they may be guessable. */
export const WEAK_SECRET_LENGTH = 32;

export class MalformedSharedSecret extends Error {}

export function buildSharedSecret(secret: SharedSecret): Element {
  return xml(
    'shared-secret',
    {
      xmlns: NS.oxps,
      jid: secret.service,
      node: secret.node,
      id: secret.id,
      timestamp: secret.timestamp,
      ...(secret.revoked ? { revoked: 'true' } : {}),
      ...(secret.type ? { type: secret.type } : {}),
    },
    secret.key,
  );
}

export function parseSharedSecret(element: Element): SharedSecret {
  const { jid, node, id, timestamp, revoked, type } = element.attrs;
  const missing = (['jid', 'node', 'id', 'timestamp'] as const).filter((name) => !element.attrs[name]);
  if (missing.length) throw new MalformedSharedSecret(`<shared-secret/> lacks ${missing.join(', ')}`);
  const date = parseXep82DateTime(timestamp);
  if (!date)
    throw new MalformedSharedSecret(`<shared-secret/> timestamp "${timestamp}" is not a XEP-0082 datetime`);
  // Libervia reads the first text node as is: whitespace would be part of the passphrase.
  const key = element.text();
  if (!key) throw new MalformedSharedSecret('<shared-secret/> holds an empty secret');
  return {
    service: jid!,
    node: node!,
    id: id!,
    timestamp: xep82DateTime(date),
    revoked: revoked === 'true' || revoked === '1',
    ...(type ? { type } : {}),
    key,
  };
}
