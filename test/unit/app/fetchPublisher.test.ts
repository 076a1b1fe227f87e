import { describe, expect, it } from 'vitest';
import { foreignPublisherWarning, knownOwner } from '../../../src/app/fetch.js';

describe('publishers and node owners (#12.15)', () => {
  it('#12.15 knows the owner of a PEP node (its account), not of a component node', () => {
    expect(knownOwner('Alice@Example.org')).toBe('alice@example.org');
    expect(knownOwner('pubsub.example.org')).toBeUndefined();
  });

  it('#12.15 warns about an item the server says another JID published', () => {
    const owner = knownOwner('alice@example.org');
    expect(
      foreignPublisherWarning(owner, 'urn:n', { id: 'a', publisher: 'alice@example.org/phone' }),
    ).toBeUndefined();
    expect(foreignPublisherWarning(owner, 'urn:n', { id: 'b' })).toBeUndefined();
    expect(foreignPublisherWarning(owner, 'urn:n', { id: 'c', publisher: 'mallory@example.org/x' })).toBe(
      "item c of urn:n was published by mallory@example.org/x, not by the node's owner alice@example.org",
    );
    // a component's node: whoever publishes, we do not know its owner here
    expect(
      foreignPublisherWarning(knownOwner('pubsub.example.org'), 'urn:n', {
        id: 'd',
        publisher: 'mallory@example.org',
      }),
    ).toBeUndefined();
  });
});
