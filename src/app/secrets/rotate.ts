// `oxps secret rotate`: revoke every active secret, make a new one and share it — by default
// with every reader on the node's whitelist (and anyone this device knows had the latest
// secret), minus --remove, who also leave the whitelist. Any device of the account thus reaches
// the same readers. The whole intent is recorded before the first message leaves (notify.ts).
import { OxpsError } from '../../errors.js';
import {
  byTimestamp,
  generateSecret,
  latestSecret,
  mayGenerateSecret,
  origins,
} from '../../protocol/oxps/secrets.js';
import type { AppContext } from '../context.js';
import { dropPendingShares, nodeRecord, pendingSharesOf } from '../state.js';
import { deliverPending, queueNotification, type DeliveryReport } from './notify.js';
import { previewRotation, type RotationPreview } from './rotatePreview.js';
import { checkRecipientKeys, normalizeRecipients, updateWhitelist } from './recipients.js';
import { defaultRecipients } from './readers.js';

export interface RotateRequest {
  service: string;
  node: string;
  recipients?: string[];
  remove?: string[];
  reason?: string;
  /** Only say what would be done (see rotatePreview.ts). */
  dryRun?: boolean;
}

export interface RotateResult extends DeliveryReport {
  service: string;
  node: string;
  revoked: string[];
  secretId: string;
  recipients: string[];
  removedFromWhitelist: string[];
  /** Attachments nodes (signatures) of the node's items whose whitelist followed. */
  attachmentsNodes: number;
}

export async function rotateSecret(
  ctx: AppContext,
  request: RotateRequest,
): Promise<RotateResult | RotationPreview> {
  const { service, node } = request;
  if (!request.dryRun) await deliverPending(ctx);
  const handle = await ctx.state();
  const record = nodeRecord(handle.data, service, node);
  if (!record || record.secrets.length === 0) {
    throw new OxpsError(
      'NO_SECRET',
      `no secret known for node ${node} on ${service}`,
      `make it an encrypted node first: oxps encrypt-node -s ${service} -n ${node}`,
    );
  }
  if (!mayGenerateSecret(record.secrets, ctx.bareJid)) {
    throw new OxpsError(
      'NOT_ORIGIN',
      `only ${origins(record.secrets).join(', ')} may rotate the secrets of node ${node}`,
      'ask them to rotate',
    );
  }
  const removed = normalizeRecipients(request.remove ?? [], ctx.bareJid);
  const latestHolders = latestSecret(record.secrets)!.sharedWith;
  const { recipients: readers, readers: whitelist } = await defaultRecipients(ctx, record, latestHolders);
  // readers waiting for a key (share --whitelist-only) get the new secret when it appears
  const waiting = pendingSharesOf(handle.data, service, node).map((p) => p.jid);
  const recipients = normalizeRecipients(request.recipients ?? readers, ctx.bareJid).filter(
    (jid) => !removed.includes(jid) && !waiting.includes(jid),
  );
  // the whitelist lives on the server: a member added behind our back must not get the secret unseen
  const unseen = request.recipients
    ? []
    : recipients.filter((jid) => !record.secrets.some((s) => s.sharedWith.includes(jid)));
  if (unseen.length)
    ctx.reporter.notice(
      `from the whitelist of ${node}, though this device never sent them a secret: ${unseen.join(', ')} (leave one out with --remove)`,
    );
  await checkRecipientKeys(ctx, recipients, '--remove');

  const active = record.secrets.filter((s) => !s.revoked);
  const previous = [...record.secrets].sort(byTimestamp);
  // members of the whitelist were given the secrets when they joined it, maybe by another device
  const holders = new Set([...latestHolders, ...(whitelist.known ? whitelist.jids : [])]);
  const newcomers = recipients.filter((jid) => !holders.has(jid));
  if (request.dryRun) return previewRotation(ctx, { service, node, record, recipients, newcomers, removed });
  const fresh = generateSecret(ctx.bareJid);
  for (const secret of active) {
    secret.revoked = true;
    // the whitelist as it was before --remove: whoever could read is told
    const told = new Set([
      ...secret.sharedWith,
      ...(whitelist.known ? whitelist.jids : []).filter((jid) => !waiting.includes(jid)),
      ctx.bareJid,
    ]);
    queueNotification(handle.data, {
      service,
      node,
      kind: 'revoke',
      secretId: secret.id,
      recipients: [...told],
      ...(request.reason ? { reason: request.reason } : {}),
    });
  }
  // XEP-0473 §4.1: an entity newly granted access also gets the previous (revoked) secrets
  if (newcomers.length) {
    for (const secret of previous)
      queueNotification(handle.data, {
        service,
        node,
        kind: 'shared-secret',
        secretId: secret.id,
        recipients: [...newcomers],
      });
  }
  record.secrets.push(fresh);
  const dropped = dropPendingShares(handle.data, service, node, removed);
  if (dropped.length) ctx.reporter.verbose(`pending shares dropped: ${dropped.join(', ')}`);
  queueNotification(handle.data, {
    service,
    node,
    kind: 'shared-secret',
    secretId: fresh.id,
    recipients: [...recipients, ctx.bareJid],
  });
  await handle.save();

  const { removed: left, attachmentsNodes } = await updateWhitelist(ctx, service, node, recipients, removed);
  const report = await deliverPending(ctx);
  return {
    service,
    node,
    revoked: active.map((s) => s.id),
    secretId: fresh.id,
    recipients,
    removedFromWhitelist: left,
    attachmentsNodes,
    ...report,
  };
}
