// Limits on what strangers can make us store (issue 12 #8): 11 small messages once gave 38,500
// node records. A message is read for a few elements only; a sender may give us secrets for a
// bounded number of nodes that are not ours, and all senders together too. What a limit drops is
// counted per sender and limit, and reported once, not once per element.
import { allSecrets } from '../protocol/oxps/receiving.js';
import { origins } from '../protocol/oxps/secrets.js';
import type { NodeRecord, ProfileState } from './state.js';

/** <shared-secret/> and <revoke/> read from one message (Libervia and oxps send one). */
export const MAX_ELEMENTS_PER_MESSAGE = 8;
/** Nodes of others one sender may give us secrets for. */
export const MAX_NODES_PER_SENDER = 32;
/** Nodes of others, all senders together. */
export const MAX_FOREIGN_NODES = 512;

type Limit = 'per message' | 'per sender' | 'in total';

const LIMIT_TEXT: Record<Limit, string> = {
  'per message': `at most ${MAX_ELEMENTS_PER_MESSAGE} <shared-secret/> or <revoke/> are read per message`,
  'per sender': `secrets for at most ${MAX_NODES_PER_SENDER} nodes are kept per sender`,
  'in total': `secrets for at most ${MAX_FOREIGN_NODES} nodes of others are kept`,
};

export interface Dropped {
  from: string;
  count: number;
  reason: string;
}

export class ReceiveLimits {
  private readonly dropped = new Map<string, { from: string; limit: Limit; count: number }>();
  /** Nodes of others we hold secrets for, in all and by origin (counted on first need). */
  private foreign?: { total: number; byOrigin: Map<string, number> };

  constructor(
    private readonly state: ProfileState,
    private readonly self: string,
  ) {}

  /** The elements of a message that are read; the rest are counted as dropped. */
  elementsOf<T>(elements: readonly T[], sender: string): readonly T[] {
    if (elements.length > MAX_ELEMENTS_PER_MESSAGE)
      this.drop(sender, 'per message', elements.length - MAX_ELEMENTS_PER_MESSAGE);
    return elements.slice(0, MAX_ELEMENTS_PER_MESSAGE);
  }

  /** Whether `sender`, who has no secret for this node yet, may give us one (else counted as dropped). */
  admit(known: NodeRecord | undefined, sender: string): boolean {
    if (known && this.isOurs(known)) return true;
    const counts = this.counts();
    if ((counts.byOrigin.get(sender) ?? 0) >= MAX_NODES_PER_SENDER) this.drop(sender, 'per sender');
    else if (!known && counts.total >= MAX_FOREIGN_NODES) this.drop(sender, 'in total');
    else return true;
    return false;
  }

  /** Counts a node `sender` now holds secrets for (`created`: the record is new). */
  admitted(record: NodeRecord, sender: string, created: boolean): void {
    if (this.isOurs(record)) return;
    const counts = this.counts();
    if (created) counts.total++;
    counts.byOrigin.set(sender, (counts.byOrigin.get(sender) ?? 0) + 1);
  }

  /** What was dropped since the last call, one entry per sender and limit. */
  takeDropped(): Dropped[] {
    const entries = [...this.dropped.values()].map(({ from, limit, count }) => ({
      from,
      count,
      reason: `dropped ${count} element(s): ${LIMIT_TEXT[limit]}`,
    }));
    this.dropped.clear();
    return entries;
  }

  private drop(from: string, limit: Limit, count = 1): void {
    const key = `${from}\u0000${limit}`;
    const entry = this.dropped.get(key) ?? { from, limit, count: 0 };
    entry.count += count;
    this.dropped.set(key, entry);
  }

  /** Our PEP nodes and nodes we made secrets for are never limited. */
  private isOurs(record: NodeRecord): boolean {
    return record.service === this.self || allSecrets(record).some((s) => s.origin === this.self);
  }

  private counts(): { total: number; byOrigin: Map<string, number> } {
    if (!this.foreign) {
      const foreign = { total: 0, byOrigin: new Map<string, number>() };
      for (const record of Object.values(this.state.nodes)) {
        if (this.isOurs(record)) continue;
        foreign.total++;
        for (const origin of origins(allSecrets(record)))
          foreign.byOrigin.set(origin, (foreign.byOrigin.get(origin) ?? 0) + 1);
      }
      this.foreign = foreign;
    }
    return this.foreign;
  }
}
