// What `oxps node audit` reads from the service, in few and bounded requests: the node's
// configuration and affiliations, its items without decrypting them (the secret id each names is
// enough), the service's node list once per run (for XEP-0470 attachments nodes) and those nodes'
// configurations, WINDOW requests in flight.
import { OxpsError } from '../../errors.js';
import { NS } from '../../protocol/namespaces.js';
import { parseXmlElement } from '../../protocol/xml.js';
import { parseAttachmentsNodeName } from '../../protocol/attachments/nodeName.js';
import type { AttachmentsFacts, AuditedItem } from '../../protocol/audit/rules.js';
import {
  ownAffiliationsIq,
  parseOwnAffiliations,
  parseServiceNodes,
  serviceNodesIq,
} from '../../protocol/pubsub/nodeList.js';
import { itemsIq, parseItemsResult } from '../../protocol/pubsub/items.js';
import { IqError } from '../../xmpp/session.js';
import type { AppContext } from '../context.js';
import { fetchItems } from '../fetch.js';
import { ItemListing } from '../itemListing.js';
import { nodeConfiguration } from '../pubsubNode.js';
import { pipelinedMap } from '../pipelined.js';

const WINDOW = 8;

/** The node's access model; refusals say that only the owner can audit. */
export async function accessModelOf(ctx: AppContext, service: string, node: string): Promise<string> {
  try {
    const config = await nodeConfiguration(await ctx.session(), service, node);
    if (!config)
      throw new OxpsError(
        'NODE_NOT_FOUND',
        `node ${node} does not exist on ${service}`,
        'check the node name (-n) and the service (-s); oxps node audit --all-nodes audits every node you own',
      );
    return String(config['pubsub#access_model'] ?? 'unknown');
  } catch (error) {
    if (
      error instanceof IqError &&
      (error.condition === 'forbidden' || error.condition === 'not-authorized')
    ) {
      throw new OxpsError(
        'SERVER_ERROR',
        `only the owner of ${node} on ${service} can audit it (${service} answered ${error.condition} to reading its configuration)`,
        'audit a node you own, or ask its owner to run oxps node audit',
      );
    }
    throw error;
  }
}

/**
 * Every item of the node, as ids and secret ids, newest first: in the order disco#items lists
 * them (Prosody: newest first; its `<items/>` answer is oldest first), read as `fetch --all`
 * reads them, with the listing it asks anyway.
 */
export async function auditedItems(ctx: AppContext, service: string, node: string): Promise<AuditedItem[]> {
  const listing = new ItemListing(ctx, service, node);
  const items: AuditedItem[] = [];
  const request = { service, node, all: true, listing, noDecrypt: true, noCache: true };
  for await (const item of fetchItems(ctx, request)) {
    if (item.status === 'plaintext') items.push({ id: item.id, plaintext: true });
    else if (item.status === 'encrypted') items.push({ id: item.id, ...secretIdOf(item.xml) });
    else items.push({ id: item.id });
  }
  const listed = (await listing.ids()) ?? [];
  const byId = new Map(items.map((item) => [item.id, item]));
  const ordered = listed.flatMap((id) => byId.get(id) ?? []);
  const listedIds = new Set(listed);
  const unlisted = items.filter((item) => !listedIds.has(item.id));
  return [...unlisted.reverse(), ...ordered];
}

function secretIdOf(xml: string): { secretId?: string } {
  const payload = parseXmlElement(xml, 'item payload');
  const secretId = payload.attrs.key ?? payload.attrs.secret;
  return typeof secretId === 'string' && secretId ? { secretId } : {};
}

/** The service's nodes (once per run). */
export async function serviceNodes(ctx: AppContext, service: string): Promise<string[]> {
  return parseServiceNodes(
    await (await ctx.session()).iq(serviceNodesIq(service), `listing the nodes of ${service}`),
  );
}

/** The nodes of `service` we own (every node of our own PEP). */
export async function ownedNodes(
  ctx: AppContext,
  service: string,
  listed: readonly string[],
): Promise<string[]> {
  if (service === ctx.bareJid) return [...listed];
  const affiliations = parseOwnAffiliations(
    await (await ctx.session()).iq(ownAffiliationsIq(service), `reading our affiliations on ${service}`),
  );
  return listed.filter((node) => affiliations.get(node) === 'owner');
}

/** The XEP-0470 attachments nodes of the node's items, among the service's nodes, with their access models. */
export async function attachmentsOf(
  ctx: AppContext,
  service: string,
  node: string,
  listed: readonly string[],
): Promise<AttachmentsFacts[]> {
  const ours = listed.flatMap((name) => {
    const target = parseAttachmentsNodeName(name);
    return target && target.service.toLowerCase() === service.toLowerCase() && target.node === node
      ? [{ node: name, itemId: target.item }]
      : [];
  });
  const session = await ctx.session();
  return pipelinedMap(ours, WINDOW, async (attachments) => {
    try {
      const config = await nodeConfiguration(session, service, attachments.node);
      const accessModel = config?.['pubsub#access_model'];
      return { ...attachments, ...(typeof accessModel === 'string' ? { accessModel } : {}) };
    } catch (error) {
      if (error instanceof IqError) return attachments;
      throw error;
    }
  });
}

/** Whether the node's newest item is encrypted (a node we own but hold no secret of, such as one Libervia made). */
export async function holdsEncryptedItems(ctx: AppContext, service: string, node: string): Promise<boolean> {
  try {
    const result = await (
      await ctx.session()
    ).iq(itemsIq(service, node, { maxItems: 1 }), `reading node ${node} of ${service}`);
    return parseItemsResult(result).items.some((item) => item.payload?.is('encrypted', NS.oxps));
  } catch (error) {
    if (error instanceof IqError) return false;
    throw error;
  }
}
