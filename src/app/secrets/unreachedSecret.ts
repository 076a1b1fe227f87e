// Never publish with a secret no reader has. A rotation on another device that reached nobody,
// an interrupted share, or a secret made because every other one was revoked would otherwise
// leave every reader of the node unable to decrypt, and nothing would tell the publisher.
import { OxpsError } from '../../errors.js';
import type { NodeSecret } from '../../protocol/oxps/secrets.js';
import type { AppContext } from '../context.js';
import { pendingSharesOf, type NodeRecord } from '../state.js';
import { deliverPending, queueNotification } from './notify.js';
import { nodeReaders } from './readers.js';

/**
 * When `secret` (ours) has been sent to none of the node's readers, sends it to all of them
 * (and our other devices) before anything is published; refuses when none could be reached.
 * One affiliations request when all is well; none for a secret or a node of someone else.
 */
export async function ensureReadersHaveSecret(
  ctx: AppContext,
  record: NodeRecord,
  secret: NodeSecret,
): Promise<void> {
  const { service, node } = record;
  if (secret.origin !== ctx.bareJid) return;
  const readers = await nodeReaders(ctx, service, node);
  if (!readers.known) {
    ctx.reporter.verbose(
      `not checking that the readers of node ${node} have secret ${secret.id}: ${readers.reason}`,
    );
    return;
  }
  const handle = await ctx.state();
  // readers waiting for a key (share --whitelist-only) get the secret when it appears
  const waiting = pendingSharesOf(handle.data, service, node).map((p) => p.jid);
  const reachable = readers.jids.filter((jid) => !waiting.includes(jid));
  if (reachable.length === 0 || reachable.some((jid) => secret.sharedWith.includes(jid))) return;
  ctx.reporter.warn(
    `secret ${secret.id} of node ${node} was sent to none of its readers (${reachable.join(', ')}): sending it to them before publishing`,
  );
  queueNotification(handle.data, {
    service,
    node,
    kind: 'shared-secret',
    secretId: secret.id,
    recipients: [...reachable, ctx.bareJid],
  });
  await handle.save();
  const report = await deliverPending(ctx);
  if (!reachable.some((jid) => secret.sharedWith.includes(jid))) {
    const reasons = report.dropped.map((d) => `${d.recipient}: ${d.reason}`).join('; ');
    throw new OxpsError(
      'KEY_NOT_FOUND',
      `no reader of node ${node} could be sent its secret ${secret.id}${reasons ? ` (${reasons})` : ''}: nothing published`,
      `make their keys usable (oxps key list), then: oxps secret share -s ${service} -n ${node} -k ${secret.id} ${reachable.join(' ')}`,
    );
  }
}
