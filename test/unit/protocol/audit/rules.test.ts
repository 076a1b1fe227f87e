import { describe, expect, it } from 'vitest';
import { auditNode, type NodeFacts } from '../../../../src/protocol/audit/rules.js';
import { looksTitleDerived } from '../../../../src/protocol/audit/titleIds.js';
import {
  parseAttachmentsNodeName,
  attachmentsNodeName,
} from '../../../../src/protocol/attachments/nodeName.js';
import type { NodeSecret } from '../../../../src/protocol/oxps/secrets.js';

const me = 'me@example.org';
const now = new Date('2026-12-05T10:00:00Z');
const secret = (id: string, timestamp: string, extra: Partial<NodeSecret> = {}): NodeSecret => ({
  id,
  key: 'k'.repeat(86),
  timestamp,
  origin: me,
  revoked: false,
  sharedWith: [],
  ...extra,
});

function facts(extra: Partial<NodeFacts> = {}): NodeFacts {
  return {
    service: me,
    node: 'urn:example:notes',
    self: me,
    accessModel: 'whitelist',
    affiliations: new Map([[me, 'owner']]),
    secrets: [secret('S1', '2026-12-01T00:00:00Z')],
    items: [],
    attachments: [],
    maxAgeDays: 180,
    now,
    ...extra,
  };
}
const kinds = (f: NodeFacts) => auditNode(f).map((finding) => finding.kind);

describe('#15.2 node audit rules', () => {
  it('#15.2 a clean node has no finding', () => {
    expect(auditNode(facts())).toEqual([]);
  });

  it('#15.2 flags an access model other than whitelist, with encrypt-node as the fix', () => {
    const [finding] = auditNode(facts({ accessModel: 'presence' }));
    expect(finding).toMatchObject({
      kind: 'access-model',
      accessModel: 'presence',
      fix: `oxps encrypt-node -s ${me} -n urn:example:notes --yes`,
    });
  });

  it('#15.2 whitelisted members without the current secret: secret share', () => {
    const [finding] = auditNode(
      facts({
        affiliations: new Map([
          [me, 'owner'],
          ['a@x.org', 'member'],
          ['b@x.org', 'publisher'],
        ]),
        secrets: [secret('S1', '2026-12-01T00:00:00Z', { sharedWith: ['b@x.org'] })],
      }),
    );
    expect(finding).toMatchObject({
      kind: 'member-without-secret',
      jids: ['a@x.org'],
      fix: `oxps secret share -s ${me} -n urn:example:notes a@x.org`,
    });
  });

  it('#15.2 removed from the whitelist (outcast, none) but holding the current secret: rotate --remove', () => {
    const [finding] = auditNode(
      facts({
        affiliations: new Map([
          [me, 'owner'],
          ['ex@x.org', 'outcast'],
        ]),
        secrets: [secret('S1', '2026-12-01T00:00:00Z', { sharedWith: ['ex@x.org'] })],
      }),
    );
    expect(finding).toMatchObject({
      kind: 'removed-holds-secret',
      jids: ['ex@x.org'],
      fix: `oxps secret rotate -s ${me} -n urn:example:notes --remove ex@x.org`,
    });
  });

  it('#15.2 holders of the current secret who are not on the whitelist: secret share whitelists them', () => {
    const [finding] = auditNode(
      facts({
        secrets: [
          secret('S0', '2026-11-01T00:00:00Z', { revoked: true, sharedWith: ['old@x.org'] }),
          secret('S1', '2026-12-01T00:00:00Z', { sharedWith: ['c@x.org'] }),
        ],
      }),
    );
    expect(finding).toMatchObject({
      kind: 'holder-not-whitelisted',
      jids: ['c@x.org'],
      fix: `oxps secret share -s ${me} -n urn:example:notes c@x.org`,
    });
    expect(finding!.message).toContain('--remove c@x.org');
  });

  it('#15.2 items in clear on an encrypted node: retract', () => {
    const [finding] = auditNode(facts({ items: [{ id: 'a1' }, { id: 'p1', plaintext: true }] }));
    expect(finding).toMatchObject({
      kind: 'plaintext-item',
      itemIds: ['p1'],
      fix: `oxps retract -s ${me} -n urn:example:notes p1`,
    });
  });

  it('#15.2 items encrypted with a secret after its revocation (listed newer than an item of a later secret)', () => {
    const secrets = [
      secret('S1', '2026-11-01T00:00:00Z', { revoked: true }),
      secret('S2', '2026-12-01T00:00:00Z'),
    ];
    // newest first, as the service lists them: i3 (S1) came after i2 (S2)
    const items = [
      { id: 'i3', secretId: 'S1' },
      { id: 'i2', secretId: 'S2' },
      { id: 'i1', secretId: 'S1' },
    ];
    const found = auditNode(facts({ secrets, items }));
    expect(found.map((f) => f.kind)).toEqual(['revoked-secret-item']);
    expect(found[0]).toMatchObject({
      itemIds: ['i3'],
      secretId: 'S1',
      fix: `oxps retract -s ${me} -n urn:example:notes i3`,
    });
  });

  it('#15.2 item ids derived from titles (Libervia: slug + "-" + 4 random characters)', () => {
    const [finding] = auditNode(
      facts({
        items: [
          { id: 'my-holiday-in-rome-K1jV', secretId: 'S1' },
          { id: '92eCSYtF237a8UUM', secretId: 'S1' },
        ],
      }),
    );
    expect(finding).toMatchObject({ kind: 'title-derived-id', itemIds: ['my-holiday-in-rome-K1jV'] });
    expect(finding!.fix).toContain('oxps retract');
  });

  it('#15.2 the newest secret older than --max-age: rotate', () => {
    const [finding] = auditNode(facts({ secrets: [secret('S1', '2026-05-01T00:00:00Z')] }));
    expect(finding).toMatchObject({
      kind: 'rotation-overdue',
      secretId: 'S1',
      fix: `oxps secret rotate -s ${me} -n urn:example:notes`,
    });
    expect(kinds(facts({ secrets: [secret('S1', '2026-05-01T00:00:00Z')], maxAgeDays: 365 }))).toEqual([]);
  });

  it('#15.2 attachment nodes with a weaker access model than their node', () => {
    const [finding] = auditNode(
      facts({
        attachments: [
          {
            node: 'urn:xmpp:pubsub-attachments:1/xmpp:me@example.org?;node=urn%3Aexample%3Anotes;item=x',
            itemId: 'x',
            accessModel: 'open',
          },
          { node: 'other', itemId: 'y', accessModel: 'whitelist' },
        ],
      }),
    );
    expect(finding).toMatchObject({
      kind: 'attachments-access-model',
      accessModel: 'open',
      attachmentsNode: 'urn:xmpp:pubsub-attachments:1/xmpp:me@example.org?;node=urn%3Aexample%3Anotes;item=x',
    });
    expect(finding!.fix).toContain('access_model whitelist');
  });

  it('#15.2 active secrets shorter than 32 characters: rotate (revoked ones are past fixing)', () => {
    const found = auditNode(
      facts({
        secrets: [
          secret('S0', '2026-11-01T00:00:00Z', { key: 'short', revoked: true }),
          secret('S1', '2026-12-01T00:00:00Z', { key: 'x'.repeat(31) }),
        ],
      }),
    );
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({
      kind: 'short-secret',
      secretId: 'S1',
      fix: `oxps secret rotate -s ${me} -n urn:example:notes`,
    });
  });

  it('#15.2 no secret known: import or sync', () => {
    expect(
      auditNode(facts({ secrets: [], items: [{ id: 'e', secretId: 'X' }] })).map((f) => [f.kind, f.fix]),
    ).toEqual([['no-secret-known', `oxps secret import --from-libervia -n urn:example:notes`]]);
  });

  it('#15.2 quotes node names for the shell in fix commands', () => {
    const [finding] = auditNode(facts({ node: "it's a node", accessModel: 'open' }));
    expect(finding!.fix).toBe(`oxps encrypt-node -s ${me} -n 'it'\\''s a node' --yes`);
  });
});

describe('#15.2 title-derived item ids', () => {
  it('#15.2 matches Libervia friendly ids, not random ones', () => {
    for (const id of ['my-holiday-in-rome-K1jV', 'signedpost-W_BE', 'post-one-cafe-a-b_', 'hello,world-Ab-_'])
      expect(looksTitleDerived(id), id).toBe(true);
    for (const id of [
      '92eCSYtF237a8UUM',
      'C9S4NtArRuyrXm93PRbZVJ',
      '550e8400-e29b-41d4-a716-446655440000',
      '12-34-ABCD',
      'current',
    ])
      expect(looksTitleDerived(id), id).toBe(false);
  });
});

describe('#15.2 XEP-0470 attachments node names', () => {
  it("#15.2 parses Libervia's name and builds it back", () => {
    const name =
      'urn:xmpp:pubsub-attachments:1/xmpp:alice@localhost?;node=urn%3Axmpp%3Amicroblog%3A0;item=signedpost-W_BE';
    expect(parseAttachmentsNodeName(name)).toEqual({
      service: 'alice@localhost',
      node: 'urn:xmpp:microblog:0',
      item: 'signedpost-W_BE',
    });
    expect(attachmentsNodeName('alice@localhost', 'urn:xmpp:microblog:0', 'signedpost-W_BE')).toBe(name);
    expect(parseAttachmentsNodeName('urn:xmpp:microblog:0')).toBeUndefined();
    expect(
      parseAttachmentsNodeName('urn:xmpp:pubsub-attachments:1/xmpp:a@b?;node=%ZZ;item=x'),
    ).toBeUndefined();
  });
});
