// XEP-0470 attachments nodes of the items we sign: one node per item, created by the item's
// publisher. XEP-0473 §7: on an encrypted node it SHOULD have the node's access model with the
// same members, kept in step; XEP-0470 §auto-create: the same access_model AND publish_model, so
// that whoever may publish on the node may attach, and nobody else (a reader who could publish
// there could overwrite the publisher's signature item with a bad one).
import { OxpsError } from '../../errors.js';
import { IqError, type Session } from '../../xmpp/session.js';
import { attachmentsNodeName } from '../../protocol/attachments/nodeName.js';
import {
  createNodeIq,
  deleteNodeIq,
  setAffiliationsIq,
  type Affiliation,
} from '../../protocol/pubsub/node.js';
import { discoInfoIq, parseDiscoFeatures } from '../../protocol/pubsub/disco.js';
import { parseServiceNodes, serviceNodesIq } from '../../protocol/pubsub/nodeList.js';
import type { FormValues } from '../../protocol/dataForm.js';
import { NS } from '../../protocol/namespaces.js';
import type { Element } from '@xmpp/xml';
import type { AppContext } from '../context.js';
import { ENCRYPTED_NODE_CONFIG, configureNode, nodeAffiliations, nodeConfiguration } from '../pubsubNode.js';
import { pipelined } from '../pipelined.js';

/** 'node': the target node's access, publish model and members (XEP-0473); 'open': as Libervia 0.9 makes them. */
export type AttachmentsAccess = 'node' | 'open';

/** Affiliation requests in flight at once when a whitelist change reaches every attachments node. */
export const SYNC_WINDOW = 16;

export interface AttachmentsNodes {
  /** The service creates attachments nodes itself (XEP-0470 full compliance): we must not. */
  serviceManaged: boolean;
  /** The requests that make the attachments node of `itemId` (none when the service makes it). */
  creationRequests(itemId: string): Element[];
  /** Makes the attachments node of `itemId` ready for our attachment; returns its name. */
  ensure(itemId: string): Promise<string>;
}

/** Reads the target node's configuration and members once, for every item about to be signed. */
export async function openAttachmentsNodes(
  ctx: AppContext,
  service: string,
  node: string,
  access: AttachmentsAccess,
): Promise<AttachmentsNodes> {
  const session = await ctx.session();
  const serviceManaged = await fullyCompliant(session, service);
  const { config, members } =
    access === 'open'
      ? { config: LIBERVIA_ATTACHMENTS_CONFIG, members: new Map<string, Affiliation>() }
      : await targetAccess(ctx, session, service, node);
  const requests = (itemId: string): Element[] => {
    const name = attachmentsNodeName(service, node, itemId);
    return [
      createNodeIq(service, name, config),
      ...(members.size ? [setAffiliationsIq(service, name, members)] : []),
    ];
  };
  return {
    serviceManaged,
    creationRequests: (itemId) => (serviceManaged ? [] : requests(itemId)),
    async ensure(itemId) {
      const name = attachmentsNodeName(service, node, itemId);
      if (serviceManaged) return name;
      const live = await ctx.session();
      const [create, affiliations] = requests(itemId);
      try {
        await live.iq(create!, `creating the attachments node of item ${itemId}`);
      } catch (error) {
        if (!(error instanceof IqError)) throw error;
        if (error.condition !== 'conflict') throw creationRefused(service, node, error);
        // ours from an earlier run (a resumed batch, a republished id): brought in line; made by
        // someone else, it is not where our signature goes
        await configureNode(live, service, name, config).catch((refused: unknown) => {
          if (!(refused instanceof IqError)) throw refused;
          throw new OxpsError(
            'SERVER_ERROR',
            `the attachments node of item ${itemId} on ${service} exists and is not ours (${refused.condition}): its signature was not published`,
            "publish the item under another id (-i), or ask the service's admin who made that node",
          );
        });
      }
      if (affiliations)
        await live.iq(
          affiliations,
          `whitelisting the readers of ${node} on the attachments node of item ${itemId}`,
        );
      return name;
    },
  };
}

/** Libervia 0.9 (plugin_xep_0470 create_attachments_node): open to anyone, anyone may attach. */
const LIBERVIA_ATTACHMENTS_CONFIG: FormValues = {
  'pubsub#access_model': 'open',
  'pubsub#publish_model': 'open',
  'pubsub#persist_items': 'true',
  'pubsub#max_items': 'max',
};

async function targetAccess(
  ctx: AppContext,
  session: Session,
  service: string,
  node: string,
): Promise<{ config: FormValues; members: Map<string, Affiliation> }> {
  let target: FormValues | undefined;
  let affiliations: Map<string, Affiliation>;
  try {
    target = await nodeConfiguration(session, service, node);
    affiliations = target ? await nodeAffiliations(session, service, node) : new Map<string, Affiliation>();
  } catch (error) {
    if (
      error instanceof IqError &&
      ['forbidden', 'not-authorized', 'not-allowed'].includes(error.condition)
    ) {
      throw new OxpsError(
        'SERVER_ERROR',
        `cannot sign on node ${node} of ${service}: its signatures need an attachments node with the node's members, which only its owner may read (${error.condition})`,
        "ask the node's owner to publish it signed, or publish without --sign",
      );
    }
    throw error;
  }
  // a node not made yet is made by the publish, with the encrypted node's configuration
  const accessModel =
    (target?.['pubsub#access_model'] as string | undefined) ??
    (ENCRYPTED_NODE_CONFIG['pubsub#access_model'] as string);
  const publishModel = (target?.['pubsub#publish_model'] as string | undefined) ?? 'publishers';
  const members = new Map(
    [...affiliations].filter(([jid, affiliation]) => affiliation !== 'owner' && jid !== ctx.bareJid),
  );
  return {
    config: {
      'pubsub#access_model': accessModel,
      'pubsub#publish_model': publishModel,
      'pubsub#persist_items': 'true',
      'pubsub#max_items': 'max',
    },
    members,
  };
}

function creationRefused(service: string, node: string, error: IqError): OxpsError {
  return new OxpsError(
    'SERVER_ERROR',
    `${service} does not let us create the attachments node that carries a signature for node ${node} (${error.condition})`,
    'publish without --sign, or on a service that allows XEP-0470 attachments nodes',
  );
}

/** XEP-0470 §node-creation-rejection: a fully-compliant service advertises the namespace and makes the nodes. */
async function fullyCompliant(session: Session, service: string): Promise<boolean> {
  try {
    return parseDiscoFeatures(
      await session.iq(discoInfoIq(service), `asking ${service} what it supports`),
    ).features.includes(NS.attachments);
  } catch (error) {
    if (error instanceof IqError) return false;
    throw error;
  }
}

/**
 * Applies a whitelist change of a node to the attachments nodes of its items (XEP-0473 §7: kept in
 * step). One disco#items request finds them; the affiliation requests are pipelined, SYNC_WINDOW
 * in flight. Returns how many attachments nodes were changed. The cost grows with the number of
 * signed items (one request each: ~30 ms per node measured on a loaded Prosody).
 */
export async function syncAttachmentsWhitelist(
  ctx: AppContext,
  service: string,
  node: string,
  changes: Map<string, Affiliation>,
): Promise<number> {
  if (changes.size === 0) return 0;
  const session = await ctx.session();
  // the item id comes last in the name: with an empty one, the name is the prefix of them all
  const prefix = attachmentsNodeName(service, node, '');
  let names: string[];
  try {
    names = parseServiceNodes(
      await session.iq(serviceNodesIq(service), `listing the nodes of ${service}`),
    ).filter((name) => name.startsWith(prefix));
  } catch (error) {
    if (!(error instanceof IqError)) throw error;
    ctx.reporter.warn(
      `${service} does not list its nodes (${error.condition}): the attachments nodes of ${node} keep their whitelist`,
    );
    return 0;
  }
  // XEP-0473 §7: a fully-compliant service keeps them in step itself (asked only when there are
  // attachments nodes: a node without signed items pays one request, the listing)
  if (names.length === 0 || (await fullyCompliant(session, service))) return 0;
  const progress = ctx.reporter.progress(`whitelists of ${node}'s attachments nodes`, names.length);
  let changed = 0;
  try {
    await pipelined(names, SYNC_WINDOW, async (name) => {
      try {
        await session.iq(
          setAffiliationsIq(service, name, changes),
          `changing the whitelist of attachments node ${name}`,
        );
        changed++;
      } catch (error) {
        // another publisher's attachments node (a pubsub service with several publishers) is theirs to change
        if (!(
          error instanceof IqError &&
          ['forbidden', 'not-authorized', 'item-not-found'].includes(error.condition)
        ))
          throw error;
        ctx.reporter.verbose(`attachments node ${name} left alone (${error.condition})`);
      }
      progress.tick();
    });
  } finally {
    progress.done();
  }
  ctx.reporter.verbose(
    `whitelist change applied to ${changed} attachments node${changed === 1 ? '' : 's'} of ${node}`,
  );
  return changed;
}

/**
 * Deletes the attachments nodes of items taken back (their signatures would outlive the post,
 * and their whitelist would still have to follow every share). Nodes that do not exist, or that
 * are not ours to delete (a service that manages them, another publisher's), are left alone.
 * Returns how many were deleted.
 */
export async function deleteAttachmentsNodes(
  ctx: AppContext,
  service: string,
  node: string,
  itemIds: readonly string[],
): Promise<number> {
  const session = await ctx.session();
  let deleted = 0;
  await pipelined(itemIds, SYNC_WINDOW, async (itemId) => {
    const name = attachmentsNodeName(service, node, itemId);
    try {
      await session.iq(deleteNodeIq(service, name), `deleting attachments node ${name}`);
      deleted++;
    } catch (error) {
      if (!(error instanceof IqError)) throw error;
      ctx.reporter.verbose(`attachments node ${name} left alone (${error.condition})`);
    }
  });
  return deleted;
}

/** The requests deleteAttachmentsNodes sends (for --dry-run). */
export function attachmentsDeletionRequests(
  service: string,
  node: string,
  itemIds: readonly string[],
): Element[] {
  return itemIds.map((itemId) => deleteNodeIq(service, attachmentsNodeName(service, node, itemId)));
}
