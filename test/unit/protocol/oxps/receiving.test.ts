import { describe, expect, it } from 'vitest';
import xml from '@xmpp/xml';
import {
  MAX_CANDIDATE_ORIGINS,
  MAX_SECRETS_PER_ORIGIN,
  conflictingOrigins,
  receiveRevoke,
  receiveSharedSecret,
  type NodeSecrets,
} from '../../../../src/protocol/oxps/receiving.js';
import type { SharedSecret } from '../../../../src/protocol/oxps/sharedSecret.js';
import { parseNodeOwners } from '../../../../src/protocol/pubsub/disco.js';

const NOW = new Date('2026-12-05T08:00:00Z');
const SERVICE = 'pubsub.example.org';
const NODE = 'urn:example:node';

function incoming(id: string, extra: Partial<SharedSecret> = {}): SharedSecret {
  return {
    service: SERVICE,
    node: NODE,
    id,
    timestamp: '2026-12-05T07:00:00Z',
    revoked: false,
    key: `key-${id}-${'x'.repeat(40)}`,
    ...extra,
  };
}

describe("receiveSharedSecret: who may be a node's origin (#12.4)", () => {
  it('#12.4 trusts the first sender on first use when nobody names the owner', () => {
    const record: NodeSecrets = { secrets: [] };
    expect(receiveSharedSecret(record, incoming('A1'), 'alice@x', NOW)).toMatchObject({
      kind: 'accepted',
      firstUse: true,
    });
    expect(record.secrets.map((s) => s.origin)).toEqual(['alice@x']);
  });

  it('#12.4 keeps a competing first secret as a candidate and reports the conflict, without blocking its sender', () => {
    const record: NodeSecrets = { secrets: [] };
    receiveSharedSecret(record, incoming('M1'), 'mallory@x', NOW);
    const verdict = receiveSharedSecret(record, incoming('A1'), 'alice@x', NOW);
    expect(verdict).toMatchObject({
      kind: 'accepted',
      firstUse: false,
      conflict: { origins: ['alice@x', 'mallory@x'] },
    });
    expect(record.secrets.map((s) => s.id)).toEqual(['M1']);
    expect(record.candidates?.map((s) => s.id)).toEqual(['A1']);
    // the candidate's origin goes on rotating and revoking its own secrets
    expect(
      receiveSharedSecret(record, incoming('A2', { timestamp: '2026-12-05T07:30:00Z' }), 'alice@x', NOW),
    ).toMatchObject({ kind: 'accepted' });
    expect(receiveRevoke(record, { service: SERVICE, node: NODE, id: 'A1' }, 'alice@x')).toEqual({
      kind: 'revoked',
    });
    // neither may revoke the other's
    expect(receiveRevoke(record, { service: SERVICE, node: NODE, id: 'M1' }, 'alice@x')).toMatchObject({
      kind: 'rejected',
      reason: expect.stringMatching(/not the origin of secret M1/),
    });
    expect(receiveRevoke(record, { service: SERVICE, node: NODE, id: 'A2' }, 'mallory@x')).toMatchObject({
      kind: 'rejected',
    });
    expect(conflictingOrigins(record)).toEqual(['alice@x', 'mallory@x']);
  });

  it('#12.4 where the owners are known, refuses a non-owner and lets an owner take over from a squatter', () => {
    const record: NodeSecrets = { secrets: [] };
    receiveSharedSecret(record, incoming('M1'), 'mallory@x', NOW);
    expect(receiveSharedSecret(record, incoming('E1'), 'eve@x', NOW, { owners: ['alice@x'] })).toMatchObject({
      kind: 'rejected',
      reason: expect.stringMatching(/not the origin/),
    });
    const verdict = receiveSharedSecret(record, incoming('A1'), 'alice@x', NOW, { owners: ['alice@x'] });
    expect(verdict).toMatchObject({
      kind: 'accepted',
      firstUse: true,
      dropped: [expect.objectContaining({ id: 'M1' })],
    });
    expect(record.secrets.map((s) => s.id)).toEqual(['A1']);
    expect(record.candidates).toBeUndefined();
    const empty: NodeSecrets = { secrets: [] };
    expect(
      receiveSharedSecret(empty, incoming('M1'), 'mallory@x', NOW, { owners: ['alice@x'] }),
    ).toMatchObject({ kind: 'rejected', reason: expect.stringMatching(/does not own node/) });
  });

  it('#12.4 after trust-origin, refuses every other sender', () => {
    const record: NodeSecrets = { secrets: [], trustedOrigin: 'alice@x' };
    expect(receiveSharedSecret(record, incoming('M1'), 'mallory@x', NOW)).toMatchObject({
      kind: 'rejected',
      reason: expect.stringMatching(/trust-origin/),
    });
    expect(receiveSharedSecret(record, incoming('A1'), 'alice@x', NOW)).toMatchObject({
      kind: 'accepted',
      firstUse: true,
    });
  });

  it("#12.4 a PEP node's secret comes only from its account", () => {
    const record: NodeSecrets = { secrets: [] };
    expect(
      receiveSharedSecret(record, incoming('M1', { service: 'alice@x' }), 'mallory@x', NOW),
    ).toMatchObject({ kind: 'rejected', reason: expect.stringMatching(/only alice@x can make/) });
  });

  it('#12.8 bounds competing origins and the secrets of one origin', () => {
    const record: NodeSecrets = { secrets: [] };
    receiveSharedSecret(record, incoming('O0'), 'origin@x', NOW);
    for (let i = 0; i < MAX_CANDIDATE_ORIGINS; i++)
      expect(receiveSharedSecret(record, incoming(`C${i}`), `c${i}@x`, NOW).kind).toBe('accepted');
    expect(receiveSharedSecret(record, incoming('CX'), 'another@x', NOW)).toMatchObject({
      kind: 'rejected',
      reason: expect.stringMatching(/other senders already claim/),
    });
    const one: NodeSecrets = { secrets: [] };
    for (let i = 0; i < MAX_SECRETS_PER_ORIGIN; i++)
      receiveSharedSecret(one, incoming(`S${i}`), 'alice@x', NOW);
    expect(receiveSharedSecret(one, incoming('SX'), 'alice@x', NOW)).toMatchObject({
      kind: 'rejected',
      reason: expect.stringMatching(/already holds/),
    });
  });

  it('refuses a secret id already known from another origin', () => {
    const record: NodeSecrets = { secrets: [] };
    receiveSharedSecret(record, incoming('SAME'), 'alice@x', NOW);
    expect(
      receiveSharedSecret(record, incoming('SAME', { key: 'y'.repeat(86) }), 'mallory@x', NOW),
    ).toMatchObject({ kind: 'rejected', reason: expect.stringMatching(/already known from alice@x/) });
  });
});

describe('parseNodeOwners (#12.4)', () => {
  const info = (...fields: ReturnType<typeof xml>[]) =>
    xml(
      'iq',
      { type: 'result' },
      xml(
        'query',
        { xmlns: 'http://jabber.org/protocol/disco#info' },
        xml(
          'x',
          { xmlns: 'jabber:x:data', type: 'result' },
          xml(
            'field',
            { var: 'FORM_TYPE', type: 'hidden' },
            xml('value', {}, 'http://jabber.org/protocol/pubsub#meta-data'),
          ),
          ...fields,
        ),
      ),
    );

  it('#12.4 reads pubsub#owner from the node meta-data, and nothing from a form without it (Prosody 0.12)', () => {
    expect(
      parseNodeOwners(
        info(
          xml(
            'field',
            { var: 'pubsub#owner', type: 'jid-multi' },
            xml('value', {}, 'alice@x'),
            xml('value', {}, 'bob@x'),
          ),
        ),
      ),
    ).toEqual(['alice@x', 'bob@x']);
    expect(
      parseNodeOwners(info(xml('field', { var: 'pubsub#access_model' }, xml('value', {}, 'whitelist')))),
    ).toEqual([]);
  });
});
