// XEP-0473 §7 security rules for incoming <shared-secret/> and <revoke/> (the signcrypt layer
// has already checked the signature and that we are a recipient).
//
// Who may be a node's origin (issue 12 #4): where the owner is known — a PEP node belongs to its
// account, a service may name owners (node meta-data, or the affiliations we read as an owner) —
// only an owner may send a node's first secret. Where it is not known, the first sender is
// trusted on first use, but a later sender of another first secret is not refused: its secrets
// are kept apart as *candidates* (readable, never used to publish or share) and the conflict is
// reported until the user settles it (trust-origin, forget). So a stranger who comes first can
// neither lock the real owner out nor have us encrypt with a secret they know.
import { origins, type NodeSecret } from './secrets.js';
import type { SharedSecret } from './sharedSecret.js';
import { isAccountService } from '../../xmpp/jid.js';
import type { Revocation } from './revoke.js';
import { WEAK_SECRET_LENGTH } from './sharedSecret.js';

/** A secret dated further in the future than this is refused: it would stay "newest" forever. */
export const MAX_FUTURE_MS = 5 * 60 * 1000;
/** Secrets one origin may hold for one node (a rotation a week for years fits). */
export const MAX_SECRETS_PER_ORIGIN = 256;
/** Competing origins kept as candidates for one node; more are refused. */
export const MAX_CANDIDATE_ORIGINS = 4;

/** What we know of a node's secrets (the fields of its record), changed in place. */
export interface NodeSecrets {
  /** Secrets of the node's origin (one sender): these encrypt, are shared, rotated. */
  secrets: NodeSecret[];
  /** Secrets of senders competing with that origin: read with, never published with. */
  candidates?: NodeSecret[];
  /** The origin the user chose (`secret trust-origin`): every other sender is refused. */
  trustedOrigin?: string;
}

/** Who owns the node, as far as we can tell; undefined when nobody told us. */
export interface NodeAuthority {
  owners?: readonly string[];
}

export type Verdict =
  | {
      kind: 'accepted';
      firstUse: boolean;
      /** Kept as a candidate: the node's secrets now come from all of `origins`. */
      conflict?: { origins: string[] };
      /** Secrets of non-owners dropped because an owner's secret arrived. */
      dropped?: NodeSecret[];
      warning?: string;
    }
  | { kind: 'revoked' }
  | { kind: 'unchanged' }
  | { kind: 'rejected'; reason: string };

/** A PEP node (service = an account) is owned by that account only. */
export function knownOwners(service: string, authority: NodeAuthority = {}): readonly string[] | undefined {
  return isAccountService(service) ? [service] : authority.owners?.length ? authority.owners : undefined;
}

/** Every secret known for the node, the origin's first. */
export function allSecrets(record: NodeSecrets): NodeSecret[] {
  return [...record.secrets, ...(record.candidates ?? [])];
}

/** The origins the node's secrets come from when more than one claims it (sorted), else undefined. */
export function conflictingOrigins(record: NodeSecrets): string[] | undefined {
  const all = origins(allSecrets(record));
  return all.length > 1 ? all.sort() : undefined;
}

function notOrigin(record: NodeSecrets, sender: string): string {
  const established = record.trustedOrigin ? [record.trustedOrigin] : origins(record.secrets);
  return `${sender} is not the origin of this node's secrets (${established.join(', ')})${record.trustedOrigin ? ', as you chose with secret trust-origin' : ''}`;
}

/** Applies an incoming shared secret to the node's secrets (mutated in place). */
export function receiveSharedSecret(
  record: NodeSecrets,
  incoming: SharedSecret,
  sender: string,
  now: Date,
  authority: NodeAuthority = {},
): Verdict {
  const verdict = applySharedSecret(record, incoming, sender, now, authority);
  if (record.candidates?.length === 0) delete record.candidates;
  return verdict;
}

function applySharedSecret(
  record: NodeSecrets,
  incoming: SharedSecret,
  sender: string,
  now: Date,
  authority: NodeAuthority,
): Verdict {
  if (Date.parse(incoming.timestamp) - now.getTime() > MAX_FUTURE_MS) {
    return {
      kind: 'rejected',
      reason: `secret ${incoming.id} is dated ${incoming.timestamp}, in the future`,
    };
  }
  const placed = place(record, incoming, sender, authority);
  if ('reason' in placed) return { kind: 'rejected', reason: placed.reason };
  const { pool, firstUse, dropped } = placed;
  const elsewhere = allSecrets(record).find((s) => s.id === incoming.id && !pool.includes(s));
  if (elsewhere)
    return { kind: 'rejected', reason: `secret ${incoming.id} is already known from ${elsewhere.origin}` };
  const known = pool.find((s) => s.id === incoming.id);
  if (known) {
    if (known.key !== incoming.key)
      return { kind: 'rejected', reason: `secret ${incoming.id} is already known with another value` };
    if (incoming.revoked && !known.revoked) {
      known.revoked = true;
      return { kind: 'revoked' };
    }
    return { kind: 'unchanged' };
  }
  if (pool.filter((s) => s.origin === sender).length >= MAX_SECRETS_PER_ORIGIN) {
    return {
      kind: 'rejected',
      reason: `node ${incoming.node} already holds ${MAX_SECRETS_PER_ORIGIN} secrets from ${sender}`,
    };
  }
  for (const list of [record.secrets, record.candidates ?? []]) removeAll(list, dropped);
  pool.push({
    id: incoming.id,
    key: incoming.key,
    timestamp: incoming.timestamp,
    origin: sender,
    revoked: incoming.revoked,
    sharedWith: [],
  });
  const conflict = pool !== record.secrets ? { origins: conflictingOrigins(record)! } : undefined;
  const warning =
    incoming.key.length < WEAK_SECRET_LENGTH
      ? `secret ${incoming.id} is only ${incoming.key.length} characters long: it may be guessed`
      : undefined;
  return {
    kind: 'accepted',
    firstUse,
    ...(conflict ? { conflict } : {}),
    ...(dropped.length ? { dropped } : {}),
    ...(warning ? { warning } : {}),
  };
}

type Placement = { pool: NodeSecret[]; firstUse: boolean; dropped: NodeSecret[] } | { reason: string };

/** Which list a secret from `sender` goes to, or why it is refused. */
function place(
  record: NodeSecrets,
  incoming: SharedSecret,
  sender: string,
  authority: NodeAuthority,
): Placement {
  const established = origins(record.secrets);
  if (record.trustedOrigin && sender !== record.trustedOrigin) return { reason: notOrigin(record, sender) };
  const owners = knownOwners(incoming.service, authority);
  if (owners && !owners.includes(sender)) {
    if (established.length) return { reason: notOrigin(record, sender) };
    return isAccountService(incoming.service)
      ? {
          reason: `${sender} sent a secret for a node of ${incoming.service}, which only ${incoming.service} can make`,
        }
      : {
          reason: `${sender} does not own node ${incoming.node} on ${incoming.service} (owners: ${owners.join(', ')})`,
        };
  }
  const nonOwners = owners ? allSecrets(record).filter((s) => !owners.includes(s.origin)) : [];
  if (established.length === 0 && record.candidates?.length && !owners)
    return { pool: record.candidates, firstUse: false, dropped: [] };
  if (established.length === 0 || established.includes(sender)) {
    // the origin's (or the first) secret; with owners known, secrets of non-owners go
    return { pool: record.secrets, firstUse: record.secrets.length === 0, dropped: nonOwners };
  }
  // another sender than the origin of the known secrets
  if (owners) {
    // the service names the sender an owner, and not the origin we had: the owner takes over
    if (established.every((origin) => owners.includes(origin))) return { reason: notOrigin(record, sender) };
    return { pool: record.secrets, firstUse: true, dropped: nonOwners };
  }
  const candidates = (record.candidates ??= []);
  if (!candidates.some((s) => s.origin === sender) && origins(candidates).length >= MAX_CANDIDATE_ORIGINS) {
    return {
      reason: `${notOrigin(record, sender)}; ${MAX_CANDIDATE_ORIGINS} other senders already claim this node`,
    };
  }
  return { pool: candidates, firstUse: false, dropped: [] };
}

function removeAll(list: NodeSecret[], gone: readonly NodeSecret[]): void {
  for (let i = list.length - 1; i >= 0; i--) if (gone.includes(list[i]!)) list.splice(i, 1);
}

/** A revocation is valid from the origin of the secret it names (the origin's or a candidate's). */
export function receiveRevoke(record: NodeSecrets, revocation: Revocation, sender: string): Verdict {
  const all = allSecrets(record);
  if (all.length === 0)
    return { kind: 'rejected', reason: `no secret known for node ${revocation.node}: nothing to revoke` };
  if (!all.some((s) => s.origin === sender)) return { kind: 'rejected', reason: notOrigin(record, sender) };
  const known = all.find((s) => s.id === revocation.id && s.origin === sender);
  if (!known) {
    return {
      kind: 'rejected',
      reason: all.some((s) => s.id === revocation.id)
        ? `${sender} is not the origin of secret ${revocation.id}`
        : `unknown secret ${revocation.id}`,
    };
  }
  if (known.revoked) return { kind: 'unchanged' };
  known.revoked = true;
  return { kind: 'revoked' };
}
