// `oxps retract` (and `oxps blog delete`): take items back. The ids are checked first, so that
// a typo deletes nothing rather than something else; subscribers are told (notify) as the
// node's pubsub#notify_retract says, and when we may not read it, told: a reader's client that
// keeps a copy of a post taken back should drop it.
import { OxpsError } from '../errors.js';
import { IqError } from '../xmpp/session.js';
import { itemsIq, parseItemsResult } from '../protocol/pubsub/items.js';
import { notifiesRetractions, retractIq } from '../protocol/pubsub/retract.js';
import type { AppContext } from './context.js';
import { nodeConfiguration } from './pubsubNode.js';
import { attachmentsDeletionRequests, deleteAttachmentsNodes } from './signing/attachmentsNode.js';

export interface RetractRequest {
  service: string;
  node: string;
  ids: string[];
  dryRun: boolean;
}

export interface RetractResult {
  service: string;
  node: string;
  /** Retracted, or with --dry-run, to be retracted. */
  items: string[];
  notify: boolean;
  dryRun: boolean;
  /** With --dry-run: the requests that would be sent. */
  stanzas?: string[];
  /** Attachments nodes (signatures) of the items that were deleted with them. */
  attachmentsNodes?: number;
}

export async function retractItems(
  ctx: AppContext,
  { service, node, ids, dryRun }: RetractRequest,
): Promise<RetractResult> {
  const wanted = [...new Set(ids)];
  const session = await ctx.session();
  const present = await presentIds(ctx, service, node, wanted);
  const missing = wanted.filter((id) => !present.has(id));
  if (missing.length) {
    throw new OxpsError(
      'ITEM_NOT_FOUND',
      `node ${node} on ${service} has no item ${missing.join(', ')}: nothing retracted`,
      `check the ids: oxps fetch -s ${service} -n ${node} --all`,
    );
  }
  const config = await nodeConfiguration(session, service, node).catch((error: unknown) => {
    if (error instanceof IqError) return undefined;
    throw error;
  });
  const notify = (config && notifiesRetractions(config)) ?? true;
  const requests = wanted.map((id) => retractIq(service, node, id, notify));
  if (dryRun)
    return {
      service,
      node,
      items: wanted,
      notify,
      dryRun,
      // the attachments nodes (signatures) go too, where there are any
      stanzas: [...requests, ...attachmentsDeletionRequests(service, node, wanted)].map((iq) =>
        iq.toString(),
      ),
    };
  const progress = ctx.reporter.progress('retracting', requests.length);
  try {
    for (const [index, iq] of requests.entries()) {
      await session.iq(iq, `retracting item ${wanted[index]} from node ${node} on ${service}`);
      progress.tick();
    }
  } finally {
    progress.done();
  }
  const attachmentsNodes = await deleteAttachmentsNodes(ctx, service, node, wanted);
  return { service, node, items: wanted, notify, dryRun, attachmentsNodes };
}

async function presentIds(
  ctx: AppContext,
  service: string,
  node: string,
  ids: string[],
): Promise<Set<string>> {
  try {
    const result = await (
      await ctx.session()
    ).iq(itemsIq(service, node, { ids }), `reading items of node ${node} on ${service}`);
    return new Set(parseItemsResult(result).items.map((item) => item.id));
  } catch (error) {
    if (error instanceof IqError && error.condition === 'item-not-found') return new Set();
    throw error;
  }
}
