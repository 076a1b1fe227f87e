// #15.2 oxps node audit against the real Prosody: each finding made with oxps commands or direct
// stanzas from another client of the account, then found, with the command that fixes it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import xml from '@xmpp/xml';
import { TestUser, json, ok } from '../helpers/cli.js';
import { rawSession } from '../helpers/inProcess.js';
import type { Session } from '../../src/xmpp/session.js';
import { setAffiliationsIq, setConfigurationIq, createNodeIq } from '../../src/protocol/pubsub/node.js';
import { publishIq } from '../../src/protocol/pubsub/publish.js';
import { attachmentsNodeName } from '../../src/protocol/attachments/nodeName.js';
import { NS } from '../../src/protocol/namespaces.js';

interface Finding {
  kind: string;
  message: string;
  fix: string;
  jids?: string[];
  itemIds?: string[];
  secretId?: string;
  accessModel?: string;
  attachmentsNode?: string;
}
interface Report {
  service: string;
  nodes: Array<{ node: string; accessModel: string; items: number; secrets: number; findings: Finding[] }>;
  findings: number;
}

describe('#15.2 oxps node audit', () => {
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;
  let dave: TestUser;
  let raw: Session;
  const audit = async (args: string[], code = 9) => {
    const result = await alice.run(['--json', 'node', 'audit', ...args]);
    expect(result.code, result.stderr).toBe(code);
    return json<Report>(result);
  };
  const findings = (report: Report, kind: string) =>
    report.nodes.flatMap((n) => n.findings).filter((f) => f.kind === kind);
  const publish = async (node: string, args: string[] = []) =>
    ok(
      await alice.run(['publish', '-n', node, ...args, '-'], { input: "<note xmlns='urn:example'>x</note>" }),
    );
  const encrypted = (secretId: string) =>
    xml(
      'encrypted',
      { xmlns: NS.oxps, key: secretId },
      Buffer.from('not really encrypted').toString('base64'),
    );

  beforeAll(async () => {
    [alice, bob, carol, dave] = (await TestUser.createMany(['alice', 'bob', 'carol', 'dave'])) as [
      TestUser,
      TestUser,
      TestUser,
      TestUser,
    ];
    await Promise.all([alice, bob, carol, dave].map((u) => u.addProfile()));
    await Promise.all([alice, bob, carol, dave].map(async (u) => ok(await u.run(['key', 'generate']))));
    raw = await rawSession(alice.name);
  });
  afterAll(async () => {
    await raw?.close();
  });

  it('#15.2 a node with nothing wrong: exit 0, no finding', async () => {
    const node = 'urn:example:audit:clean';
    ok(await alice.run(['encrypt-node', '-n', node]));
    await publish(node);
    const report = await audit(['-n', node], 0);
    expect(report).toMatchObject({
      service: alice.jid,
      findings: 0,
      nodes: [{ node, accessModel: 'whitelist', items: 1, secrets: 1, findings: [] }],
    });
    const text = await alice.run(['node', 'audit', '-n', node]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('nothing found');
  });

  it('#15.2 access model, members without the secret, removed holders, holders off the whitelist', async () => {
    const node = 'urn:example:audit:members';
    ok(await alice.run(['encrypt-node', '-n', node]));
    ok(await alice.run(['secret', 'share', '-n', node, carol.jid, dave.jid]));
    await raw.iq(
      setAffiliationsIq(
        alice.jid,
        node,
        new Map([
          [bob.jid, 'member'],
          [carol.jid, 'outcast'],
          [dave.jid, 'none'],
        ]),
      ),
      'affiliations',
    );
    await raw.iq(setConfigurationIq(alice.jid, node, { 'pubsub#access_model': 'open' }), 'configure');
    const report = await audit(['-n', node]);
    expect(findings(report, 'access-model')).toEqual([
      expect.objectContaining({
        accessModel: 'open',
        fix: `oxps encrypt-node -s ${alice.jid} -n ${node} --yes`,
      }),
    ]);
    expect(findings(report, 'member-without-secret')).toEqual([
      expect.objectContaining({
        jids: [bob.jid],
        fix: `oxps secret share -s ${alice.jid} -n ${node} ${bob.jid}`,
      }),
    ]);
    expect(findings(report, 'removed-holds-secret')).toEqual([
      expect.objectContaining({
        jids: [carol.jid],
        fix: `oxps secret rotate -s ${alice.jid} -n ${node} --remove ${carol.jid}`,
      }),
    ]);
    expect(findings(report, 'holder-not-whitelisted')).toEqual([
      expect.objectContaining({
        jids: [dave.jid],
        fix: `oxps secret share -s ${alice.jid} -n ${node} ${dave.jid}`,
      }),
    ]);

    // the fixes named, run: clean
    ok(await alice.run(['encrypt-node', '-n', node, '--yes']));
    ok(await alice.run(['secret', 'rotate', '-n', node, '--remove', carol.jid]));
    ok(await alice.run(['secret', 'share', '-n', node, dave.jid]));
    expect((await audit(['-n', node], 0)).findings).toBe(0);
  });

  it('#15.2 items in clear, items under a revoked secret published after the rotation, title-derived ids', async () => {
    const node = 'urn:example:audit:items';
    ok(await alice.run(['encrypt-node', '-n', node]));
    const first = json<{ secret: { id: string } }>(
      await alice.run(['--json', 'secret', 'list', '-n', node]),
    ) as unknown as { secrets: Array<{ id: string }> };
    const oldSecret = first.secrets[0]!.id;
    await publish(node, ['-i', 'before-rotation']);
    ok(await alice.run(['secret', 'rotate', '-n', node]));
    await publish(node, ['-i', 'after-rotation']);
    // a device that missed the rotation publishes with the old secret
    await raw.iq(publishIq(alice.jid, node, 'stale-device', encrypted(oldSecret)), 'publish');
    await publish(node, ['-i', 'my-holiday-in-rome-K1jV']);
    await publish(node, ['-i', 'in-clear', '--plaintext', '--force']);
    const report = await audit(['-n', node]);
    expect(report.nodes[0]).toMatchObject({ items: 5, secrets: 2 });
    expect(findings(report, 'plaintext-item')).toEqual([
      expect.objectContaining({
        itemIds: ['in-clear'],
        fix: `oxps retract -s ${alice.jid} -n ${node} in-clear`,
      }),
    ]);
    expect(findings(report, 'revoked-secret-item')).toEqual([
      expect.objectContaining({
        itemIds: ['stale-device'],
        secretId: oldSecret,
        fix: `oxps retract -s ${alice.jid} -n ${node} stale-device`,
      }),
    ]);
    expect(findings(report, 'title-derived-id')).toEqual([
      expect.objectContaining({ itemIds: ['my-holiday-in-rome-K1jV'] }),
    ]);
    expect(report.findings).toBe(3);
  });

  it('#15.2 an attachments node (XEP-0470) weaker than its node; a node whose secrets oxps does not hold', async () => {
    const node = 'urn:example:audit:attachments';
    ok(await alice.run(['encrypt-node', '-n', node]));
    await publish(node, ['-i', 'signed']);
    const attachments = attachmentsNodeName(alice.jid, node, 'signed');
    await raw.iq(
      createNodeIq(alice.jid, attachments, { 'pubsub#access_model': 'open' }),
      'create attachments node',
    );
    const report = await audit(['-n', node]);
    expect(findings(report, 'attachments-access-model')).toEqual([
      expect.objectContaining({ attachmentsNode: attachments, accessModel: 'open' }),
    ]);
    expect(findings(report, 'attachments-access-model')[0]!.fix).toContain('access_model whitelist');

    // a node made by another client: encrypted items, no secret here
    const foreign = 'urn:example:audit:foreign';
    await raw.iq(createNodeIq(alice.jid, foreign, { 'pubsub#access_model': 'whitelist' }), 'create');
    await raw.iq(publishIq(alice.jid, foreign, 'one', encrypted('SOMEONEELSESSECRET')), 'publish');
    expect(findings(await audit(['-n', foreign]), 'no-secret-known')).toEqual([
      expect.objectContaining({ fix: `oxps secret import --from-libervia -n ${foreign}` }),
    ]);
  });

  it('#15.2 --all-nodes: every encrypted node of the PEP, attachments nodes with their node, other nodes left out', async () => {
    const report = await audit(['--all-nodes']);
    const audited = report.nodes.map((n) => n.node).sort();
    expect(audited).toEqual([
      'urn:example:audit:attachments',
      'urn:example:audit:clean',
      'urn:example:audit:foreign',
      'urn:example:audit:items',
      'urn:example:audit:members',
    ]);
    expect(report.findings).toBe(report.nodes.reduce((sum, n) => sum + n.findings.length, 0));
    const text = await alice.run(['node', 'audit', '--all-nodes']);
    expect(text.code).toBe(9);
    expect(text.stdout).toContain('→ oxps retract');
    expect(text.stderr).toMatch(/finding\(s\) on 3 node\(s\)/);
  });

  it('#15.2 refuses -n with --all-nodes, and neither', async () => {
    expect((await alice.run(['node', 'audit'])).code).toBe(2);
    expect((await alice.run(['node', 'audit', '-n', 'x', '--all-nodes'])).code).toBe(2);
  });

  it(
    '#15.2 audits a node of 1,000 items in a few requests, without decrypting',
    { timeout: 300_000 },
    async () => {
      const service = 'pubsub.localhost';
      const admin = await TestUser.create('alice', { shared: true });
      await admin.addProfile();
      const node = `urn:example:audit:big:${Date.now()}`;
      const secretId = json<{ secret: { id: string } }>(
        await admin.run(['--json', 'encrypt-node', '-s', service, '-n', node]),
      ).secret.id;
      // the items are only read, never decrypted: published directly, 50 at a time
      const session = await rawSession('alice');
      try {
        for (let start = 0; start < 1000; start += 50) {
          await Promise.all(
            Array.from({ length: 50 }, (_, i) =>
              session.iq(publishIq(service, node, `item-${start + i}`, encrypted(secretId)), 'publish'),
            ),
          );
        }
      } finally {
        await session.close();
      }
      const started = Date.now();
      const result = await admin.run(['--json', '-v', 'node', 'audit', '-s', service, '-n', node]);
      const seconds = (Date.now() - started) / 1000;
      expect(result.code, result.stderr).toBe(0);
      expect(json<Report>(result).nodes[0]).toMatchObject({ items: 1000, findings: [] });
      expect(result.stderr).not.toMatch(/decrypt/i);
      // ~1.5 s on an idle machine (one <items/> request); the id batches of fetch --all took 64 s under load
      expect(seconds).toBeLessThan(30);
    },
  );
});
