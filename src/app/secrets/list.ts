// `oxps secret list`: what we know of a node's secrets. Keys only when asked for. Candidates
// (secrets of senders competing with the node's origin) are listed and flagged, with the conflict.
// For a node we own, each secret also shows its readers (the whitelist: who should have it) and
// those of them this device did not send it to, so a gap left by another device or an
// interrupted run shows.
import { OxpsError } from '../../errors.js';
import type { AppContext } from '../context.js';
import { byTimestamp, type NodeSecret } from '../../protocol/oxps/secrets.js';
import { conflictingOrigins } from '../../protocol/oxps/receiving.js';
import { nodeRecord, pendingSharesOf } from '../state.js';
import { settleHint } from '../nodeOrigin.js';
import { nodeReaders, type Readers } from './readers.js';

export interface SecretView {
  id: string;
  timestamp: string;
  origin: string;
  revoked: boolean;
  sharedWith: string[];
  /** The node's whitelist (ourselves left out), when we may read it. */
  readers?: string[];
  /** Readers this device is not known to have sent the secret to. */
  missing?: string[];
  /** Kept apart: its origin competes with the node's (present only then). */
  candidate?: true;
  key?: string;
}

export interface SecretListing {
  secrets: SecretView[];
  /** Several senders claim to be the node's origin (present only then). */
  conflict?: { origins: string[]; hint: string };
  /** The origin chosen with `secret trust-origin` (present only then). */
  trustedOrigin?: string;
  /** Readers waiting for a usable key (share --whitelist-only; present only then). */
  pending?: Array<{ jid: string; since: string }>;
}

/** Throws NODE_NOT_FOUND for a node oxps has no record of (a typo, or nothing shared yet). */
/**
 * `before`: the quick sync, which may bring secrets. A node already known asks for its readers
 * beside the sync's requests, in the same round trip.
 */
export async function listSecrets(
  ctx: AppContext,
  service: string,
  node: string,
  showSecrets: boolean,
  before: Promise<void> = Promise.resolve(),
): Promise<SecretListing> {
  const state = (await ctx.state()).data;
  const early = nodeRecord(state, service, node)?.secrets.length
    ? nodeReaders(ctx, service, node)
    : undefined;
  early?.catch(() => undefined);
  await before;
  const record = nodeRecord(state, service, node);
  if (!record) {
    throw new OxpsError(
      'NODE_NOT_FOUND',
      `oxps knows no secret of node ${node} on ${service}`,
      'check the node name and -s; secrets shared with you arrive with oxps sync, your own nodes start with oxps encrypt-node',
    );
  }
  const readers = record.secrets.length ? await (early ?? nodeReaders(ctx, service, node)) : undefined;
  if (readers && !readers.known) ctx.reporter.verbose(`readers of node ${node} unknown: ${readers.reason}`);
  const view =
    (candidate: boolean) =>
    ({ id, timestamp, origin, revoked, sharedWith, key }: NodeSecret): SecretView => ({
      id,
      timestamp,
      origin,
      revoked,
      sharedWith: [...sharedWith],
      ...(!candidate && readers?.known ? readersView(readers, sharedWith) : {}),
      ...(candidate ? { candidate: true as const } : {}),
      ...(showSecrets ? { key } : {}),
    });
  const secrets = [...record.secrets.map(view(false)), ...(record.candidates ?? []).map(view(true))].sort(
    byTimestamp,
  );
  const competing = conflictingOrigins(record);
  const pending = pendingSharesOf(state, service, node).map(({ jid, since }) => ({ jid, since }));
  return {
    secrets,
    ...(competing ? { conflict: { origins: competing, hint: settleHint(service, node) } } : {}),
    ...(record.trustedOrigin ? { trustedOrigin: record.trustedOrigin } : {}),
    ...(pending.length ? { pending } : {}),
  };
}

function readersView(
  readers: Extract<Readers, { known: true }>,
  sharedWith: readonly string[],
): Pick<SecretView, 'readers' | 'missing'> {
  return { readers: [...readers.jids], missing: readers.jids.filter((jid) => !sharedWith.includes(jid)) };
}
