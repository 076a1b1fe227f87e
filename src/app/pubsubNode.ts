// Node-level steps shared by use cases: read and change a node's configuration and whitelist.
import type { Session } from '../xmpp/session.js';
import { IqError } from '../xmpp/session.js';
import {
  createNodeIq, getConfigurationIq, parseConfiguration, setConfigurationIq,
  getAffiliationsIq, parseAffiliations, setAffiliationsIq, type Affiliation,
} from '../protocol/pubsub/node.js';
import type { FormValues } from '../protocol/pubsub/dataForm.js';
import { NS } from '../protocol/namespaces.js';

/** XEP-0473 §6: encrypted nodes SHOULD use the whitelist access model. */
export const ENCRYPTED_NODE_CONFIG: FormValues = {
  'pubsub#access_model': 'whitelist',
  'pubsub#persist_items': 'true',
  'pubsub#max_items': 'max',
  'pubsub#type': NS.oxps,
};

/** The node's configuration, or undefined when the node does not exist. */
export async function nodeConfiguration(session: Session, service: string, node: string): Promise<FormValues | undefined> {
  try {
    return parseConfiguration(await session.iq(getConfigurationIq(service, node), `reading the configuration of node ${node} on ${service}`));
  } catch (error) {
    if (error instanceof IqError && error.condition === 'item-not-found') return undefined;
    throw error;
  }
}

export async function createNode(session: Session, service: string, node: string, config: FormValues): Promise<void> {
  await session.iq(createNodeIq(service, node, config), `creating node ${node} on ${service}`);
}

export async function configureNode(session: Session, service: string, node: string, config: FormValues): Promise<void> {
  await session.iq(setConfigurationIq(service, node, config), `configuring node ${node} on ${service}`);
}

export async function nodeAffiliations(session: Session, service: string, node: string): Promise<Map<string, Affiliation>> {
  return parseAffiliations(await session.iq(getAffiliationsIq(service, node), `reading the affiliations of node ${node} on ${service}`));
}

export async function setNodeAffiliations(session: Session, service: string, node: string, changes: Map<string, Affiliation>): Promise<void> {
  if (changes.size === 0) return;
  await session.iq(setAffiliationsIq(service, node, changes), `changing the whitelist of node ${node} on ${service}`);
}
