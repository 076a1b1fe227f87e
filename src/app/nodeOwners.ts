// Who owns a pubsub node, as its service tells (issue 12 #4): the node meta-data's
// `pubsub#owner` (XEP-0060 §5.4) where the service exposes it (Prosody 0.12 does not), else the
// affiliations, which the service shows to owners only. A PEP node is its account's.
import { IqError, type Session } from '../xmpp/session.js';
import { discoInfoIq, parseNodeOwners } from '../protocol/pubsub/disco.js';
import { knownOwners } from '../protocol/oxps/receiving.js';
import { nodeKey } from './state.js';
import { nodeAffiliations } from './pubsubNode.js';
import type { AppContext } from './context.js';

/** The node's owners, or undefined when the service does not tell us (not an owner, no such node). */
export async function nodeOwners(
  session: Session,
  service: string,
  node: string,
): Promise<string[] | undefined> {
  const pep = knownOwners(service);
  if (pep) return [...pep];
  try {
    const named = parseNodeOwners(
      await session.iq(discoInfoIq(service, node), `reading the meta-data of node ${node} on ${service}`),
    );
    if (named.length) return named;
    const affiliations = await nodeAffiliations(session, service, node);
    const owners = [...affiliations].filter(([, affiliation]) => affiliation === 'owner').map(([jid]) => jid);
    return owners.length ? owners : undefined;
  } catch (error) {
    if (error instanceof IqError) return undefined;
    throw error;
  }
}

/**
 * Owner look-ups for one sync run: each node asked once, and at most `limit` nodes (whoever
 * sends us secrets names the nodes: past the limit, owners count as unknown).
 */
export class OwnerLookups {
  private readonly asked = new Map<string, Promise<string[] | undefined>>();

  constructor(
    private readonly ctx: AppContext,
    private readonly limit = 16,
  ) {}

  owners(service: string, node: string): Promise<string[] | undefined> {
    const key = nodeKey(service, node);
    let answer = this.asked.get(key);
    if (!answer) {
      if (this.asked.size >= this.limit) {
        this.ctx.reporter.verbose(
          `not asking who owns node ${node} on ${service}: ${this.limit} nodes asked already in this run`,
        );
        return Promise.resolve(undefined);
      }
      answer = this.ctx.session().then((session) => nodeOwners(session, service, node));
      this.asked.set(key, answer);
    }
    return answer;
  }
}
