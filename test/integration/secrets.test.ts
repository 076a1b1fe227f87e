// The OXPS secrets lifecycle between several accounts on the real Prosody (issue: share,
// revoke, rotate, sync and the security rules).
import { describe, expect, it, beforeAll } from 'vitest';
import xml, { type Element } from '@xmpp/xml';
import { TestUser, json } from '../helpers/cli.js';
import { rawSession, withUser } from '../helpers/inProcess.js';
import { buildOxMessage } from '../../src/app/ox/messaging.js';
import { buildSharedSecret } from '../../src/protocol/oxps/sharedSecret.js';
import { buildRevoke } from '../../src/protocol/oxps/revoke.js';
import { createNode, nodeAffiliations } from '../../src/app/pubsubNode.js';
import { itemsIq, parseItemsResult } from '../../src/protocol/pubsub/items.js';
import { readItem } from '../../src/app/fetch.js';
import { nodeRecord } from '../../src/app/state.js';

interface Fetched {
  items: Array<{ id: string; status: string; xml?: string; reason?: string; secretId?: string }>;
}

async function publish(user: TestUser, node: string, text: string): Promise<string> {
  const result = await user.run(['--json', 'publish', '-n', node, '-'], {
    input: `<note xmlns='urn:example:notes'>${text}</note>`,
  });
  expect(result.code, result.stderr).toBe(0);
  return json<{ id: string }>(result).id;
}

async function secrets(user: TestUser, service: string, node: string) {
  const result = await user.run(['--json', 'secret', 'list', '-s', service, '-n', node]);
  expect(result.code, result.stderr).toBe(0);
  return json<{ secrets: Array<{ id: string; revoked: boolean; origin: string; sharedWith: string[] }> }>(
    result,
  ).secrets;
}

describe('secrets between people', () => {
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;
  let mallory: TestUser;
  const node = `urn:example:secrets:${Date.now()}`;
  let firstItem: string;

  beforeAll(async () => {
    [alice, bob, carol, mallory] = await Promise.all([
      TestUser.create('alice'),
      TestUser.create('bob'),
      TestUser.create('carol'),
      TestUser.create('mallory'),
    ]);
    for (const user of [alice, bob, carol, mallory]) {
      await user.addProfile();
      const generated = await user.run(['key', 'generate']);
      expect(generated.code, generated.stderr).toBe(0);
    }
    expect((await alice.run(['encrypt-node', '-n', node])).code).toBe(0);
    firstItem = await publish(alice, node, 'first');
  });

  it('alice shares with bob and carol; bob syncs and reads the plaintext', async () => {
    const shared = await alice.run(['--json', 'secret', 'share', '-n', node, bob.jid, carol.jid]);
    expect(shared.code, shared.stderr).toBe(0);
    const body = json<{ whitelisted: string[]; delivered: Array<{ recipient: string }> }>(shared);
    expect(body.whitelisted.sort()).toEqual([bob.jid, carol.jid].sort());
    expect(body.delivered.map((d) => d.recipient)).toEqual(
      expect.arrayContaining([bob.jid, carol.jid, alice.jid]),
    );

    const synced = await bob.run(['--json', 'sync']);
    expect(synced.code, synced.stderr).toBe(0);
    const report = json<{ accepted: Array<{ from: string; node: string; firstUse: boolean }> }>(synced);
    expect(report.accepted).toEqual([expect.objectContaining({ from: alice.jid, node, firstUse: true })]);

    const fetched = json<Fetched>(await bob.run(['--json', 'fetch', '-s', alice.jid, '-n', node]));
    expect(fetched.items.map((i) => [i.status, i.xml])).toEqual([
      ['decrypted', `<note xmlns="urn:example:notes">first</note>`],
    ]);
  });

  it('alice rotates with --remove carol: carol is off the whitelist and can decrypt only the old items', async () => {
    expect((await carol.run(['sync'])).code).toBe(0);
    const rotated = await alice.run(['--json', 'secret', 'rotate', '-n', node, '--remove', carol.jid]);
    expect(rotated.code, rotated.stderr).toBe(0);
    const rotation = json<{ recipients: string[]; removedFromWhitelist: string[]; revoked: string[] }>(
      rotated,
    );
    expect(rotation.recipients).toEqual([bob.jid]);
    expect(rotation.removedFromWhitelist).toEqual([carol.jid]);
    const secondItem = await publish(alice, node, 'second');

    // the whitelist, read back from the server
    const affiliations = await withUser(alice, async (ctx) =>
      nodeAffiliations(await ctx.session(), alice.jid, node),
    );
    expect(affiliations.get(carol.jid) ?? 'none').toBe('none');
    expect(affiliations.get(bob.jid)).toBe('member');

    // the server now refuses carol...
    const refused = await carol.run(['fetch', '-s', alice.jid, '-n', node]);
    expect(refused.code).toBe(7);
    expect(refused.stderr).toMatch(/forbidden|not-authorized|not-allowed/);
    // ...and with the secrets she holds she could read the old item but not the new one
    const raw = await withUser(
      alice,
      async (ctx) =>
        parseItemsResult(await (await ctx.session()).iq(itemsIq(alice.jid, node, {}), 'test')).items,
    );
    const carolRecord = await withUser(carol, async (ctx) => {
      await (await ctx.state()).release();
      return nodeRecord((await ctx.state()).data, alice.jid, node);
    });
    const readable = Object.fromEntries(
      await Promise.all(raw.map(async (item) => [item.id, (await readItem(item, carolRecord)).status])),
    );
    expect(readable).toEqual({ [firstItem]: 'decrypted', [secondItem]: 'failed' });

    // bob reads both
    const bobFetch = json<Fetched>(await bob.run(['--json', 'fetch', '-s', alice.jid, '-n', node]));
    expect(bobFetch.items.map((i) => i.status).sort()).toEqual(['decrypted', 'decrypted']);
    const bobSecrets = await secrets(bob, alice.jid, node);
    expect(bobSecrets.filter((s) => s.revoked).map((s) => s.id)).toEqual(rotation.revoked);
  });

  it("rejects a shared secret and a revocation for alice's node from mallory", async () => {
    const before = await secrets(bob, alice.jid, node);
    await withUser(mallory, async (ctx) => {
      const session = await ctx.session();
      const keyring = await ctx.keyring();
      const keys = [
        ...(await keyring.usableKeys(bob.jid, 'encrypt to', true)),
        ...(await keyring.ownEncryptionKeys()),
      ];
      const forged = buildSharedSecret({
        service: alice.jid,
        node,
        id: 'MALLORYSECRET0000000000',
        timestamp: new Date().toISOString().slice(0, 19) + 'Z',
        revoked: false,
        key: 'x'.repeat(86),
      });
      await session.send(await buildOxMessage(ctx, bob.jid, [forged], keys));
      const revoke = buildRevoke({ service: alice.jid, node, id: before.find((s) => !s.revoked)!.id });
      await session.send(await buildOxMessage(ctx, bob.jid, [revoke], keys));
      await session.roundTrip();
    });
    const synced = await bob.run(['--json', 'sync']);
    expect(synced.code, synced.stderr).toBe(0);
    const report = json<{ rejected: Array<{ from: string; reason: string }>; accepted: unknown[] }>(synced);
    expect(report.accepted).toEqual([]);
    expect(report.rejected).toHaveLength(2);
    expect(report.rejected.every((r) => r.from === mallory.jid && /not the origin/.test(r.reason))).toBe(
      true,
    );
    expect(await secrets(bob, alice.jid, node)).toEqual(before);
  });

  it("rejects a signcrypt signed by mallory but sent from alice's account", async () => {
    const before = await secrets(bob, alice.jid, node);
    // mallory's key packs the message; alice's account sends it
    const forged = await withUser(mallory, async (ctx) => {
      const keyring = await ctx.keyring();
      const keys = [
        ...(await keyring.usableKeys(bob.jid, 'encrypt to', true)),
        ...(await keyring.ownEncryptionKeys()),
      ];
      const secret = buildSharedSecret({
        service: alice.jid,
        node,
        id: 'SPOOFEDSECRET0000000000',
        timestamp: new Date().toISOString().slice(0, 19) + 'Z',
        revoked: false,
        key: 'y'.repeat(86),
      });
      return buildOxMessage(ctx, bob.jid, [secret], keys);
    });
    const session = await rawSession(alice.name);
    await session.send(forged);
    await session.roundTrip();
    await session.close();
    const report = json<{ unreadable: Array<{ from: string; reason: string }>; accepted: unknown[] }>(
      await bob.run(['--json', 'sync']),
    );
    expect(report.accepted).toEqual([]);
    expect(report.unreadable).toEqual([
      expect.objectContaining({ from: alice.jid, reason: expect.stringMatching(/signature/) }),
    ]);
    expect(await secrets(bob, alice.jid, node)).toEqual(before);
  });

  it('bob gets a secret from the archive when another client of his took the offline copy', async () => {
    const otherNode = `${node}:offline`;
    expect((await alice.run(['encrypt-node', '-n', otherNode])).code).toBe(0);
    // bob is offline; alice shares
    expect((await alice.run(['secret', 'share', '-n', otherNode, bob.jid])).code).toBe(0);
    // another client of bob comes online first and receives the offline message
    const thief = await rawSession(bob.name);
    const received: string[] = [];
    thief.onStanza('message', (m) => {
      if (m.getChild('openpgp', 'urn:xmpp:openpgp:0')) received.push(m.attrs.from ?? '');
    });
    await thief.send(xml('presence', {}, xml('priority', {}, '1')));
    await thief.roundTrip();
    await thief.close();
    expect(received.length).toBeGreaterThan(0);

    const report = json<{ accepted: Array<{ node: string }> }>(await bob.run(['--json', 'sync']));
    expect(report.accepted.map((a) => a.node)).toContain(otherNode);
  });

  it("alice's second device learns the secrets from the self-copy after restoring her key", async () => {
    const backup = await alice.run(['--json', 'key', 'backup']);
    expect(backup.code, backup.stderr).toBe(0);
    const { backupCode } = json<{ backupCode: string }>(backup);
    const device = await TestUser.device(alice.name);
    await device.addProfile();
    const codeFile = `${device.home}/code`;
    await import('node:fs/promises').then((fs) => fs.writeFile(codeFile, `${backupCode}\n`, { mode: 0o600 }));
    expect((await device.run(['key', 'restore', '--backup-code-file', codeFile])).code).toBe(0);
    const synced = await device.run(['--json', 'sync']);
    expect(synced.code, synced.stderr).toBe(0);
    const mine = await secrets(device, alice.jid, node);
    const original = await secrets(alice, alice.jid, node);
    expect(mine.map((s) => [s.id, s.revoked]).sort()).toEqual(original.map((s) => [s.id, s.revoked]).sort());
    const fetched = json<Fetched>(await device.run(['--json', 'fetch', '-n', node]));
    expect(fetched.items.every((i) => i.status === 'decrypted')).toBe(true);
  });

  it('only the origin may revoke; a revocation reaches the holders', async () => {
    const active = (await secrets(alice, alice.jid, node)).find((s) => !s.revoked)!;
    const notOrigin = await bob.run(['secret', 'revoke', '-s', alice.jid, '-n', node, active.id]);
    expect(notOrigin.code).toBe(8);
    expect(notOrigin.stderr).toMatch(/only its origin may revoke/);
    const revoked = await alice.run([
      '--json',
      'secret',
      'revoke',
      '-n',
      node,
      active.id,
      '--reason',
      'test',
    ]);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(json<{ recipients: string[] }>(revoked).recipients).toEqual([bob.jid]);
    expect((await bob.run(['sync'])).code).toBe(0);
    expect((await secrets(bob, alice.jid, node)).find((s) => s.id === active.id)?.revoked).toBe(true);
    // publishing now needs a new secret, which only alice may make
    const bobPublish = await bob.run(['publish', '-s', alice.jid, '-n', node, '-'], {
      input: "<note xmlns='urn:example:notes'>x</note>",
    });
    expect(bobPublish.code).toBe(8);
  });

  it('#12.14 a revocation reaches a recipient who changed keys after the share', async () => {
    const rekeyed = `${node}:rekeyed`;
    expect((await alice.run(['encrypt-node', '-n', rekeyed])).code).toBe(0);
    expect((await alice.run(['secret', 'share', '-n', rekeyed, carol.jid])).code).toBe(0);
    expect((await carol.run(['sync'])).code).toBe(0);
    const active = (await secrets(carol, alice.jid, rekeyed)).find((s) => !s.revoked)!;
    // carol replaces her key (the old one leaves her list); alice still has the old one cached
    const regenerated = await carol.run(['key', 'generate', '--force']);
    expect(regenerated.code, regenerated.stderr).toBe(0);
    const revoked = await alice.run(['--json', 'secret', 'revoke', '-n', rekeyed, active.id]);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(
      json<{ delivered: Array<{ recipient: string }> }>(revoked).delivered.map((d) => d.recipient),
    ).toContain(carol.jid);
    const synced = await carol.run(['--json', 'sync']);
    expect(synced.code, synced.stderr).toBe(0);
    expect(
      json<{ revoked: Array<{ from: string; node: string; secretId: string }> }>(synced).revoked,
    ).toEqual([expect.objectContaining({ from: alice.jid, node: rekeyed, secretId: active.id })]);
    expect((await secrets(carol, alice.jid, rekeyed)).find((s) => s.id === active.id)?.revoked).toBe(true);
  });

  it('sharing with someone who has no OX key sends nothing to anyone', async () => {
    const keyless = await TestUser.create('dave');
    const third = `${node}:keyless`;
    expect((await alice.run(['encrypt-node', '-n', third])).code).toBe(0);
    const result = await alice.run(['secret', 'share', '-n', third, bob.jid, keyless.jid]);
    expect(result.code).toBe(3);
    expect(result.stderr).toContain(`no OpenPGP key published for ${keyless.jid}`);
    const list = await secrets(alice, alice.jid, third);
    expect(list[0]!.sharedWith).toEqual([]);
  });
});

/** Sends `to` one OX message per element list, signed by `from` (oxps's own message builder). */
async function sendOx(from: TestUser, to: TestUser, messages: Element[][]): Promise<void> {
  await withUser(from, async (ctx) => {
    const session = await ctx.session();
    const keys = await (await ctx.keyring()).usableKeys(to.jid, 'encrypt to', true);
    for (const elements of messages) await session.send(await buildOxMessage(ctx, to.jid, elements, keys));
    await session.roundTrip();
  });
}

const now = () => new Date().toISOString().slice(0, 19) + 'Z';
const squat = (service: string, node: string, id: string) =>
  buildSharedSecret({ service, node, id, timestamp: now(), revoked: false, key: 'm'.repeat(86) });

interface Listed {
  secrets: Array<{ id: string; origin: string; revoked: boolean; candidate?: boolean }>;
  conflict?: { origins: string[] };
  trustedOrigin?: string;
}

describe('node squatting on a pubsub service (#12.4)', () => {
  const PUBSUB = 'pubsub.localhost';
  let alice: TestUser;
  let bob: TestUser;
  let mallory: TestUser;
  const stamp = Date.now();

  const list = async (user: TestUser, node: string) => {
    const result = await user.run(['--json', 'secret', 'list', '-s', PUBSUB, '-n', node]);
    expect(result.code, result.stderr).toBe(0);
    return json<Listed>(result);
  };
  const fetchAll = async (user: TestUser, node: string) =>
    json<Fetched>(await user.run(['--json', 'fetch', '-s', PUBSUB, '-n', node]));

  beforeAll(async () => {
    // the fixed alice administers pubsub.localhost: only she may create nodes there
    alice = await TestUser.create('alice', { shared: true });
    [bob, mallory] = (await TestUser.createMany(['bob', 'mallory'])) as [TestUser, TestUser];
    for (const user of [alice, bob, mallory]) {
      await user.addProfile();
      const generated = await user.run(['key', 'generate']);
      expect(generated.code, generated.stderr).toBe(0);
    }
  });

  it("#12.4 a squatter who comes before the owner does not block the owner: bob reads alice's items, sees the conflict, settles it with trust-origin", async () => {
    const node = `urn:example:squat-before:${stamp}`;
    await sendOx(mallory, bob, [[squat(PUBSUB, node, 'MALLORYFIRST0000000000')]]);
    expect((await bob.run(['sync'])).code).toBe(0);

    expect((await alice.run(['encrypt-node', '-s', PUBSUB, '-n', node])).code).toBe(0);
    const published = await alice.run(['--json', 'publish', '-s', PUBSUB, '-n', node, '-'], {
      input: "<note xmlns='urn:example:notes'>by alice</note>",
    });
    expect(published.code, published.stderr).toBe(0);
    expect((await alice.run(['secret', 'share', '-s', PUBSUB, '-n', node, bob.jid])).code).toBe(0);

    const synced = await bob.run(['--json', 'sync']);
    expect(synced.code, synced.stderr).toBe(0);
    const report = json<{ conflicts?: Array<{ from: string; node: string; origins: string[] }> }>(synced);
    expect(report.conflicts).toEqual([
      expect.objectContaining({ from: alice.jid, node, origins: [alice.jid, mallory.jid].sort() }),
    ]);
    expect(synced.stderr).toMatch(/secret trust-origin/);

    const fetched = await fetchAll(bob, node);
    expect(fetched.items.map((i) => [i.status, i.xml])).toEqual([
      ['decrypted', '<note xmlns="urn:example:notes">by alice</note>'],
    ]);

    const listed = await list(bob, node);
    expect(listed.conflict?.origins).toEqual([alice.jid, mallory.jid].sort());
    expect(listed.secrets.map((s) => s.origin).sort()).toEqual([alice.jid, mallory.jid].sort());
    const human = await bob.run(['secret', 'list', '-s', PUBSUB, '-n', node]);
    expect(human.stdout).toMatch(/conflict/);

    const settled = await bob.run(['--json', 'secret', 'trust-origin', '-s', PUBSUB, '-n', node, alice.jid]);
    expect(settled.code, settled.stderr).toBe(0);
    const after = await list(bob, node);
    expect(after.conflict).toBeUndefined();
    expect(after.trustedOrigin).toBe(alice.jid);
    expect(after.secrets.map((s) => s.origin)).toEqual([alice.jid]);
    // the squatter is refused from now on; reading goes on
    await sendOx(mallory, bob, [[squat(PUBSUB, node, 'MALLORYAGAIN0000000000')]]);
    const again = json<{ rejected: Array<{ from: string; reason: string }> }>(
      await bob.run(['--json', 'sync']),
    );
    expect(again.rejected).toEqual([
      expect.objectContaining({
        from: mallory.jid,
        reason: expect.stringMatching(/trust-origin|not the origin/),
      }),
    ]);
    expect((await fetchAll(bob, node)).items.map((i) => i.status)).toEqual(['decrypted']);
  });

  it("#12.4 a squatter after the owner's share changes nothing for reading; secret forget drops the node (--yes without a terminal)", async () => {
    const node = `urn:example:squat-after:${stamp}`;
    expect((await alice.run(['encrypt-node', '-s', PUBSUB, '-n', node])).code).toBe(0);
    expect(
      (
        await alice.run(['publish', '-s', PUBSUB, '-n', node, '-'], {
          input: "<note xmlns='urn:example:notes'>genuine</note>",
        })
      ).code,
    ).toBe(0);
    expect((await alice.run(['secret', 'share', '-s', PUBSUB, '-n', node, bob.jid])).code).toBe(0);
    expect((await bob.run(['sync'])).code).toBe(0);
    const genuine = (await list(bob, node)).secrets[0]!;

    await sendOx(mallory, bob, [
      [squat(PUBSUB, node, 'MALLORYLATE00000000000')],
      [buildRevoke({ service: PUBSUB, node, id: genuine.id })],
    ]);
    const synced = await bob.run(['--json', 'sync']);
    expect(synced.code, synced.stderr).toBe(0);
    const report = json<{ rejected: Array<{ from: string; reason: string }>; revoked: unknown[] }>(synced);
    expect(report.revoked).toEqual([]);
    expect(report.rejected).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ from: mallory.jid, reason: expect.stringMatching(/not the origin/) }),
      ]),
    );

    const listed = await list(bob, node);
    expect(listed.secrets.find((s) => s.id === genuine.id)).toMatchObject({
      origin: alice.jid,
      revoked: false,
    });
    expect(listed.secrets.find((s) => s.id === genuine.id)?.candidate).toBeUndefined();
    expect(listed.conflict?.origins).toEqual([alice.jid, mallory.jid].sort());
    expect((await fetchAll(bob, node)).items.map((i) => i.status)).toEqual(['decrypted']);

    const unconfirmed = await bob.run(['secret', 'forget', '-s', PUBSUB, '-n', node]);
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stderr).toMatch(/--yes/);
    const forgot = await bob.run(['--json', 'secret', 'forget', '-s', PUBSUB, '-n', node, '--yes']);
    expect(forgot.code, forgot.stderr).toBe(0);
    // an unknown node is listed empty, or "not found" (exit 3)
    const gone = await bob.run(['--json', 'secret', 'list', '-s', PUBSUB, '-n', node]);
    expect(gone.code === 3 || json<Listed>(gone).secrets.length === 0, gone.stdout + gone.stderr).toBe(true);
    expect((await fetchAll(bob, node)).items[0]).toMatchObject({
      status: 'failed',
      reason: expect.stringMatching(/not shared with us/),
    });
  });

  it("#12.4 alice's encrypt-node does not adopt a secret a squatter sent her before the node existed", async () => {
    const node = `urn:example:squat-owner:${stamp}`;
    await sendOx(mallory, alice, [[squat(PUBSUB, node, 'MALLORYTOALICE00000000')]]);
    const made = await alice.run(['--json', 'encrypt-node', '-s', PUBSUB, '-n', node]);
    expect(made.code, made.stderr).toBe(0);
    const result = json<{ secret: { id: string; origin: string }; newSecret: boolean }>(made);
    expect(result.secret.origin).toBe(alice.jid);
    expect(result.newSecret).toBe(true);
    expect(made.stderr).toContain(mallory.jid);
    const published = json<{ secretId: string }>(
      await alice.run(['--json', 'publish', '-s', PUBSUB, '-n', node, '-'], {
        input: "<note xmlns='urn:example:notes'>x</note>",
      }),
    );
    expect(published.secretId).toBe(result.secret.id);
  });

  it("#12.4 alice's publish on a node she owns refuses a squatter's secret that came first, naming whose it is", async () => {
    const node = `urn:example:squat-publish:${stamp}`;
    await sendOx(mallory, alice, [[squat(PUBSUB, node, 'MALLORYPUBLISH00000000')]]);
    expect((await alice.run(['sync'])).code).toBe(0);
    await withUser(alice, async (ctx) =>
      createNode(await ctx.session(), PUBSUB, node, { 'pubsub#access_model': 'whitelist' }),
    );
    const published = await alice.run(['--json', 'publish', '-s', PUBSUB, '-n', node, '-'], {
      input: "<note xmlns='urn:example:notes'>x</note>",
    });
    expect(published.code).not.toBe(0);
    expect(published.stderr).toContain(mallory.jid);
    expect(published.stdout).not.toContain('MALLORYPUBLISH');
  });
});

describe('a stranger bloating our state (#12.8)', () => {
  it('#12.8 many secrets in one message and many nodes from one sender are dropped, with a one-line summary each', async () => {
    const [bob, mallory] = (await TestUser.createMany(['bob', 'mallory'])) as [TestUser, TestUser];
    for (const user of [bob, mallory]) {
      await user.addProfile();
      expect((await user.run(['key', 'generate'])).code).toBe(0);
    }
    const own = (i: number) =>
      squat(mallory.jid, `urn:example:bloat:${i}`, `BLOAT${String(i).padStart(17, '0')}`);
    // one message with 40 secrets, then six with 8 each: 88 nodes offered
    const messages = [
      Array.from({ length: 40 }, (_, i) => own(i)),
      ...Array.from({ length: 6 }, (_, m) => Array.from({ length: 8 }, (_, i) => own(100 + m * 8 + i))),
    ];
    await sendOx(mallory, bob, messages);
    const synced = await bob.run(['--json', 'sync']);
    expect(synced.code, synced.stderr).toBe(0);
    const report = json<{
      accepted: unknown[];
      rejected: Array<{ from: string; reason: string; count?: number }>;
    }>(synced);
    expect(report.accepted.length).toBeLessThanOrEqual(32);
    expect(report.rejected.length).toBeLessThanOrEqual(3);
    expect(report.rejected.every((r) => r.from === mallory.jid)).toBe(true);
    const reasons = report.rejected.map((r) => r.reason).join('\n');
    expect(reasons).toMatch(/at most 8/);
    expect(reasons).toMatch(/32 nodes/);
    expect(report.rejected.reduce((sum, r) => sum + (r.count ?? 1), 0)).toBe(88 - report.accepted.length);
    expect(synced.stderr.split('\n').filter((l) => l.includes(mallory.jid)).length).toBeLessThanOrEqual(3);
    const nodes = await withUser(bob, async (ctx) => Object.keys((await ctx.state()).data.nodes).length);
    expect(nodes).toBeLessThanOrEqual(32);
    // the nodes that were kept work as before
    const kept = await bob.run(['--json', 'secret', 'list', '-s', mallory.jid, '-n', 'urn:example:bloat:0']);
    expect(json<Listed>(kept).secrets).toHaveLength(1);
  });
});

describe('node squatting where the service names the owner (#12.4, ejabberd)', () => {
  it("#12.4 the owner's secret replaces a squatter's that came first, and a later squatter is refused", async () => {
    // ejabberd lists pubsub#owner in a node's disco#info meta-data (Prosody 0.12 does not)
    const [owner, bob, mallory] = (await TestUser.createMany(['owner', 'bob', 'mallory'], {
      server: 'ejabberd',
    })) as [TestUser, TestUser, TestUser];
    for (const user of [owner, bob, mallory]) {
      await user.addProfile();
      expect((await user.run(['key', 'generate'])).code).toBe(0);
    }
    const PUBSUB = 'pubsub.localhost';
    const node = `urn:example:squat-owner-named:${Date.now()}`;
    await sendOx(mallory, bob, [[squat(PUBSUB, node, 'MALLORYEJABBERD0000000')]]);
    expect((await bob.run(['sync'])).code).toBe(0);
    expect((await owner.run(['encrypt-node', '-s', PUBSUB, '-n', node])).code).toBe(0);
    expect(
      (
        await owner.run(['publish', '-s', PUBSUB, '-n', node, '-'], {
          input: "<note xmlns='urn:example:notes'>owned</note>",
        })
      ).code,
    ).toBe(0);
    expect((await owner.run(['secret', 'share', '-s', PUBSUB, '-n', node, bob.jid])).code).toBe(0);

    const synced = json<{
      accepted: Array<{ from: string }>;
      rejected: Array<{ from: string; reason: string }>;
      conflicts?: unknown[];
    }>(await bob.run(['--json', 'sync']));
    expect(synced.accepted.map((a) => a.from)).toEqual([owner.jid]);
    expect(synced.conflicts).toBeUndefined();
    expect(synced.rejected).toEqual([
      expect.objectContaining({ from: mallory.jid, reason: expect.stringMatching(/names .* as an owner/) }),
    ]);

    await sendOx(mallory, bob, [[squat(PUBSUB, node, 'MALLORYEJABBERD1111111')]]);
    const again = json<{ rejected: Array<{ from: string; reason: string }> }>(
      await bob.run(['--json', 'sync']),
    );
    expect(again.rejected).toEqual([
      expect.objectContaining({ from: mallory.jid, reason: expect.stringMatching(/not the origin/) }),
    ]);
    const listed = json<Listed>(await bob.run(['--json', 'secret', 'list', '-s', PUBSUB, '-n', node]));
    expect(listed.secrets.map((s) => s.origin)).toEqual([owner.jid]);
    expect(listed.conflict).toBeUndefined();
    const fetched = json<Fetched>(await bob.run(['--json', 'fetch', '-s', PUBSUB, '-n', node]));
    expect(fetched.items.map((i) => i.status)).toEqual(['decrypted']);
  });
});
