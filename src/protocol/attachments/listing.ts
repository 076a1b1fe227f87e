// Which items of a node have an XEP-0470 attachments node, read from the service's node listing
// (XEP-0060 §5.2, disco#items without a node): one request for the whole node instead of one per
// item. The listing is the server's word: it may hide a node (the item then looks unsigned, never
// verified) or be cut short, so it is used only when it looks whole.
import type { Element } from '@xmpp/xml';
import { NS } from '../namespaces.js';
import { parseAttachmentsNodeName } from './nodeName.js';

/**
 * ejabberd answers at most `max_nodes_discoitems` (default 100) nodes, without saying it cut
 * (measured on ejabberd 23.01: 100 of 150, no RSM <set/>); Prosody 0.12 lists every node. A
 * listing of this many nodes or more may be cut.
 */
export const LISTING_MAY_BE_CUT_AT = 100;

/** The ids of the node's items that have an attachments node, or why the listing cannot tell. */
export type AttachmentsListing = { attached: Set<string> } | { unusable: string };

export function parseAttachmentsListing(result: Element, service: string, node: string): AttachmentsListing {
  const query = result.getChild('query', NS.discoItems);
  if (!query) return { unusable: 'the answer holds no disco#items listing' };
  if (query.getChild('set', NS.rsm)) return { unusable: 'the listing is paged (RSM): it may say more' };
  const listed = query.getChildren('item').filter((entry) => typeof entry.attrs.node === 'string');
  if (listed.length >= LISTING_MAY_BE_CUT_AT)
    return { unusable: `the listing names ${listed.length} nodes: it may be cut short` };
  const attached = new Set<string>();
  for (const entry of listed) {
    const target = parseAttachmentsNodeName(entry.attrs.node as string);
    if (target && target.service.toLowerCase() === service.toLowerCase() && target.node === node)
      attached.add(target.item);
  }
  return { attached };
}
