// Before a batch: will the node keep every item? A node keeps at most pubsub#max_items items
// and silently drops the oldest beyond (XEP-0060 §8.2); PEP nodes are often created with 1, and
// services cap the setting (Prosody's PEP at 256 by default). Where we own the node we raise it
// ("max": as many as the service allows); what still does not fit is refused before anything
// is sent, unless the user allows the drop. After the batch, count what the node really holds.
import { OxpsError } from '../errors.js';
import { IqError, type Session } from '../xmpp/session.js';
import { getConfigurationIq } from '../protocol/pubsub/node.js';
import { keptItems, parseMaxItems, type MaxItems } from '../protocol/pubsub/maxItems.js';
import { nodeItemIdsIq, parseNodeItemIds } from '../protocol/pubsub/disco.js';
import type { FormValues } from '../protocol/dataForm.js';
import type { AppContext } from './context.js';
import { configureNode, createNode } from './pubsubNode.js';

export interface CapacityRequest {
  service: string;
  node: string;
  /** The ids the batch publishes (existing items with other ids count too). */
  ids: string[];
  /** Publish even when the node will drop items (the oldest go). */
  allowDrop: boolean;
  /** Configuration of the node when it does not exist yet. */
  creationConfig: FormValues;
}

export interface Capacity {
  /** Items the node will hold once the batch is published. */
  needed: number;
  /** Items the node keeps; undefined when we may not read its configuration. */
  keeps: number | undefined;
}

/** Makes room for the batch where we may; refuses (NODE_CAPACITY) when it still does not fit. */
export async function ensureCapacity(ctx: AppContext, request: CapacityRequest): Promise<Capacity> {
  const { service, node } = request;
  const session = await ctx.session();
  const existing = (await itemIds(session, service, node)) ?? [];
  const needed = new Set([...existing, ...request.ids]).size;
  let setting = await maxItems(session, service, node);
  if (setting === 'missing') {
    await createNode(session, service, node, { ...request.creationConfig, 'pubsub#max_items': 'max' });
    ctx.reporter.verbose(`created node ${node} on ${service} (max_items: max)`);
    setting = await maxItems(session, service, node);
  }
  if (setting === 'missing' || setting === 'unreadable') {
    ctx.reporter.warn(
      `cannot read the configuration of node ${node} on ${service} (only its owner may): it may keep fewer than the ${needed} items; the count is checked after publishing`,
    );
    return { needed, keeps: undefined };
  }
  let keeps = keptItems(setting);
  if (keeps !== undefined && keeps < needed && setting.value !== 'max') {
    try {
      await configureNode(session, service, node, { 'pubsub#max_items': 'max' });
      const raised = await maxItems(session, service, node);
      if (typeof raised === 'object') keeps = keptItems(raised);
      ctx.reporter.verbose(`node ${node} on ${service}: max_items ${setting.value} → max (${keeps})`);
    } catch (error) {
      if (!(error instanceof IqError)) throw error;
      ctx.reporter.verbose(
        `node ${node} on ${service}: max_items stays ${setting.value} (${error.condition})`,
      );
    }
  }
  if (keeps !== undefined && keeps < needed) {
    const what = `node ${node} on ${service} keeps at most ${keeps} items (pubsub#max_items${setting.cap ? `; the service allows no more than ${setting.cap}` : ''}), and would hold ${needed}`;
    if (!request.allowDrop) {
      throw new OxpsError(
        'NODE_CAPACITY',
        `${what}: nothing published`,
        `publish fewer items, use a node on a service that keeps more, or add --allow-drop to let the oldest ${needed - keeps} go`,
      );
    }
    ctx.reporter.warn(`${what}: the oldest ${needed - keeps} will be dropped (--allow-drop)`);
  }
  return { needed, keeps };
}

/** How many of these ids the node holds now; undefined when it will not list its items. */
export async function heldItems(
  ctx: AppContext,
  service: string,
  node: string,
  ids: string[],
): Promise<number | undefined> {
  const present = await itemIds(await ctx.session(), service, node);
  if (!present) return undefined;
  const set = new Set(present);
  return ids.filter((id) => set.has(id)).length;
}

/**
 * For a node that is to keep every item (an encrypted node, a blog): max_items raised to "max"
 * where it is not; returns how many items it keeps (undefined when we may not read it).
 */
export async function raiseMaxItems(
  ctx: AppContext,
  service: string,
  node: string,
): Promise<number | undefined> {
  const session = await ctx.session();
  let setting = await maxItems(session, service, node);
  if (typeof setting !== 'object') return undefined;
  if (setting.value !== 'max') {
    try {
      await configureNode(session, service, node, { 'pubsub#max_items': 'max' });
      const raised = await maxItems(session, service, node);
      if (typeof raised === 'object') setting = raised;
    } catch (error) {
      if (!(error instanceof IqError)) throw error;
    }
  }
  const keeps = keptItems(setting);
  if (keeps !== undefined && keeps < FEW_ITEMS)
    ctx.reporter.warn(
      `node ${node} on ${service} keeps only ${keeps} item${keeps === 1 ? '' : 's'} (pubsub#max_items): publishing more drops the oldest`,
    );
  return keeps;
}

/** Below this, a node meant to keep items looks misconfigured enough to say so. */
const FEW_ITEMS = 20;

async function maxItems(
  session: Session,
  service: string,
  node: string,
): Promise<MaxItems | 'missing' | 'unreadable'> {
  try {
    return parseMaxItems(
      await session.iq(
        getConfigurationIq(service, node),
        `reading the configuration of node ${node} on ${service}`,
      ),
    );
  } catch (error) {
    if (!(error instanceof IqError)) throw error;
    return error.condition === 'item-not-found' ? 'missing' : 'unreadable';
  }
}

async function itemIds(session: Session, service: string, node: string): Promise<string[] | undefined> {
  try {
    return parseNodeItemIds(
      await session.iq(nodeItemIdsIq(service, node), `listing the items of node ${node} on ${service}`),
    );
  } catch (error) {
    if (error instanceof IqError) return undefined;
    throw error;
  }
}
