// Receiving secrets (XEP-0473 §4, §7): OX messages from our archive (XEP-0313, since the last
// sync point, so it works even when another client took the offline copies), from offline
// storage, or live. Only <shared-secret/> and <revoke/> inside a verified <signcrypt/> payload
// are acted upon (an allow-list); every encrypted message we cannot read is reported (XEP-0380).
import { createHash, randomBytes } from 'node:crypto';
import type { Element } from '@xmpp/xml';
import { NS } from '../protocol/namespaces.js';
import { availablePresence, clientDiscoInfo } from '../protocol/client.js';
import { mamQueryIq, parseMamFin, parseMamResult, type ArchivedMessage } from '../protocol/mam.js';
import { parseSharedSecret, MalformedSharedSecret } from '../protocol/oxps/sharedSecret.js';
import { parseRevoke, MalformedRevoke } from '../protocol/oxps/revoke.js';
import {
  allSecrets,
  knownOwners,
  receiveRevoke,
  receiveSharedSecret,
  type NodeAuthority,
} from '../protocol/oxps/receiving.js';
import { IqError } from '../xmpp/session.js';
import type { AppContext } from './context.js';
import { ensureNodeRecord, nodeKey, type NodeRecord, type ProfileState } from './state.js';
import { OwnerLookups } from './nodeOwners.js';
import { ReceiveLimits } from './receiveLimits.js';
import { unpackOxMessage, UnreadableMessage } from './ox/messaging.js';
import { bareJid } from '../xmpp/jid.js';
import { deliverPending } from './secrets/notify.js';

/** Processed-message fingerprints kept to ignore duplicates (offline + MAM copies, replays). */
const PROCESSED_MEMORY = 5000;
const MAM_PAGE = 100;

export interface SyncReport {
  examined: number;
  accepted: Array<{
    from: string;
    service: string;
    node: string;
    secretId: string;
    revoked: boolean;
    firstUse: boolean;
  }>;
  revoked: Array<{ from: string; service: string; node: string; secretId: string }>;
  /** `count`: how many elements one summary entry stands for (limits, issue 12 #8). */
  rejected: Array<{ from: string; reason: string; service?: string; node?: string; count?: number }>;
  /** Secrets kept apart as candidates: the node's secrets now come from several origins. Only when any. */
  conflicts?: Array<{ from: string; service: string; node: string; secretId: string; origins: string[] }>;
  unreadable: Array<{ from: string; time?: string; reason: string; scheme?: string }>;
  archive: 'caught up' | 'unavailable';
}

export function emptyReport(): SyncReport {
  return { examined: 0, accepted: [], revoked: [], rejected: [], unreadable: [], archive: 'caught up' };
}

export interface SyncOptions {
  /** Also take messages from offline storage (sends an available presence). */
  offline: boolean;
  /** Re-read the whole archive instead of continuing from the sync point. */
  full?: boolean;
}

export async function syncMessages(ctx: AppContext, options: SyncOptions): Promise<SyncReport> {
  const report = emptyReport();
  const processor = new MessageProcessor(ctx, report);
  await catchUpArchive(ctx, processor, options.full ?? false);
  if (options.offline) await drainOffline(ctx, processor);
  processor.finish();
  await (await ctx.state()).save();
  return report;
}

async function catchUpArchive(ctx: AppContext, processor: MessageProcessor, full: boolean): Promise<void> {
  const session = await ctx.session();
  const handle = await ctx.state();
  const sync = handle.data.sync;
  const queryId = randomBytes(6).toString('hex');
  let page: ArchivedMessage[] = [];
  const stop = session.onStanza('message', (stanza) => {
    const result = parseMamResult(stanza, queryId);
    if (result) page.push(result);
  });
  try {
    let after = full ? undefined : sync.mamLastId;
    let start: string | undefined;
    for (;;) {
      let result: Element;
      try {
        result = await session.iq(
          mamQueryIq({ queryId, after, start, max: MAM_PAGE }),
          'reading the message archive',
        );
      } catch (error) {
        if (!(error instanceof IqError)) throw error;
        if (error.condition === 'item-not-found' && after) {
          // the archive forgot our sync point (expired): continue from its time instead
          ctx.reporter.verbose(
            `archive id ${after} unknown to the server; continuing from ${sync.mamLastTime ?? 'the start'}`,
          );
          after = undefined;
          start = sync.mamLastTime;
          page = [];
          continue;
        }
        ctx.reporter.verbose(
          `no message archive (${error.condition}): only offline and live messages can be processed`,
        );
        processor.report.archive = 'unavailable';
        return;
      }
      const messages = page;
      page = [];
      for (const archived of messages) {
        await processor.process(archived.message, archived.stamp);
        sync.mamLastId = archived.archiveId;
        if (archived.stamp) sync.mamLastTime = archived.stamp;
      }
      await handle.save();
      const fin = parseMamFin(result);
      if (fin.complete || messages.length === 0 || !fin.page?.last) return;
      after = fin.page.last;
      start = undefined;
    }
  } finally {
    stop();
  }
}

/** Announces an available presence: the server then delivers offline messages, before our ping's answer. */
async function drainOffline(ctx: AppContext, processor: MessageProcessor): Promise<void> {
  const session = await ctx.session();
  const queue: Element[] = [];
  const stop = session.onStanza('message', (stanza) => {
    if (!stanza.getChild('result', NS.mam)) queue.push(stanza);
  });
  try {
    await session.send(availablePresence());
    await session.roundTrip();
  } finally {
    stop();
  }
  for (const message of queue)
    await processor.process(message, message.getChild('delay', NS.delay)?.attrs.stamp);
}

/** Processes live messages until `signal` aborts; each message in its own state transaction. */
export async function watchMessages(
  ctx: AppContext,
  signal: AbortSignal,
  onReport: (report: SyncReport) => void,
): Promise<void> {
  const session = await ctx.session();
  session.answerDiscoInfo(clientDiscoInfo);
  let chain = Promise.resolve();
  const stop = session.onStanza('message', (stanza) => {
    if (stanza.getChild('result', NS.mam)) return;
    chain = chain
      .then(async () => {
        const report = emptyReport();
        const processor = new MessageProcessor(ctx, report);
        await processor.process(stanza, stanza.getChild('delay', NS.delay)?.attrs.stamp);
        processor.finish();
        await (await ctx.state()).save();
        await ctx.releaseState();
        if (report.examined > 0) onReport(report);
      })
      .catch((error: unknown) =>
        ctx.reporter.warn(`processing a message failed: ${(error as Error).message}`),
      );
  });
  await ctx.releaseState();
  await session.send(availablePresence());
  const disconnected = new Promise<void>((resolve) => session.onDisconnect(resolve));
  await Promise.race([
    new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve(), { once: true })),
    disconnected,
  ]);
  stop();
  await chain;
}

class MessageProcessor {
  private readonly owners: OwnerLookups;
  private receiveLimits?: ReceiveLimits;

  constructor(
    private readonly ctx: AppContext,
    readonly report: SyncReport,
  ) {
    this.owners = new OwnerLookups(ctx);
  }

  /** Reports what the limits dropped: one entry and one warning per sender and limit. */
  finish(): void {
    for (const { from, reason, count } of this.receiveLimits?.takeDropped() ?? [])
      this.reject(from, reason, undefined, undefined, count);
  }

  private limits(state: ProfileState): ReceiveLimits {
    return (this.receiveLimits ??= new ReceiveLimits(state, this.ctx.bareJid));
  }

  async process(message: Element, stamp: string | undefined): Promise<void> {
    const from = bareJid(message.attrs.from ?? '');
    const to = bareJid(message.attrs.to ?? this.ctx.bareJid);
    if (to !== this.ctx.bareJid || message.attrs.type === 'error' || message.attrs.type === 'groupchat')
      return;
    const openpgp = message.getChild('openpgp', NS.ox);
    if (!openpgp) {
      const eme = message.getChild('encryption', NS.eme);
      if (eme && eme.attrs.namespace !== NS.ox) {
        this.report.unreadable.push({
          from,
          time: stamp,
          reason: `encrypted with ${eme.attrs.name ?? eme.attrs.namespace}, which oxps does not read`,
          scheme: eme.attrs.namespace,
        });
      }
      return;
    }
    const state = (await this.ctx.state()).data;
    const fingerprint = createHash('sha256').update(openpgp.text()).digest('hex').slice(0, 32);
    if (state.sync.processed.includes(fingerprint)) return;
    this.report.examined++;
    try {
      const unpacked = await unpackOxMessage(this.ctx, message);
      const elements = unpacked.payload.filter(
        (element) => element.getNS() === NS.oxps || this.ignore(element, unpacked.sender),
      );
      for (const element of this.limits(state).elementsOf(elements, unpacked.sender))
        await this.apply(state, element, unpacked.sender);
    } catch (error) {
      if (!(error instanceof UnreadableMessage)) throw error;
      this.report.unreadable.push({ from, time: stamp, reason: error.message });
      this.ctx.reporter.warn(
        `message from ${from}${stamp ? ` (${stamp})` : ''} could not be read: ${error.message}`,
      );
      // keys may be published or trusted later: leave the message unprocessed then
      if (error.retryLater) return;
    }
    state.sync.processed.push(fingerprint);
    if (state.sync.processed.length > PROCESSED_MEMORY)
      state.sync.processed.splice(0, state.sync.processed.length - PROCESSED_MEMORY);
  }

  private ignore(element: Element, sender: string): false {
    this.ctx.reporter.verbose(`ignored <${element.name}/> from ${sender}: not an OXPS element`);
    return false;
  }

  private async apply(state: ProfileState, element: Element, sender: string): Promise<void> {
    if (element.is('shared-secret')) await this.applySharedSecret(state, element, sender);
    else if (element.is('revoke')) this.applyRevoke(state, element, sender);
    else this.ignore(element, sender);
  }

  private async applySharedSecret(state: ProfileState, element: Element, sender: string): Promise<void> {
    let secret;
    try {
      secret = parseSharedSecret(element);
    } catch (error) {
      this.reject(sender, (error as MalformedSharedSecret).message);
      return;
    }
    const known = state.nodes[nodeKey(secret.service, secret.node)];
    const newcomer = !known || !allSecrets(known).some((s) => s.origin === sender);
    if (newcomer && !this.limits(state).admit(known, sender)) return;
    const authority = newcomer ? await this.authority(known, secret.service, secret.node) : {};
    const record = known ?? ensureNodeRecord(state, secret.service, secret.node);
    const verdict = receiveSharedSecret(record, secret, sender, new Date(), authority);
    if (verdict.kind === 'rejected') {
      if (!known) delete state.nodes[nodeKey(secret.service, secret.node)];
      this.reject(sender, verdict.reason, secret.service, secret.node);
      return;
    }
    if (newcomer) this.limits(state).admitted(record, sender, !known);
    if (secret.type) record.payloadType ??= secret.type;
    if (verdict.kind === 'accepted') {
      this.report.accepted.push({
        from: sender,
        service: secret.service,
        node: secret.node,
        secretId: secret.id,
        revoked: secret.revoked,
        firstUse: verdict.firstUse,
      });
      if (verdict.warning) this.ctx.reporter.warn(verdict.warning);
      for (const [origin, ids] of groupByOrigin(verdict.dropped ?? [])) {
        this.reject(
          origin,
          `secret(s) ${ids.join(', ')} dropped: the service names ${sender} as an owner of node ${secret.node}, not ${origin}`,
          secret.service,
          secret.node,
        );
      }
      if (verdict.conflict) this.conflict(sender, record, secret.id, verdict.conflict.origins);
    } else if (verdict.kind === 'revoked') {
      this.report.revoked.push({
        from: sender,
        service: secret.service,
        node: secret.node,
        secretId: secret.id,
      });
    }
  }

  /** Who owns the node, asked only of a component when a sender would be a new origin for it. */
  private async authority(
    known: NodeRecord | undefined,
    service: string,
    node: string,
  ): Promise<NodeAuthority> {
    if (knownOwners(service) || known?.trustedOrigin) return {};
    return { owners: await this.owners.owners(service, node) };
  }

  private conflict(from: string, record: NodeRecord, secretId: string, competing: string[]): void {
    const { service, node } = record;
    (this.report.conflicts ??= []).push({ from, service, node, secretId, origins: competing });
    this.ctx.reporter.warn(
      `secret ${secretId} from ${from} for node ${node} on ${service} is kept apart: this node's secrets now come from ${competing.join(', ')}, ` +
        `and the service does not tell us who owns it. Check with the owner, then: oxps secret trust-origin -s ${service} -n ${node} JID (or oxps secret forget -s ${service} -n ${node})`,
    );
  }

  private applyRevoke(state: ProfileState, element: Element, sender: string): void {
    let revocation;
    try {
      revocation = parseRevoke(element);
    } catch (error) {
      this.reject(sender, (error as MalformedRevoke).message);
      return;
    }
    const record = state.nodes[nodeKey(revocation.service, revocation.node)];
    const verdict = receiveRevoke(record ?? { secrets: [] }, revocation, sender);
    if (verdict.kind === 'rejected') this.reject(sender, verdict.reason, revocation.service, revocation.node);
    else if (verdict.kind === 'revoked')
      this.report.revoked.push({
        from: sender,
        service: revocation.service,
        node: revocation.node,
        secretId: revocation.id,
      });
  }

  private reject(from: string, reason: string, service?: string, node?: string, count?: number): void {
    this.report.rejected.push({
      from,
      reason,
      ...(service ? { service, node } : {}),
      ...(count ? { count } : {}),
    });
    this.ctx.reporter.warn(`rejected a message from ${from}: ${reason}`);
  }
}

function groupByOrigin(secrets: ReadonlyArray<{ origin: string; id: string }>): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const { origin, id } of secrets) groups.set(origin, [...(groups.get(origin) ?? []), id]);
  return groups;
}

/**
 * The processing every networked command runs first: notifications a killed run left pending
 * are sent, then the archive is read (no presence is sent: offline messages stay for clients).
 */
export async function quickSync(ctx: AppContext): Promise<SyncReport | undefined> {
  if (!(await (await ctx.keyring()).hasOwnKey())) {
    ctx.reporter.verbose('no OpenPGP key yet: no secret message can be read, skipping sync');
    return undefined;
  }
  // notifications a killed run left go first; with none, the refresh of our key list (all
  // deliverPending does then) and the archive read go out together, in one round trip
  if ((await ctx.state()).data.pending.length > 0) {
    await deliverPending(ctx);
    return syncMessages(ctx, { offline: false });
  }
  const [, report] = await Promise.all([deliverPending(ctx), syncMessages(ctx, { offline: false })]);
  return report;
}
