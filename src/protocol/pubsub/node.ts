// XEP-0060 node management: create, configure (owner), affiliations (owner), delete.
import xml, { type Element } from '@xmpp/xml';
import { NS } from '../namespaces.js';
import { buildSubmitForm, parseFormValues, type FormValues } from '../dataForm.js';
import { pubsubIq } from './pubsubIq.js';

export function createNodeIq(service: string, node: string, config?: FormValues): Element {
  return pubsubIq(
    'set',
    service,
    NS.pubsub,
    xml('create', { node }),
    config && xml('configure', {}, buildSubmitForm(NS.pubsubNodeConfig, config)),
  );
}

export function getConfigurationIq(service: string, node: string): Element {
  return pubsubIq('get', service, NS.pubsubOwner, xml('configure', { node }));
}

export function parseConfiguration(result: Element): FormValues {
  const form = result.getChild('pubsub', NS.pubsubOwner)?.getChild('configure')?.getChild('x', NS.dataForms);
  return parseFormValues(form);
}

export function setConfigurationIq(service: string, node: string, config: FormValues): Element {
  return pubsubIq(
    'set',
    service,
    NS.pubsubOwner,
    xml('configure', { node }, buildSubmitForm(NS.pubsubNodeConfig, config)),
  );
}

export type Affiliation = 'owner' | 'publisher' | 'publish-only' | 'member' | 'none' | 'outcast';

const AFFILIATIONS: ReadonlySet<string> = new Set<Affiliation>([
  'owner',
  'publisher',
  'publish-only',
  'member',
  'none',
  'outcast',
]);

/** XEP-0060 §4.1: the affiliations that may retrieve items (publish-only may not). */
const READING: ReadonlySet<Affiliation> = new Set<Affiliation>(['owner', 'publisher', 'member']);

/** Who may read the node, as the lower-cased bare JIDs of its affiliations, `self` left out. */
export function readingAffiliates(affiliations: ReadonlyMap<string, Affiliation>, self: string): string[] {
  const readers = new Set<string>();
  for (const [jid, affiliation] of affiliations) {
    const bare = /^([^@/\s]+)@([^@/\s]+)$/.exec(jid);
    if (bare && READING.has(affiliation)) readers.add(`${bare[1]!.toLowerCase()}@${bare[2]!.toLowerCase()}`);
  }
  readers.delete(self);
  return [...readers].sort();
}

export function getAffiliationsIq(service: string, node: string): Element {
  return pubsubIq('get', service, NS.pubsubOwner, xml('affiliations', { node }));
}

export function parseAffiliations(result: Element): Map<string, Affiliation> {
  const list = result.getChild('pubsub', NS.pubsubOwner)?.getChild('affiliations');
  const affiliations = new Map<string, Affiliation>();
  for (const entry of list?.getChildren('affiliation') ?? []) {
    if (entry.attrs.jid && AFFILIATIONS.has(entry.attrs.affiliation ?? ''))
      affiliations.set(entry.attrs.jid, entry.attrs.affiliation as Affiliation);
  }
  return affiliations;
}

export function setAffiliationsIq(service: string, node: string, changes: Map<string, Affiliation>): Element {
  const entries = [...changes].map(([jid, affiliation]) => xml('affiliation', { jid, affiliation }));
  return pubsubIq('set', service, NS.pubsubOwner, xml('affiliations', { node }, ...entries));
}

/** XEP-0060 §8.4: delete a node (owner). */
export function deleteNodeIq(service: string, node: string): Element {
  return pubsubIq('set', service, NS.pubsubOwner, xml('delete', { node }));
}
