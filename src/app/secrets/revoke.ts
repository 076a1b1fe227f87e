// `oxps secret revoke`: only the origin may revoke; everyone who may have the secret is told:
// the node's whitelist and whoever this device sent it to.
import { OxpsError } from '../../errors.js';
import type { AppContext } from '../context.js';
import { dropPendingShares, nodeRecord, pendingSharesOf } from '../state.js';
import { deliverPending, queueNotification, type DeliveryReport } from './notify.js';
import { normalizeRecipients } from './recipients.js';
import { defaultRecipients } from './readers.js';

export interface RevokeRequest {
  service: string;
  node: string;
  secretId: string;
  recipients?: string[];
  reason?: string;
}

export async function revokeSecret(
  ctx: AppContext,
  request: RevokeRequest,
): Promise<DeliveryReport & { service: string; node: string; secretId: string; recipients: string[] }> {
  const { service, node, secretId } = request;
  await deliverPending(ctx);
  const handle = await ctx.state();
  const record = nodeRecord(handle.data, service, node);
  const secret = record?.secrets.find((s) => s.id === secretId);
  if (!record || !secret)
    throw new OxpsError(
      'SECRET_NOT_FOUND',
      `node ${node} on ${service} has no secret ${secretId}`,
      `list them: oxps secret list -s ${service} -n ${node}`,
    );
  if (secret.origin !== ctx.bareJid)
    throw new OxpsError(
      'NOT_ORIGIN',
      `secret ${secretId} was made by ${secret.origin}: only its origin may revoke it`,
      `ask ${secret.origin}`,
    );
  // readers still waiting for a key (share --whitelist-only) were never sent the secret
  const waiting = pendingSharesOf(handle.data, service, node)
    .map((p) => p.jid)
    .filter((jid) => !secret.sharedWith.includes(jid));
  const readers =
    request.recipients ??
    (await defaultRecipients(ctx, record, secret.sharedWith)).recipients.filter(
      (jid) => !waiting.includes(jid),
    );
  const recipients = normalizeRecipients(readers, ctx.bareJid);
  secret.revoked = true;
  if (!record.secrets.some((s) => !s.revoked)) {
    const dropped = dropPendingShares(handle.data, service, node);
    if (dropped.length)
      ctx.reporter.notice(
        `node ${node} has no active secret left: the pending shares of ${dropped.join(', ')} are dropped (share again once a new secret exists)`,
      );
  }
  queueNotification(handle.data, {
    service,
    node,
    kind: 'revoke',
    secretId,
    recipients: [...recipients, ctx.bareJid],
    ...(request.reason ? { reason: request.reason } : {}),
  });
  await handle.save();
  const report = await deliverPending(ctx);
  return { service, node, secretId, recipients, ...report };
}
