// `oxps secret rotate --dry-run`: what a rotation would do — which secrets it would revoke, who
// would get the new one (and, newly granted, the previous ones), who would leave the whitelist —
// from read-only requests; nothing is sent and the state is not written.
import { byTimestamp } from '../../protocol/oxps/secrets.js';
import { IqError } from '../../xmpp/session.js';
import type { AppContext } from '../context.js';
import type { NodeRecord } from '../state.js';
import { nodeAffiliations } from '../pubsubNode.js';

export interface RotationPreview {
  dryRun: true;
  service: string;
  node: string;
  revoke: string[];
  newSecretFor: string[];
  /** Recipients who had not the latest secret: they would get the previous ones too (XEP-0473 §4.1). */
  previousSecretsFor: string[];
  /** Undefined when we may not read the node's affiliations (not the owner). */
  leaveWhitelist?: string[];
  /** Notifications of an earlier run a real rotation would deliver first. */
  pendingBefore: number;
}

export async function previewRotation(
  ctx: AppContext,
  plan: {
    service: string;
    node: string;
    record: NodeRecord;
    recipients: string[];
    newcomers: string[];
    removed: string[];
  },
): Promise<RotationPreview> {
  const { service, node, record, recipients, newcomers, removed } = plan;
  const state = (await ctx.state()).data;
  return {
    dryRun: true,
    service,
    node,
    revoke: record.secrets
      .filter((s) => !s.revoked)
      .sort(byTimestamp)
      .map((s) => s.id),
    newSecretFor: recipients,
    previousSecretsFor: newcomers,
    ...(await leavers(ctx, service, node, removed)),
    pendingBefore: state.pending.reduce((n, p) => n + p.recipients.length, 0),
  };
}

async function leavers(
  ctx: AppContext,
  service: string,
  node: string,
  removed: string[],
): Promise<{ leaveWhitelist?: string[] }> {
  try {
    const current = await nodeAffiliations(await ctx.session(), service, node);
    return {
      leaveWhitelist: removed.filter((jid) => !['none', 'owner', undefined].includes(current.get(jid))),
    };
  } catch (error) {
    if (error instanceof IqError) return {};
    throw error;
  }
}
