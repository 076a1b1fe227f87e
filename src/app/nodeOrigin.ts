// Whose secrets a node's items are encrypted with (issue 12 #4): a secret someone else made is
// never used silently. On a node we own, secrets of non-owners are dropped with a warning; a
// conflict the service cannot settle stops encryption until the user settles it.
import { OxpsError } from '../errors.js';
import { allSecrets, conflictingOrigins, type NodeSecrets } from '../protocol/oxps/receiving.js';
import type { NodeSecret } from '../protocol/oxps/secrets.js';
import type { AppContext } from './context.js';
import type { NodeRecord } from './state.js';
import { nodeOwners } from './nodeOwners.js';

/** The commands that settle a conflict over a node's origin. */
export function settleHint(service: string, node: string): string {
  return `check with the node's owner, then: oxps secret trust-origin -s ${service} -n ${node} JID (or drop everything known for it: oxps secret forget -s ${service} -n ${node})`;
}

/** Why an item's secret is not known, naming a conflict over the node's origin when there is one. */
export function unknownSecretReason(
  record: (NodeSecrets & { service: string; node: string }) | undefined,
  secretId: string,
): string {
  const competing = record && conflictingOrigins(record);
  const base = `unknown secret ${secretId} (not shared with us)`;
  return competing
    ? `${base}; this node's secrets come from ${competing.join(', ')}: see oxps secret list -s ${record.service} -n ${record.node}`
    : base;
}

/** Any secret of the node, candidates included: reading with them is safe, they name their id. */
export function readingSecret(record: NodeSecrets | undefined, secretId: string): NodeSecret | undefined {
  return record && allSecrets(record).find((s) => s.id === secretId);
}

/** Refuses to go on while senders compete to be the node's origin. */
export function assertSettled(record: NodeRecord, what: string): void {
  const competing = conflictingOrigins(record);
  if (competing) {
    throw new OxpsError(
      'NOT_ORIGIN',
      `the secrets of node ${record.node} on ${record.service} come from ${competing.join(', ')}, and the service does not tell which of them owns it: ${what}`,
      settleHint(record.service, record.node),
    );
  }
}

/**
 * Before we encrypt for a node: where we own it, secrets of non-owners are dropped (they cannot be
 * the node's, whoever sent them first); then a remaining conflict stops us.
 */
export async function settleBeforeEncrypting(
  ctx: AppContext,
  record: NodeRecord,
  what: string,
): Promise<void> {
  const foreign = allSecrets(record).filter((s) => s.origin !== ctx.bareJid);
  if (foreign.length === 0) return;
  const owners = await nodeOwners(await ctx.session(), record.service, record.node);
  if (owners?.includes(ctx.bareJid)) {
    const strangers = foreign.filter((s) => !owners.includes(s.origin));
    if (strangers.length) {
      record.secrets = record.secrets.filter((s) => !strangers.includes(s));
      record.candidates = record.candidates?.filter((s) => !strangers.includes(s));
      if (!record.candidates?.length) delete record.candidates;
      await (await ctx.state()).save();
      for (const origin of new Set(strangers.map((s) => s.origin))) {
        const ids = strangers.filter((s) => s.origin === origin).map((s) => s.id);
        ctx.reporter.warn(
          `dropped secret(s) ${ids.join(', ')} that ${origin} sent for node ${record.node} on ${record.service}: you own this node and ${origin} does not, so they were not made for it`,
        );
      }
    }
  }
  assertSettled(record, what);
}

/** Says whose secret we encrypt with when it is not ours. */
export function noticeForeignSecret(ctx: AppContext, record: NodeRecord, secret: NodeSecret): void {
  if (secret.origin !== ctx.bareJid)
    ctx.reporter.notice(
      `encrypting for node ${record.node} on ${record.service} with secret ${secret.id}, made by ${secret.origin}`,
    );
}
