// A node's item ids as the service lists them (disco#items), asked at most once: fetch --all
// checks against it that an answer holds every item, and node audit takes the items' order from
// it (items carry no date; Prosody lists them newest first but answers <items/> oldest first).
import { nodeItemIdsIq, parseNodeItemIds } from '../protocol/pubsub/disco.js';
import { IqError } from '../xmpp/session.js';
import type { AppContext } from './context.js';

export class ItemListing {
  private asked: Promise<string[] | undefined> | undefined;

  constructor(
    private readonly ctx: AppContext,
    readonly service: string,
    readonly node: string,
  ) {}

  /** The ids, or undefined when the service does not list them; a refusal of the node itself throws. */
  ids(): Promise<string[] | undefined> {
    if (!this.asked) {
      this.asked = this.request();
      // asked beside another request: a refusal is seen where the ids are awaited
      this.asked.catch(() => undefined);
    }
    return this.asked;
  }

  private async request(): Promise<string[] | undefined> {
    const { service, node } = this;
    try {
      const ids = parseNodeItemIds(
        await (
          await this.ctx.session()
        ).iq(nodeItemIdsIq(service, node), `listing the items of node ${node} on ${service}`),
      );
      return ids.length ? ids : undefined;
    } catch (error) {
      if (error instanceof IqError && error.condition !== 'forbidden' && error.condition !== 'item-not-found')
        return undefined;
      throw error;
    }
  }
}
