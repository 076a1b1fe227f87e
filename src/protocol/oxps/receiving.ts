// XEP-0473 §7 security rules for incoming <shared-secret/> and <revoke/> (the signcrypt layer
// has already checked the signature and that we are a recipient): the signer must be the
// origin of every secret we know for the node; the first secret of a node is trusted on first
// use; duplicates and replays change nothing, and a revoked secret never becomes active again.
import type { NodeSecret } from './secrets.js';
import type { SharedSecret } from './sharedSecret.js';
import type { Revocation } from './revoke.js';
import { WEAK_SECRET_LENGTH } from './sharedSecret.js';

/** A secret dated further in the future than this is refused: it would stay "newest" forever. */
export const MAX_FUTURE_MS = 5 * 60 * 1000;

export type Verdict =
  | { kind: 'accepted'; firstUse: boolean; warning?: string }
  | { kind: 'revoked' }
  | { kind: 'unchanged' }
  | { kind: 'rejected'; reason: string };

function originMismatch(secrets: readonly NodeSecret[], sender: string): string | undefined {
  const others = [...new Set(secrets.map((s) => s.origin).filter((origin) => origin !== sender))];
  return others.length ? `${sender} is not the origin of this node's secrets (${others.join(', ')})` : undefined;
}

/** Applies an incoming shared secret to the node's secrets (mutated in place). */
export function receiveSharedSecret(secrets: NodeSecret[], incoming: SharedSecret, sender: string, now: Date): Verdict {
  const mismatch = originMismatch(secrets, sender);
  if (mismatch) return { kind: 'rejected', reason: mismatch };
  // First use of a PEP node (service = an account): only its owner can publish there, so only
  // the owner can have made its secret. This keeps trust on first use from being first come.
  if (secrets.length === 0 && incoming.service.includes('@') && incoming.service !== sender) {
    return { kind: 'rejected', reason: `${sender} sent a secret for a node of ${incoming.service}, which only ${incoming.service} can make` };
  }
  if (Date.parse(incoming.timestamp) - now.getTime() > MAX_FUTURE_MS) {
    return { kind: 'rejected', reason: `secret ${incoming.id} is dated ${incoming.timestamp}, in the future` };
  }
  const known = secrets.find((s) => s.id === incoming.id);
  if (known) {
    if (known.key !== incoming.key) return { kind: 'rejected', reason: `secret ${incoming.id} is already known with another value` };
    if (incoming.revoked && !known.revoked) {
      known.revoked = true;
      return { kind: 'revoked' };
    }
    return { kind: 'unchanged' };
  }
  secrets.push({ id: incoming.id, key: incoming.key, timestamp: incoming.timestamp, origin: sender, revoked: incoming.revoked, sharedWith: [] });
  const warning = incoming.key.length < WEAK_SECRET_LENGTH ? `secret ${incoming.id} is only ${incoming.key.length} characters long: it may be guessed` : undefined;
  return { kind: 'accepted', firstUse: secrets.length === 1, ...(warning ? { warning } : {}) };
}

export function receiveRevoke(secrets: NodeSecret[], revocation: Revocation, sender: string): Verdict {
  if (secrets.length === 0) return { kind: 'rejected', reason: `no secret known for node ${revocation.node}: nothing to revoke` };
  const mismatch = originMismatch(secrets, sender);
  if (mismatch) return { kind: 'rejected', reason: mismatch };
  const known = secrets.find((s) => s.id === revocation.id);
  if (!known) return { kind: 'rejected', reason: `unknown secret ${revocation.id}` };
  if (known.revoked) return { kind: 'unchanged' };
  known.revoked = true;
  return { kind: 'revoked' };
}
