// `oxps node audit`: is a private node really private? For one node or every node we own on a
// service, gathers the facts (gather.ts) and applies the rules (protocol/audit/rules.ts).
import { auditNode, type Finding } from '../../protocol/audit/rules.js';
import { parseAttachmentsNodeName } from '../../protocol/attachments/nodeName.js';
import { IqError } from '../../xmpp/session.js';
import type { AppContext } from '../context.js';
import { nodeAffiliations } from '../pubsubNode.js';
import type { NodeRecord } from '../state.js';
import {
  accessModelOf,
  attachmentsOf,
  auditedItems,
  holdsEncryptedItems,
  ownedNodes,
  serviceNodes,
} from './gather.js';
import { pipelinedMap } from '../pipelined.js';

export interface AuditRequest {
  service: string;
  /** One node; without it, every node of the service we own that is encrypted. */
  node?: string;
  maxAgeDays: number;
  now?: Date;
}

export interface NodeAuditResult {
  node: string;
  accessModel: string;
  items: number;
  secrets: number;
  findings: Finding[];
}

export interface AuditReport {
  service: string;
  nodes: NodeAuditResult[];
  /** How many findings in all (0: clean). */
  findings: number;
}

export async function auditNodes(ctx: AppContext, request: AuditRequest): Promise<AuditReport> {
  const { service } = request;
  const state = await ctx.state();
  const records = new Map<string, NodeRecord>();
  for (const record of Object.values(state.data.nodes))
    if (record.service === service) records.set(record.node, structuredClone(record));
  // the audit only reads: do not hold up another oxps run on the profile
  await ctx.releaseState();

  const listed = await listedNodes(ctx, service, request.node !== undefined);
  const targets =
    request.node !== undefined ? [request.node] : await encryptedNodesWeOwn(ctx, service, listed, records);
  const nodes: NodeAuditResult[] = [];
  for (const node of targets) {
    const record = records.get(node);
    const accessModel = await accessModelOf(ctx, service, node);
    const [affiliations, items, attachments] = await Promise.all([
      nodeAffiliations(await ctx.session(), service, node),
      auditedItems(ctx, service, node),
      attachmentsOf(ctx, service, node, listed),
    ]);
    const secrets = record?.secrets ?? [];
    const findings = auditNode({
      service,
      node,
      self: ctx.bareJid,
      accessModel,
      affiliations,
      secrets,
      items,
      attachments,
      maxAgeDays: request.maxAgeDays,
      now: request.now ?? new Date(),
    });
    nodes.push({ node, accessModel, items: items.length, secrets: secrets.length, findings });
  }
  return { service, nodes, findings: nodes.reduce((sum, n) => sum + n.findings.length, 0) };
}

/** The service's nodes; for one node's audit a service that will not list them only costs the attachments check. */
async function listedNodes(ctx: AppContext, service: string, oneNode: boolean): Promise<string[]> {
  try {
    return await serviceNodes(ctx, service);
  } catch (error) {
    if (!(oneNode && error instanceof IqError)) throw error;
    ctx.reporter.warn(
      `${service} does not list its nodes (${error.condition}): attachments nodes not checked`,
    );
    return [];
  }
}

/** Nodes we own, attachments nodes left out (audited with their node), that we hold secrets of or whose newest item is encrypted. */
async function encryptedNodesWeOwn(
  ctx: AppContext,
  service: string,
  listed: readonly string[],
  records: ReadonlyMap<string, NodeRecord>,
): Promise<string[]> {
  const owned = (await ownedNodes(ctx, service, listed)).filter((node) => !parseAttachmentsNodeName(node));
  const encrypted = await pipelinedMap(
    owned,
    8,
    async (node) =>
      (records.get(node)?.secrets.length ?? 0) > 0 || (await holdsEncryptedItems(ctx, service, node)),
  );
  const nodes = owned.filter((_, index) => encrypted[index]);
  ctx.reporter.verbose(`${nodes.length} encrypted node(s) among the ${owned.length} we own on ${service}`);
  return nodes;
}
