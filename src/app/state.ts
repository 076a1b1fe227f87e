// The schema of a profile's state (DESIGN.md §3) and its migrations. Small and critical: node
// secrets, contacts' keys and trust, what was already processed, pending notifications and shares.
import { OxpsError } from '../errors.js';
import type { NodeSecrets } from '../protocol/oxps/receiving.js';
import { xep82DateTime } from '../protocol/datetime.js';
import { StateFile, peekStateDocument } from '../store/stateFile.js';
import { paths } from '../store/paths.js';
import type { Keystore } from '../store/keystore/keystore.js';

export const STATE_VERSION = 1;

/** A node's secrets: the origin's, competing senders' candidates, the origin the user chose. */
export interface NodeRecord extends NodeSecrets {
  service: string;
  node: string;
  /** Namespace of the node's payloads, sent as the `type` of shared secrets. */
  payloadType?: string;
  /** fetch fails (exit 8) unless every item has a verified signature (oxps node set --require-signed). */
  requireSigned?: boolean;
}

/** undecided: seen, not checked (used under BTBV); verified: checked by the user; distrusted: never used. */
export type KeyTrust = 'undecided' | 'verified' | 'distrusted';

export interface ContactKey {
  fingerprint: string;
  /** Armored public key. */
  armored: string;
  created: string;
  /** Date from the contact's public-keys list. */
  published?: string;
  trust: KeyTrust;
  /**
   * When the key was first found missing from the contact's list: it is not used any more, but
   * kept with its trust, which comes back if the contact lists the key again.
   */
  withdrawn?: string;
}

export interface ContactRecord {
  jid: string;
  keys: ContactKey[];
  fetched: string;
}

/** A notification that must reach its recipients even if oxps is killed midway (rotate journal). */
export interface PendingNotification {
  id: string;
  service: string;
  node: string;
  kind: 'shared-secret' | 'revoke';
  secretId: string;
  recipients: string[];
  reason?: string;
  created: string;
}

/**
 * A reader given access with `share --whitelist-only` before they had a key we may use: the
 * node's active secrets go to them once their key appears and passes the trust policy (then
 * as pending notifications, crash-safe like any other).
 */
export interface PendingShare {
  service: string;
  node: string;
  jid: string;
  since: string;
}

export interface ProfileState {
  version: typeof STATE_VERSION;
  nodes: Record<string, NodeRecord>;
  contacts: Record<string, ContactRecord>;
  sync: {
    /** Archive id (XEP-0359 stanza-id) of the last MAM message processed. */
    mamLastId?: string;
    mamLastTime?: string;
    /** Recently processed message ids, to ignore duplicates (offline + MAM). */
    processed: string[];
  };
  pending: PendingNotification[];
  /** Absent in states written before issue 17 #8 (an optional member needs no new schema version). */
  pendingShares?: PendingShare[];
  /** Contacts' unusable keys already warned about: "JID FINGERPRINT" → "listed date, problem". */
  warnedKeys?: Record<string, string>;
  /** How each pubsub service answers a request for all of a node's items (fetch --all learns it). */
  itemsRetrieval?: Record<string, ItemsRetrieval>;
}

/** 'whole': one <items/> request gives every item; 'by-id': its answers are cut short, items are asked by id. */
export type ItemsRetrieval = 'whole' | 'by-id';

export function emptyState(): ProfileState {
  return { version: STATE_VERSION, nodes: {}, contacts: {}, sync: { processed: [] }, pending: [] };
}

export function nodeKey(service: string, node: string): string {
  return `${service}\u0000${node}`;
}

export function nodeRecord(state: ProfileState, service: string, node: string): NodeRecord | undefined {
  return state.nodes[nodeKey(service, node)];
}

export function ensureNodeRecord(state: ProfileState, service: string, node: string): NodeRecord {
  const key = nodeKey(service, node);
  state.nodes[key] ??= { service, node, secrets: [] };
  return state.nodes[key];
}

export function pendingSharesOf(state: ProfileState, service: string, node: string): PendingShare[] {
  return (state.pendingShares ?? []).filter((p) => p.service === service && p.node === node);
}

/** Keeps a pending share for each of `jids` on the node (one per reader: an older one stays). */
export function addPendingShares(
  state: ProfileState,
  service: string,
  node: string,
  jids: readonly string[],
): void {
  const known = new Set(pendingSharesOf(state, service, node).map((p) => p.jid));
  const since = xep82DateTime(new Date());
  for (const jid of jids.filter((j) => !known.has(j)))
    (state.pendingShares ??= []).push({ service, node, jid, since });
}

/** Forgets the pending shares of `jids` (all of them when not given) on a node; returns the JIDs dropped. */
export function dropPendingShares(
  state: ProfileState,
  service: string,
  node: string,
  jids?: readonly string[],
): string[] {
  const dropped = pendingSharesOf(state, service, node).filter((p) => !jids || jids.includes(p.jid));
  if (dropped.length) state.pendingShares = state.pendingShares!.filter((p) => !dropped.includes(p));
  return dropped.map((p) => p.jid);
}

/** Brings a document written by any earlier oxps to the current schema. */
export function migrate(document: unknown, file: string): ProfileState {
  if (document === undefined) return emptyState();
  const version = (document as { version?: unknown })?.version;
  if (version === STATE_VERSION) return document as ProfileState;
  if (typeof version === 'number' && version > STATE_VERSION) {
    throw new OxpsError(
      'STATE_CORRUPT',
      `the state file ${file} was written by a newer oxps (schema ${version})`,
      'upgrade oxps',
    );
  }
  throw new OxpsError(
    'STATE_CORRUPT',
    `the state file ${file} has no known schema version`,
    `the last good copy is ${file}.prev`,
  );
}

/** The state as it is on disk, read without the lock and never written (see peekStateDocument). */
export async function peekProfileState(
  profile: string,
  keystore: Keystore,
): Promise<ProfileState | undefined> {
  const path = paths.stateFile(profile);
  const document = await peekStateDocument({ path, profile, keystore });
  return document === undefined ? undefined : migrate(document, path);
}

/** Where a state handle keeps the document: the profile's sealed file, or nowhere (memory). */
interface StateBacking {
  save(document: ProfileState): Promise<void>;
  release(): Promise<void>;
}

export class ProfileStateHandle {
  private constructor(
    private readonly file: StateBacking,
    readonly data: ProfileState,
  ) {}

  /** A handle on a state kept in memory only: saving and releasing do nothing, `data` lives on. */
  static inMemory(data: ProfileState): ProfileStateHandle {
    return new ProfileStateHandle({ save: () => Promise.resolve(), release: () => Promise.resolve() }, data);
  }

  static async open(profile: string, keystore: Keystore, lockWaitMs: number): Promise<ProfileStateHandle> {
    const path = paths.stateFile(profile);
    const { file, document } = await StateFile.open({ path, profile, keystore, lockWaitMs });
    try {
      return new ProfileStateHandle(file, migrate(document, path));
    } catch (error) {
      await file.release();
      throw error;
    }
  }

  save(): Promise<void> {
    return this.file.save(this.data);
  }

  release(): Promise<void> {
    return this.file.release();
  }
}
