// `oxps secret share`: send a node's secrets (all of them, revoked ones flagged, or the -k ones)
// to recipients, one OX message per secret as Libervia does, plus a copy to our own account
// so that our other devices learn them (XEP-0473 §4.1).
import { OxpsError } from '../../errors.js';
import { byTimestamp, generateSecret, mayGenerateSecret, origins } from '../../protocol/oxps/secrets.js';
import { settleBeforeEncrypting } from '../nodeOrigin.js';
import type { AppContext } from '../context.js';
import { addPendingShares, ensureNodeRecord } from '../state.js';
import { ensureOwnKeyPublished } from '../ox/keys.js';
import { deliverPending, queueNotification, type DeliveryReport } from './notify.js';
import {
  normalizeRecipients,
  recipientKeysError,
  requireRecipients,
  sortRecipientKeys,
  updateWhitelist,
} from './recipients.js';

export interface ShareRequest {
  service: string;
  node: string;
  secretIds?: string[];
  recipients: string[];
  /** Whitelist everyone now; those without a usable key get the secrets once it appears (pending shares). */
  whitelistOnly?: boolean;
}

export interface ShareResult extends DeliveryReport {
  service: string;
  node: string;
  secrets: string[];
  recipients: string[];
  whitelisted: string[];
  /** Recipients left waiting for a usable key (--whitelist-only). */
  pending: string[];
  /** Attachments nodes (signatures) of the node's items whose whitelist followed. */
  attachmentsNodes: number;
}

export async function shareSecrets(ctx: AppContext, request: ShareRequest): Promise<ShareResult> {
  const { service, node } = request;
  const recipients = normalizeRecipients(request.recipients, ctx.bareJid);
  requireRecipients(recipients);
  if (request.whitelistOnly && request.secretIds?.length) {
    throw new OxpsError(
      'USAGE',
      "--whitelist-only sends the node's active secrets when a key appears: it cannot be combined with -k",
      'leave out -k, or share the -k secrets with those who have a key',
    );
  }
  await deliverPending(ctx);
  const handle = await ctx.state();
  const record = ensureNodeRecord(handle.data, service, node);
  await settleBeforeEncrypting(ctx, record, 'nothing shared');
  if (record.secrets.length === 0) {
    // as libervia-cli does: sharing a node without secret makes its first one
    if (!mayGenerateSecret(record.secrets, ctx.bareJid))
      throw new OxpsError(
        'NOT_ORIGIN',
        `only ${origins(record.secrets).join(', ')} may make secrets for ${node}`,
      );
    record.secrets.push(generateSecret(ctx.bareJid));
    ctx.reporter.notice(`node ${node} had no secret: made one`);
  }
  const secrets = request.secretIds?.length
    ? request.secretIds.map((id) => {
        const secret = record.secrets.find((s) => s.id === id);
        if (!secret)
          throw new OxpsError(
            'SECRET_NOT_FOUND',
            `node ${node} has no secret ${id}`,
            `list them: oxps secret list -s ${service} -n ${node}`,
          );
        return secret;
      })
    : record.secrets;

  const keys = await sortRecipientKeys(ctx, recipients);
  if (keys.unreachable.length || (keys.waiting.length && !request.whitelistOnly)) {
    throw recipientKeysError(
      keys,
      keys.waiting.length && !request.whitelistOnly
        ? ['whitelist them now and send the secret when their key appears: add --whitelist-only']
        : [],
    );
  }
  await ensureOwnKeyPublished(ctx);
  const { added, attachmentsNodes } = await updateWhitelist(ctx, service, node, recipients, []);
  const waiting = keys.waiting.map((w) => w.jid);
  addPendingShares(handle.data, service, node, waiting);
  for (const { jid, error } of keys.waiting)
    ctx.reporter.notice(
      `${jid} will get the secrets of ${node} once a key we may use appears (${error.message})`,
    );
  // oldest first, so that the newest secret is the last one received
  for (const secret of [...secrets].sort(byTimestamp)) {
    queueNotification(handle.data, {
      service,
      node,
      kind: 'shared-secret',
      secretId: secret.id,
      recipients: [...keys.ready, ctx.bareJid],
    });
  }
  await handle.save();
  const report = await deliverPending(ctx);
  return {
    service,
    node,
    secrets: secrets.map((s) => s.id),
    recipients,
    whitelisted: added,
    pending: waiting,
    attachmentsNodes,
    ...report,
  };
}
