// The schema of a profile's state (DESIGN.md §3) and its migrations. Small and critical: node
// secrets, contacts' keys and trust, what was already processed, pending notifications.
import { OxpsError } from '../errors.js';
import type { NodeSecrets } from '../protocol/oxps/receiving.js';
import { StateFile } from '../store/stateFile.js';
import { paths } from '../store/paths.js';
import type { Keystore } from '../store/keystore/keystore.js';

export const STATE_VERSION = 1;

/** A node's secrets: the origin's, competing senders' candidates, the origin the user chose. */
export interface NodeRecord extends NodeSecrets {
  service: string;
  node: string;
  /** Namespace of the node's payloads, sent as the `type` of shared secrets. */
  payloadType?: string;
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

/** Brings a document written by any earlier oxps to the current schema. */
export function migrate(document: unknown, file: string): ProfileState {
  if (document === undefined) return emptyState();
  const version = (document as { version?: unknown })?.version;
  if (version === STATE_VERSION) return document as ProfileState;
  if (typeof version === 'number' && version > STATE_VERSION) {
    throw new OxpsError('STATE_CORRUPT', `the state file ${file} was written by a newer oxps (schema ${version})`, 'upgrade oxps');
  }
  throw new OxpsError('STATE_CORRUPT', `the state file ${file} has no known schema version`, `the last good copy is ${file}.prev`);
}

export class ProfileStateHandle {
  private constructor(
    private readonly file: StateFile,
    readonly data: ProfileState,
  ) {}

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
