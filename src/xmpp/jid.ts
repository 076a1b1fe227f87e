// JIDs (RFC 7622), the one place that takes them apart. Local part and domain compare without
// case, the resource exactly, as @xmpp/jid and the servers do. We do not call @xmpp/jid's parser
// on addresses: it silently rewrites a local part holding XEP-0106 characters (o'brien becomes
// o\27brien) and throws a TypeError on an empty domain, where a stanza's attribute or the user's
// input deserves either the address as given or a clear error.
import { OxpsError } from '../errors.js';

export interface BareJidParts {
  local: string;
  domain: string;
}

/** The user's `user@domain`, lower-cased; anything else (a resource, spaces, a second @) is refused. */
export function parseBareJid(address: string): BareJidParts {
  const match = /^([^@/\s]+)@([^@/\s]+)$/.exec(address.trim());
  if (!match) {
    throw new OxpsError(
      'USAGE',
      `"${address}" is not a bare JID (user@domain)`,
      'give a JID as user@domain, e.g. alice@example.org',
    );
  }
  return { local: match[1]!.toLowerCase(), domain: match[2]!.toLowerCase() };
}

/** parseBareJid, joined again: the canonical form of an account given by the user. */
export function checkBareJid(address: string): string {
  const { local, domain } = parseBareJid(address);
  return `${local}@${domain}`;
}

/** The bare JID of any address (a stanza's from/to), lower-cased: "" stays "". */
export function bareJid(jid: string): string {
  return jid.split('/')[0]!.toLowerCase();
}

/** The address in the form servers compare: local part and domain lower-cased, the resource kept. */
export function normalizeJid(jid: string): string {
  const slash = jid.indexOf('/');
  return slash === -1 ? jid.toLowerCase() : jid.slice(0, slash).toLowerCase() + jid.slice(slash);
}

export function sameJid(a: string, b: string): boolean {
  return normalizeJid(a) === normalizeJid(b);
}

/** Whether the address has a resource part (a full JID). */
export function hasResource(jid: string): boolean {
  return jid.includes('/');
}

/** The domain of an address (of a bare domain JID, itself). */
export function domainOf(jid: string): string {
  const bare = jid.split('/')[0]!;
  return bare.slice(bare.indexOf('@') + 1);
}

/** The local part of an address; "" for a domain JID. */
export function localOf(jid: string): string {
  const bare = jid.split('/')[0]!;
  const at = bare.indexOf('@');
  return at === -1 ? '' : bare.slice(0, at);
}

/** Whether a pubsub service is an account (its PEP service, XEP-0163) rather than a component. */
export function isAccountService(service: string): boolean {
  return service.includes('@');
}
