// Node-level steps shared by use cases: read and change a node's configuration and whitelist.
import type { Session } from '../xmpp/session.js';
import { IqError } from '../xmpp/session.js';
import {
  createNodeIq,
  getConfigurationIq,
  parseConfiguration,
  setConfigurationIq,
  getAffiliationsIq,
  parseAffiliations,
  setAffiliationsIq,
  type Affiliation,
} from '../protocol/pubsub/node.js';
import type { FormValues } from '../protocol/dataForm.js';
import { NS } from '../protocol/namespaces.js';
import { publishIq } from '../protocol/pubsub/publish.js';
import { itemsIq, parseItemsResult } from '../protocol/pubsub/items.js';
import type { Element } from '@xmpp/xml';

/** XEP-0473 §6: encrypted nodes SHOULD use the whitelist access model. */
export const ENCRYPTED_NODE_CONFIG: FormValues = {
  'pubsub#access_model': 'whitelist',
  'pubsub#persist_items': 'true',
  'pubsub#max_items': 'max',
  'pubsub#type': NS.oxps,
};

/** The node's configuration, or undefined when the node does not exist. */
export async function nodeConfiguration(
  session: Session,
  service: string,
  node: string,
): Promise<FormValues | undefined> {
  try {
    return parseConfiguration(
      await session.iq(
        getConfigurationIq(service, node),
        `reading the configuration of node ${node} on ${service}`,
      ),
    );
  } catch (error) {
    if (error instanceof IqError && error.condition === 'item-not-found') return undefined;
    throw error;
  }
}

export async function createNode(
  session: Session,
  service: string,
  node: string,
  config: FormValues,
): Promise<void> {
  await session.iq(createNodeIq(service, node, config), `creating node ${node} on ${service}`);
}

export async function configureNode(
  session: Session,
  service: string,
  node: string,
  config: FormValues,
): Promise<void> {
  await session.iq(setConfigurationIq(service, node, config), `configuring node ${node} on ${service}`);
}

export async function nodeAffiliations(
  session: Session,
  service: string,
  node: string,
): Promise<Map<string, Affiliation>> {
  return parseAffiliations(
    await session.iq(
      getAffiliationsIq(service, node),
      `reading the affiliations of node ${node} on ${service}`,
    ),
  );
}

export async function setNodeAffiliations(
  session: Session,
  service: string,
  node: string,
  changes: Map<string, Affiliation>,
): Promise<void> {
  if (changes.size === 0) return;
  await session.iq(
    setAffiliationsIq(service, node, changes),
    `changing the whitelist of node ${node} on ${service}`,
  );
}

// Errors by which a service refuses publish-options: Prosody answers conflict
// (precondition-not-met) when the node exists with another configuration; ejabberd answers
// resource-constraint for any field but access_model and persist_items.
const OPTIONS_REFUSED = new Set([
  'conflict',
  'resource-constraint',
  'not-acceptable',
  'bad-request',
  'feature-not-implemented',
]);

/**
 * Publishes with publish-options (XEP-0060 §7.1.5); when the service refuses the options,
 * configures (or creates) the node with them and publishes again without.
 */
export async function publishWithOptions(
  session: Session,
  service: string,
  node: string,
  itemId: string,
  payload: Element,
  options: FormValues,
): Promise<void> {
  const what = `publishing to node ${node} on ${service}`;
  try {
    await session.iq(publishIq(service, node, itemId, payload, options), what);
    return;
  } catch (error) {
    if (!(error instanceof IqError && OPTIONS_REFUSED.has(error.condition))) throw error;
  }
  const config = await nodeConfiguration(session, service, node);
  if (config) await configureNode(session, service, node, options);
  else await createNode(session, service, node, options);
  await session.iq(publishIq(service, node, itemId, payload), what);
}

/** The single item with this id (or the only item when id is undefined); undefined when there is none. */
export async function fetchOneItem(
  session: Session,
  service: string,
  node: string,
  itemId?: string,
): Promise<Element | undefined> {
  try {
    const result = await session.iq(
      itemsIq(service, node, itemId ? { ids: [itemId] } : { maxItems: 1 }),
      `reading node ${node} of ${service}`,
    );
    return parseItemsResult(result).items[0]?.payload;
  } catch (error) {
    if (error instanceof IqError && error.condition === 'item-not-found') return undefined;
    throw error;
  }
}
