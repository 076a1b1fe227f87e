// Delivering <shared-secret/> and <revoke/> notifications, crash-safe: the intent is recorded
// in the state (pending) before anything is sent, each recipient is crossed off only once the
// server has acknowledged its messages, and any later secret command finishes what a killed
// run left. A recipient may thus get a message twice, which receivers ignore.
import { randomBytes } from 'node:crypto';
import type * as openpgp from 'openpgp';
import { OxpsError, isOxpsError } from '../../errors.js';
import { byTimestamp } from '../../protocol/oxps/secrets.js';
import { buildSharedSecret } from '../../protocol/oxps/sharedSecret.js';
import { buildRevoke } from '../../protocol/oxps/revoke.js';
import { xep82DateTime } from '../../protocol/datetime.js';
import type { AppContext } from '../context.js';
import { nodeRecord, type PendingNotification, type ProfileState } from '../state.js';
import { buildOxMessage } from '../ox/messaging.js';
import { nodeReaders } from './readers.js';

/**
 * Queues a secret, or its revocation, for its recipients. Nothing is sent: the caller saves the
 * state and then calls deliverPending, so that a run killed in between leaves the intent behind.
 */
export function queueNotification(
  state: ProfileState,
  fields: Omit<PendingNotification, 'id' | 'created'>,
): void {
  state.pending.push({ id: randomBytes(6).toString('hex'), created: xep82DateTime(new Date()), ...fields });
}

/**
 * Gap between two messages to the same recipient. Libervia 0.9 (plugin_sec_oxps) handles secret
 * messages concurrently and updates a node's secrets by read-modify-write without a lock; its
 * in-memory cache keeps that safe only once the node is cached. For a node it does not know yet
 * (or after a restart), two messages processed together both start from the same stored list
 * and one update is lost: sharing two secrets with a new Libervia recipient left it with one,
 * and a rotation's <revoke> can be lost beside the new <shared-secret>. Libervia took 1–2 s per
 * message on loopback (gpg, and it refetches our key list from PEP each time), so we space
 * messages to the same recipient; messages to different recipients, and to our own account
 * (oxps processes its archive in order), are not held back.
 */
export const SAME_RECIPIENT_GAP_MS = 3000;

export interface DeliveryReport {
  delivered: Array<{ recipient: string; kind: PendingNotification['kind']; secretId: string }>;
  dropped: Array<{ recipient: string; reason: string }>;
}

/** Sends every pending notification; returns what was delivered and what had to be dropped. */
export async function deliverPending(ctx: AppContext): Promise<DeliveryReport> {
  const handle = await ctx.state();
  const state = handle.data;
  const report: DeliveryReport = { delivered: [], dropped: [] };
  const keyring = await ctx.keyring();
  // every secret command and sync starts here: reading our own list on each run is what
  // announces a key newly added to it (Keyring.refreshContact)
  if (await keyring.hasOwnKey()) {
    await keyring.ownEncryptionKeys();
    await promoteReadyShares(ctx);
  }
  if (state.pending.length === 0) return report;
  const session = await ctx.session();
  const ownKeys = await keyring.ownEncryptionKeys();
  const total = state.pending.reduce((n, p) => n + p.recipients.length, 0);
  const progress = ctx.reporter.progress('notifying', total);
  const lastSent = new Map<string, number>();
  try {
    for (const pending of [...state.pending]) {
      const record = nodeRecord(state, pending.service, pending.node);
      const secret = record?.secrets.find((s) => s.id === pending.secretId);
      if (!record || !secret) {
        state.pending.splice(state.pending.indexOf(pending), 1);
        continue;
      }
      const payload =
        pending.kind === 'shared-secret'
          ? buildSharedSecret({
              service: record.service,
              node: record.node,
              id: secret.id,
              timestamp: secret.timestamp,
              revoked: secret.revoked,
              type: record.payloadType,
              key: secret.key,
            })
          : buildRevoke({
              service: record.service,
              node: record.node,
              id: secret.id,
              reason: pending.reason,
            });
      for (const recipient of [...pending.recipients]) {
        let keys: openpgp.PublicKey[];
        try {
          // refreshed (once per run): a recipient who changed keys since the secret was shared must still get this
          keys =
            recipient === ctx.bareJid
              ? ownKeys
              : [...(await keyring.usableKeys(recipient, 'encrypt to', true)), ...ownKeys];
        } catch (error) {
          if (!(error instanceof OxpsError) || !['KEY_NOT_FOUND', 'UNTRUSTED_KEY'].includes(error.code))
            throw error;
          report.dropped.push({ recipient, reason: error.message });
          ctx.reporter.warn(`could not notify ${recipient} of secret ${secret.id}: ${error.message}`);
          keys = [];
        }
        if (keys.length > 0) {
          const previous = lastSent.get(recipient);
          if (previous !== undefined && recipient !== ctx.bareJid) {
            const wait = previous + SAME_RECIPIENT_GAP_MS - Date.now();
            if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
          }
          await session.send(await buildOxMessage(ctx, recipient, [payload], keys));
          await session.roundTrip();
          lastSent.set(recipient, Date.now());
          if (
            pending.kind === 'shared-secret' &&
            recipient !== ctx.bareJid &&
            !secret.sharedWith.includes(recipient)
          )
            secret.sharedWith.push(recipient);
          report.delivered.push({ recipient, kind: pending.kind, secretId: secret.id });
          ctx.reporter.verbose(`sent ${pending.kind} ${secret.id} to ${recipient}`);
        }
        pending.recipients.splice(pending.recipients.indexOf(recipient), 1);
        await handle.save();
        progress.tick();
      }
      state.pending.splice(state.pending.indexOf(pending), 1);
      await handle.save();
    }
  } finally {
    progress.done();
  }
  return report;
}

/** Readers of pending shares found without a usable key in this run. */
const stillWaiting = new WeakMap<AppContext, Set<string>>();

/**
 * Pending shares (share --whitelist-only) whose reader now has a key the trust policy accepts
 * (refreshed from their PEP, so a refused key is never used) become pending notifications of
 * the node's active secrets, in the same save that drops the share. A reader who left the
 * whitelist meanwhile (where we can read it: another device may have removed them) gets nothing.
 */
async function promoteReadyShares(ctx: AppContext): Promise<void> {
  const handle = await ctx.state();
  const state = handle.data;
  if (!state.pendingShares?.length) return;
  const keyring = await ctx.keyring();
  // a command delivers more than once (before and after its own work): one key lookup per reader and run
  const waiting = stillWaiting.get(ctx) ?? new Set<string>();
  stillWaiting.set(ctx, waiting);
  let changed = false;
  for (const share of [...state.pendingShares]) {
    const { service, node, jid } = share;
    if (waiting.has(jid)) continue;
    try {
      await keyring.usableKeys(jid, 'encrypt to', true);
    } catch (error) {
      if (!isOxpsError(error, 'KEY_NOT_FOUND') && !isOxpsError(error, 'UNTRUSTED_KEY')) throw error;
      waiting.add(jid);
      ctx.reporter.verbose(`pending share of ${node} for ${jid} still waits: ${error.message}`);
      continue;
    }
    const readers = await nodeReaders(ctx, service, node);
    const active = (nodeRecord(state, service, node)?.secrets ?? [])
      .filter((s) => !s.revoked)
      .sort(byTimestamp);
    state.pendingShares = state.pendingShares.filter((p) => p !== share);
    changed = true;
    if (readers.known && !readers.jids.includes(jid)) {
      ctx.reporter.warn(
        `${jid} has a key now but is no longer on the whitelist of ${node}: pending share dropped, nothing sent`,
      );
    } else if (active.length === 0) {
      ctx.reporter.warn(
        `${jid} has a key now but node ${node} has no active secret: pending share dropped, nothing sent`,
      );
    } else {
      ctx.reporter.notice(
        `${jid} has a key now: sending the secrets of ${node} on ${service} (shared with --whitelist-only on ${share.since})`,
      );
      for (const secret of active)
        queueNotification(state, {
          service,
          node,
          kind: 'shared-secret',
          secretId: secret.id,
          recipients: [jid],
        });
    }
  }
  if (changed) await handle.save();
}
