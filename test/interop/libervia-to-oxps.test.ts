// Libervia → oxps: alice (Libervia 0.9) encrypts her blog node and shares, rotates and revokes
// its secret; carol (oxps) reads what Libervia wrote. mallory (Libervia) then tries to slip
// carol a secret of her own for alice's node.
import { beforeAll, describe, expect, it } from 'vitest';
import { parseXmlElement } from '../../src/protocol/xml.js';
import { OxpsDevice, childText, freshNode, jidOf, li, liberviaSecrets, type FetchedItem } from './helpers.js';

const alice = jidOf('alice');
const mallory = jidOf('mallory');

/** `li blog set -e`: an encrypted Atom entry (`pubsub set --encrypt` publishes plaintext in 0.9). */
async function blogPost(node: string, title: string, body: string, service?: string): Promise<string> {
  const result = await li(
    ['blog', 'set', '-p', 'alice', ...(service ? ['-s', service] : []), '-n', node, '-T', title, '-e'],
    { input: `${body}\n` },
  );
  const id = /Item published with ID (\S+)/.exec(result.stdout)?.[1];
  if (!id) throw new Error(`no item id in: ${result.stdout}`);
  return id;
}

/** carol's `oxps fetch`: every item must be decrypted; returns [id, title, text content, secret]. */
async function carolReads(carol: OxpsDevice, service: string, node: string) {
  const fetched = await carol.json<{ items: FetchedItem[]; counts: Record<string, number> }>([
    'fetch',
    '-s',
    service,
    '-n',
    node,
    '--all',
  ]);
  for (const item of fetched.items)
    expect(item, `item ${item.id}: ${item.status === 'failed' ? item.reason : ''}`).toMatchObject({
      status: 'decrypted',
    });
  return fetched.items.map((item) => {
    if (item.status !== 'decrypted') throw new Error(`item ${item.id} is ${item.status}`);
    const entry = parseXmlElement(item.xml, 'decrypted item');
    expect([entry.name, entry.getNS()]).toEqual(['entry', 'http://www.w3.org/2005/Atom']);
    const text = entry
      .getChildren('content')
      .find((c) => c.attrs.type === 'text')
      ?.getText();
    return {
      id: item.id,
      title: childText(entry, 'title'),
      text,
      secretId: item.secretId,
      secretRevoked: item.secretRevoked,
    };
  });
}

describe('Libervia → oxps (alice publishes, carol reads)', () => {
  const carol = new OxpsDevice('carol');
  const node = freshNode('libervia-blog');
  const titles = ['post one — café', 'post two after rotate'];
  const bodies = ['hello carol: "quoted", it\'s ünïcode ✓', 'the second post, with the new secret'];
  const ids: string[] = [];
  let firstSecret: string;
  let secondSecret: string;

  beforeAll(async () => {
    ids.push(await blogPost(node, titles[0]!, bodies[0]!));
    // Libervia creates the node with PEP's default access model, "presence": carol, who shares no
    // presence with alice, would be refused. XEP-0473 says encrypted nodes SHOULD be whitelist
    // nodes, and Libervia's `secret share` does not whitelist anyone: alice does it by hand.
    await li([
      'pubsub',
      'node',
      'set',
      '-p',
      'alice',
      '-n',
      node,
      '-f',
      'access_model',
      'whitelist',
      '-f',
      'max_items',
      '20',
    ]);
    await li(['pubsub', 'node', 'affiliations', 'set', '-p', 'alice', '-n', node, '-a', carol.jid, 'member']);
  });

  it('alice shares her secret; carol syncs and decrypts the Atom entry', async () => {
    await li(['pubsub', 'secret', 'share', '-p', 'alice', '-n', node, carol.jid]);
    const [aliceSecret] = await liberviaSecrets('alice', alice, node);
    firstSecret = aliceSecret!.id;

    const report = await carol.syncUntil(node, (r) => r.accepted.length > 0);
    expect(report.rejected).toEqual([]);
    expect(report.accepted).toEqual([
      { from: alice, service: alice, node, secretId: firstSecret, revoked: false, firstUse: true },
    ]);

    expect(await carolReads(carol, alice, node)).toEqual([
      { id: ids[0], title: titles[0], text: bodies[0], secretId: firstSecret, secretRevoked: false },
    ]);
    const [known] = await carol.secrets(alice, node);
    expect(known).toMatchObject({ id: firstSecret, origin: alice, revoked: false });
  });

  it('alice rotates and posts again; carol reads the old and the new item', async () => {
    await li(['pubsub', 'secret', 'rotate', '-p', 'alice', '-n', node]);
    ids.push(await blogPost(node, titles[1]!, bodies[1]!));
    const aliceSecrets = await liberviaSecrets('alice', alice, node);
    secondSecret = aliceSecrets.find((s) => !s.revoked)!.id;
    expect(aliceSecrets.map((s) => [s.id, s.revoked])).toEqual([
      [firstSecret, true],
      [secondSecret, false],
    ]);

    // Libervia sends one <revoke> message, then one <shared-secret> message
    const report = await carol.syncUntil(node, (r) => r.accepted.length > 0 && r.revoked.length > 0);
    expect(report.rejected).toEqual([]);
    expect(report.revoked).toEqual([{ from: alice, service: alice, node, secretId: firstSecret }]);
    expect(report.accepted).toEqual([
      { from: alice, service: alice, node, secretId: secondSecret, revoked: false, firstUse: false },
    ]);

    const items = await carolReads(carol, alice, node);
    expect(items.sort((a, b) => ids.indexOf(a.id) - ids.indexOf(b.id))).toEqual([
      { id: ids[0], title: titles[0], text: bodies[0], secretId: firstSecret, secretRevoked: true },
      { id: ids[1], title: titles[1], text: bodies[1], secretId: secondSecret, secretRevoked: false },
    ]);
  });

  it("alice revokes the current secret; carol's secret list marks it revoked", async () => {
    const revoked = await li(['pubsub', 'secret', 'revoke', '-p', 'alice', '-n', node, secondSecret]);
    // Libervia 0.9 prints its f-string unformatted: "secret {self.args.secret_id} has been revoked."
    expect(revoked.stdout).toMatch(/has been revoked/);
    const report = await carol.syncUntil(node, (r) => r.revoked.length > 0);
    expect(report.revoked).toEqual([{ from: alice, service: alice, node, secretId: secondSecret }]);

    const known = await carol.secrets(alice, node);
    expect(known.map((s) => [s.id, s.origin, s.revoked])).toEqual([
      [firstSecret, alice, true],
      [secondSecret, alice, true],
    ]);
    // the same as alice's own view in Libervia
    expect((await liberviaSecrets('alice', alice, node)).map((s) => [s.id, s.revoked])).toEqual([
      [firstSecret, true],
      [secondSecret, true],
    ]);
  });

  it("rejects the secret mallory (Libervia) sends for alice's node; carol's secrets stay as they were", async () => {
    const before = await carol.secrets(alice, node);
    // Libervia knows no secret of that node for mallory, so it makes one (origin mallory) and sends it
    await li(['pubsub', 'secret', 'share', '-p', 'mallory', '-s', alice, '-n', node, carol.jid]);
    const [forged] = await liberviaSecrets('mallory', alice, node);
    expect(forged).toMatchObject({ origin: mallory });

    const report = await carol.syncUntil(node, (r) => r.rejected.length > 0 || r.accepted.length > 0);
    expect(report.accepted).toEqual([]);
    expect(report.rejected).toEqual([
      expect.objectContaining({
        from: mallory,
        service: alice,
        node,
        reason: expect.stringMatching(/not the origin/),
      }),
    ]);
    expect(await carol.secrets(alice, node)).toEqual(before);
    expect(before.map((s) => s.id)).not.toContain(forged!.id);
  });

  it('reads a Libervia node on the pubsub.localhost component', async () => {
    const service = `pubsub.${alice.split('@')[1]}`;
    const componentNode = freshNode('libervia-component');
    const id = await blogPost(componentNode, 'component post', 'on pubsub.localhost', service);
    await li(['pubsub', 'secret', 'share', '-p', 'alice', '-s', service, '-n', componentNode, carol.jid]);
    const [secret] = await liberviaSecrets('alice', service, componentNode);
    const report = await carol.syncUntil(componentNode, (r) => r.accepted.length > 0);
    expect(report.accepted).toEqual([
      { from: alice, service, node: componentNode, secretId: secret!.id, revoked: false, firstUse: true },
    ]);
    expect(await carolReads(carol, service, componentNode)).toEqual([
      {
        id,
        title: 'component post',
        text: 'on pubsub.localhost',
        secretId: secret!.id,
        secretRevoked: false,
      },
    ]);
  });
});
