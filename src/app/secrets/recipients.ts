// Recipient lists: bare JIDs, checked before anything is sent, and the node's whitelist.
import { OxpsError, isOxpsError } from '../../errors.js';
import { ContactKeyNotFound } from '../ox/keyring.js';
import { IqError } from '../../xmpp/session.js';
import { checkBareJid } from '../../xmpp/jid.js';
import type { Affiliation } from '../../protocol/pubsub/node.js';
import type { AppContext } from '../context.js';
import { nodeAffiliations, nodeConfiguration, setNodeAffiliations } from '../pubsubNode.js';
import { syncAttachmentsWhitelist } from '../signing/attachmentsNode.js';

export function normalizeRecipients(jids: string[], self: string): string[] {
  const bare = jids.map(checkBareJid);
  return [...new Set(bare)].filter((jid) => jid !== self);
}

export interface KeyFailure {
  jid: string;
  error: OxpsError;
}

export interface RecipientKeys {
  /** Recipients we may encrypt to now. */
  ready: string[];
  /** Recipients with no key the trust policy lets us use (none published, or none trusted). */
  waiting: KeyFailure[];
  /** Recipients whose server says the account cannot be reached (a typo in the domain?). */
  unreachable: KeyFailure[];
}

/** Asks for every recipient's keys (refreshed), so that one error can name all who fail. */
export async function sortRecipientKeys(ctx: AppContext, recipients: string[]): Promise<RecipientKeys> {
  const keyring = await ctx.keyring();
  const sorted: RecipientKeys = { ready: [], waiting: [], unreachable: [] };
  for (const recipient of recipients) {
    try {
      await keyring.usableKeys(recipient, 'encrypt to', true);
      sorted.ready.push(recipient);
    } catch (error) {
      if (error instanceof ContactKeyNotFound && error.unreachable)
        sorted.unreachable.push({ jid: recipient, error });
      else if (isOxpsError(error, 'KEY_NOT_FOUND') || isOxpsError(error, 'UNTRUSTED_KEY'))
        sorted.waiting.push({ jid: recipient, error });
      else throw error;
    }
  }
  return sorted;
}

/**
 * One error for every recipient we cannot encrypt to (XEP-0473 share is all or nothing), the
 * unreachable told apart from the keyless; `ways` are what else the command offers (an option).
 */
export function recipientKeysError(
  { waiting, unreachable }: Pick<RecipientKeys, 'waiting' | 'unreachable'>,
  ways: string[],
): OxpsError {
  const failures = [...unreachable, ...waiting];
  const code = failures.some((f) => f.error.code === 'KEY_NOT_FOUND') ? 'KEY_NOT_FOUND' : 'UNTRUSTED_KEY';
  if (failures.length === 1) {
    const [{ error }] = failures as [KeyFailure];
    return new OxpsError(error.code, error.message, [error.hint, ...ways].filter(Boolean).join('; or '));
  }
  const jids = (list: KeyFailure[]) => list.map((f) => f.jid);
  const keyless = jids(waiting.filter((f) => f.error.code === 'KEY_NOT_FOUND'));
  const untrusted = jids(waiting.filter((f) => f.error.code !== 'KEY_NOT_FOUND'));
  const gone = jids(unreachable);
  const what = [
    keyless.length ? `no OpenPGP key published for ${keyless.join(', ')}` : '',
    untrusted.length ? `no trusted OpenPGP key of ${untrusted.join(', ')}` : '',
    gone.length
      ? `${gone.join(', ')} ${gone.length === 1 ? 'does' : 'do'} not exist or cannot be reached`
      : '',
  ].filter(Boolean);
  const hints = [
    gone.length ? `check the address of ${gone.join(', ')} (a typo in the domain?)` : '',
    keyless.length
      ? `${keyless.join(', ')} ${keyless.length === 1 ? 'needs' : 'need'} an OX client (oxps key generate, Libervia, Gajim) that publishes a key`
      : '',
    untrusted.length ? `check their fingerprints (oxps key list JID), then: oxps key trust JID FPR` : '',
  ].filter(Boolean);
  return new OxpsError(
    code,
    `${what.join('; ')}: nothing was sent`,
    [hints.join('; '), ...ways].join('; or '),
  );
}

/**
 * Fails before anything is sent when any recipient has no usable key, naming all of them;
 * `leaveOut` names the option that leaves such a recipient out, when there is one.
 */
export async function checkRecipientKeys(
  ctx: AppContext,
  recipients: string[],
  leaveOut?: string,
): Promise<void> {
  const sorted = await sortRecipientKeys(ctx, recipients);
  const jids = recipients.filter((jid) => !sorted.ready.includes(jid));
  if (jids.length === 0) return;
  throw recipientKeysError(
    sorted,
    leaveOut ? [`leave ${jids.join(', ')} out: ${jids.map((jid) => `${leaveOut} ${jid}`).join(' ')}`] : [],
  );
}

/**
 * XEP-0473 §6: on a whitelist node we own, readers are members and removed readers leave; the
 * attachments nodes of its items follow (§7). Does nothing (and says so with -v) when we are
 * not the owner or the node is not whitelist.
 */
export async function updateWhitelist(
  ctx: AppContext,
  service: string,
  node: string,
  add: string[],
  remove: string[],
): Promise<{ added: string[]; removed: string[]; attachmentsNodes: number }> {
  const session = await ctx.session();
  let current: Map<string, Affiliation>;
  try {
    const config = await nodeConfiguration(session, service, node);
    if (config?.['pubsub#access_model'] !== 'whitelist') {
      ctx.reporter.verbose(`node ${node} is not a whitelist node: affiliations left alone`);
      return { added: [], removed: [], attachmentsNodes: 0 };
    }
    current = await nodeAffiliations(session, service, node);
  } catch (error) {
    if (
      error instanceof IqError &&
      ['forbidden', 'not-authorized', 'not-allowed', 'item-not-found'].includes(error.condition)
    ) {
      ctx.reporter.verbose(`not the owner of node ${node} on ${service}: whitelist left alone`);
      return { added: [], removed: [], attachmentsNodes: 0 };
    }
    throw error;
  }
  const changes = new Map<string, Affiliation>();
  const added = add.filter((jid) => !['owner', 'publisher', 'member'].includes(current.get(jid) ?? 'none'));
  const removed = remove.filter(
    (jid) => (current.get(jid) ?? 'none') !== 'none' && current.get(jid) !== 'owner',
  );
  for (const jid of added) changes.set(jid, 'member');
  for (const jid of removed) changes.set(jid, 'none');
  await setNodeAffiliations(session, service, node, changes);
  if (added.length) ctx.reporter.verbose(`whitelisted on ${node}: ${added.join(', ')}`);
  if (removed.length) ctx.reporter.verbose(`removed from the whitelist of ${node}: ${removed.join(', ')}`);
  const attachmentsNodes = await syncAttachmentsWhitelist(ctx, service, node, changes);
  return { added, removed, attachmentsNodes };
}

export function requireRecipients(recipients: string[]): void {
  if (recipients.length === 0)
    throw new OxpsError('USAGE', 'no recipient (other than yourself)', 'name at least one JID');
}
