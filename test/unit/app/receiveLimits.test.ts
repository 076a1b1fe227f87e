import { describe, expect, it } from 'vitest';
import {
  MAX_ELEMENTS_PER_MESSAGE,
  MAX_FOREIGN_NODES,
  MAX_NODES_PER_SENDER,
  ReceiveLimits,
} from '../../../src/app/receiveLimits.js';
import { emptyState, ensureNodeRecord, type ProfileState } from '../../../src/app/state.js';

function stateWith(nodesBySender: Record<string, number>, self = 'me@x'): ProfileState {
  const state = emptyState();
  for (const [sender, count] of Object.entries(nodesBySender)) {
    for (let i = 0; i < count; i++) {
      ensureNodeRecord(state, sender, `node-${i}`).secrets.push({
        id: `${sender}-${i}`,
        key: 'k',
        timestamp: '2026-12-05T07:00:00Z',
        origin: sender,
        revoked: false,
        sharedWith: [],
      });
    }
  }
  ensureNodeRecord(state, self, 'mine').secrets.push({
    id: 'mine',
    key: 'k',
    timestamp: '2026-12-05T07:00:00Z',
    origin: self,
    revoked: false,
    sharedWith: [],
  });
  return state;
}

describe('ReceiveLimits (#12.8)', () => {
  it('#12.8 reads the first elements of a message and counts the rest', () => {
    const limits = new ReceiveLimits(stateWith({}), 'me@x');
    expect(
      limits.elementsOf(
        Array.from({ length: 40 }, (_, i) => i),
        'mallory@x',
      ),
    ).toHaveLength(MAX_ELEMENTS_PER_MESSAGE);
    expect(limits.takeDropped()).toEqual([
      { from: 'mallory@x', count: 40 - MAX_ELEMENTS_PER_MESSAGE, reason: expect.stringMatching(/at most 8/) },
    ]);
    expect(limits.takeDropped()).toEqual([]);
  });

  it('#12.8 bounds the nodes of one sender and of all senders, never our own', () => {
    const state = stateWith({
      'mallory@x': MAX_NODES_PER_SENDER,
      ...Object.fromEntries(Array.from({ length: 15 }, (_, i) => [`s${i}@x`, 32])),
    });
    const limits = new ReceiveLimits(state, 'me@x');
    expect(limits.admit(undefined, 'mallory@x')).toBe(false);
    expect(
      limits.admit(state.nodes[Object.keys(state.nodes).find((k) => k.startsWith('me@x'))!], 'mallory@x'),
    ).toBe(true);
    // 16 × 32 = 512 foreign nodes: a new sender gets no new node, but may join an existing one
    expect(MAX_FOREIGN_NODES).toBe(512);
    expect(limits.admit(undefined, 'newcomer@x')).toBe(false);
    const existing = Object.values(state.nodes).find((r) => r.service === 's0@x')!;
    expect(limits.admit(existing, 'newcomer@x')).toBe(true);
    limits.admitted(existing, 'newcomer@x', false);
    const dropped = limits.takeDropped();
    expect(dropped).toEqual([
      { from: 'mallory@x', count: 1, reason: expect.stringMatching(/32 nodes are kept per sender/) },
      { from: 'newcomer@x', count: 1, reason: expect.stringMatching(/512 nodes of others/) },
    ]);
  });
});
