// The service's node listing, asked beside a fetch's items request when signatures are checked:
// it tells which items have an attachments node, so that only those are read (one request for
// the node instead of one per item). Measured: Prosody 0.12 and ejabberd 23.01 refuse the listing
// of an account's PEP service to anyone without a presence subscription to the account (a
// whitelisted reader included), and list a component's nodes to anyone.
import { isOxpsError } from '../errors.js';
import { parseAttachmentsListing } from '../protocol/attachments/listing.js';
import { serviceNodesIq } from '../protocol/pubsub/nodeList.js';
import { IqError } from '../xmpp/session.js';
import type { AppContext } from './context.js';

/**
 * Without a usable listing, the attachments of the first items fetched are read (one window of
 * requests); those of the others only if one of these has an attachments node.
 */
export const SAMPLED_ITEMS = 8;

/** The ids of the node's items that have attachments; undefined when the listing cannot tell (refused, maybe cut). */
export async function attachedItems(
  ctx: AppContext,
  service: string,
  node: string,
): Promise<Set<string> | undefined> {
  let listing;
  try {
    const session = await ctx.session();
    listing = parseAttachmentsListing(
      await session.iq(serviceNodesIq(service), `listing the nodes of ${service}`),
      service,
      node,
    );
  } catch (error) {
    if (!(error instanceof IqError || isOxpsError(error, 'TIMEOUT'))) throw error;
    listing = {
      unusable: `${service} does not list its nodes to us (${error instanceof IqError ? error.condition : 'timeout'})`,
    };
  }
  if ('attached' in listing) {
    ctx.reporter.verbose(
      `attachments: ${service} lists ${listing.attached.size} item(s) of ${node} with attachments; only those are read`,
    );
    return listing.attached;
  }
  ctx.reporter.verbose(`attachments: ${listing.unusable}; reading them item by item`);
  return undefined;
}
