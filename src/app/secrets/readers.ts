// The readers of a node we own are its whitelist (XEP-0473 §6, XEP-0060 §8.9 affiliations), the
// same on every device of the account; whom this device sent a secret to is only its own memory.
import { IqError } from '../../xmpp/session.js';
import { isAccountService } from '../../xmpp/jid.js';
import { readingAffiliates } from '../../protocol/pubsub/node.js';
import type { AppContext } from '../context.js';
import { nodeAffiliations } from '../pubsubNode.js';
import type { NodeRecord } from '../state.js';

export type Readers = { known: true; jids: string[] } | { known: false; reason: string };

/**
 * The members who may read the node (ourselves left out), from one affiliations request;
 * `known: false` when we cannot read them. Another account's PEP node is not ours: no request.
 */
export async function nodeReaders(ctx: AppContext, service: string, node: string): Promise<Readers> {
  if (isAccountService(service) && service !== ctx.bareJid)
    return { known: false, reason: `the node belongs to ${service}` };
  try {
    return {
      known: true,
      jids: readingAffiliates(await nodeAffiliations(await ctx.session(), service, node), ctx.bareJid),
    };
  } catch (error) {
    // forbidden and the like for a non-owner; any refusal means we cannot know (a timeout still fails)
    if (error instanceof IqError)
      return {
        known: false,
        reason: `${service} does not show us its affiliations (${error.condition}): we may not be its owner`,
      };
    throw error;
  }
}

/** Everyone who should get a secret command's messages: the whitelist and whoever this device knows holds the secret. */
export async function defaultRecipients(
  ctx: AppContext,
  record: Pick<NodeRecord, 'service' | 'node'>,
  knownHolders: readonly string[],
): Promise<{ recipients: string[]; readers: Readers }> {
  const { service, node } = record;
  const readers = await nodeReaders(ctx, service, node);
  if (!readers.known) {
    ctx.reporter.warn(
      `cannot read the whitelist of node ${node} (${readers.reason}): only those this device sent the secret to are included (${knownHolders.join(', ') || 'nobody'})`,
    );
    return { recipients: [...knownHolders], readers };
  }
  return { recipients: [...new Set([...readers.jids, ...knownHolders])], readers };
}
