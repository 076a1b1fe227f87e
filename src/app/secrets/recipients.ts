// Recipient lists: bare JIDs, checked before anything is sent, and the node's whitelist.
import { OxpsError } from '../../errors.js';
import { IqError } from '../../xmpp/session.js';
import { checkBareJid } from '../../xmpp/jid.js';
import type { Affiliation } from '../../protocol/pubsub/node.js';
import type { AppContext } from '../context.js';
import { nodeAffiliations, nodeConfiguration, setNodeAffiliations } from '../pubsubNode.js';

export function normalizeRecipients(jids: string[], self: string): string[] {
  const bare = jids.map(checkBareJid);
  return [...new Set(bare)].filter((jid) => jid !== self);
}

/**
 * Fails before anything is sent when any recipient has no usable key (XEP-0473 share is all or
 * nothing); `leaveOut` names the option that leaves such a recipient out, when there is one.
 */
export async function checkRecipientKeys(ctx: AppContext, recipients: string[], leaveOut?: string): Promise<void> {
  const keyring = await ctx.keyring();
  for (const recipient of recipients) {
    try {
      await keyring.usableKeys(recipient, 'encrypt to', true);
    } catch (error) {
      if (!leaveOut || !(error instanceof OxpsError)) throw error;
      throw new OxpsError(error.code, error.message, `${error.hint ? `${error.hint}; ` : ''}or leave ${recipient} out: ${leaveOut} ${recipient}`);
    }
  }
}

/**
 * XEP-0473 §6: on a whitelist node we own, readers are members and removed readers leave.
 * Does nothing (and says so with -v) when we are not the owner or the node is not whitelist.
 */
export async function updateWhitelist(ctx: AppContext, service: string, node: string, add: string[], remove: string[]): Promise<{ added: string[]; removed: string[] }> {
  const session = await ctx.session();
  let current: Map<string, Affiliation>;
  try {
    const config = await nodeConfiguration(session, service, node);
    if (config?.['pubsub#access_model'] !== 'whitelist') {
      ctx.reporter.verbose(`node ${node} is not a whitelist node: affiliations left alone`);
      return { added: [], removed: [] };
    }
    current = await nodeAffiliations(session, service, node);
  } catch (error) {
    if (error instanceof IqError && ['forbidden', 'not-authorized', 'not-allowed', 'item-not-found'].includes(error.condition)) {
      ctx.reporter.verbose(`not the owner of node ${node} on ${service}: whitelist left alone`);
      return { added: [], removed: [] };
    }
    throw error;
  }
  const changes = new Map<string, Affiliation>();
  const added = add.filter((jid) => !['owner', 'publisher', 'member'].includes(current.get(jid) ?? 'none'));
  const removed = remove.filter((jid) => (current.get(jid) ?? 'none') !== 'none' && current.get(jid) !== 'owner');
  for (const jid of added) changes.set(jid, 'member');
  for (const jid of removed) changes.set(jid, 'none');
  await setNodeAffiliations(session, service, node, changes);
  if (added.length) ctx.reporter.verbose(`whitelisted on ${node}: ${added.join(', ')}`);
  if (removed.length) ctx.reporter.verbose(`removed from the whitelist of ${node}: ${removed.join(', ')}`);
  return { added, removed };
}

export function requireRecipients(recipients: string[]): void {
  if (recipients.length === 0) throw new OxpsError('USAGE', 'no recipient (other than yourself)', 'name at least one JID');
}
