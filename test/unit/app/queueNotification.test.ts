import { describe, expect, it } from 'vitest';
import { queueNotification } from '../../../src/app/secrets/notify.js';
import { emptyState } from '../../../src/app/state.js';

describe('queuing a secret for its recipients', () => {
  it('#14.R2 adds to the pending notifications of the state, each with an id and a time of its own; saving is left to the caller, before sending', () => {
    const state = emptyState();
    const node = { service: 'pubsub.example', node: 'urn:example:news' };
    queueNotification(state, {
      ...node,
      kind: 'revoke',
      secretId: 'old',
      recipients: ['bob@x'],
      reason: 'left',
    });
    queueNotification(state, {
      ...node,
      kind: 'shared-secret',
      secretId: 'new',
      recipients: ['bob@x', 'me@x'],
    });
    expect(state.pending).toMatchObject([
      { ...node, kind: 'revoke', secretId: 'old', recipients: ['bob@x'], reason: 'left' },
      { ...node, kind: 'shared-secret', secretId: 'new', recipients: ['bob@x', 'me@x'] },
    ]);
    const [first, second] = state.pending;
    expect(first!.id).toMatch(/^[0-9a-f]{12}$/);
    expect(second!.id).not.toBe(first!.id);
    expect(Date.parse(first!.created)).not.toBeNaN();
  });
});
