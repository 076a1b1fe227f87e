// #17.2: a batch never reports items the node does not keep. A node keeps at most
// pubsub#max_items items (PEP nodes are made with 1 on both servers; the harness caps Prosody's
// PEP at 256, its pubsub.localhost at 100000): oxps raises the setting where it owns the node,
// refuses what still does not fit before sending anything, and counts what the node holds.
import { describe, expect, it, beforeAll } from 'vitest';
import xml from '@xmpp/xml';
import { TestUser, json, ok, type ServerKind } from '../helpers/cli.js';
import { withUser } from '../helpers/inProcess.js';
import { nodeConfiguration } from '../../src/app/pubsubNode.js';
import { publishIq } from '../../src/protocol/pubsub/publish.js';

function jsonl(count: number, tag: string): string {
  return Array.from({ length: count }, (_, i) =>
    JSON.stringify({
      payload: `<entry xmlns='http://www.w3.org/2005/Atom'><title>${tag} ${i}</title></entry>`,
    }),
  ).join('\n');
}

async function itemCount(user: TestUser, service: string, node: string): Promise<number> {
  const fetched = await user.run(['--json', 'fetch', '-s', service, '-n', node, '--all']);
  expect(fetched.code, fetched.stderr).toBe(0);
  return json<{ items: unknown[] }>(fetched).items.length;
}

describe.each<ServerKind>(['prosody', 'ejabberd'])('on %s', (server) => {
  let owner: TestUser;

  beforeAll(async () => {
    owner =
      server === 'prosody'
        ? await TestUser.create('alice', { shared: true, server })
        : await TestUser.create('owner', { server });
    await owner.addProfile();
    ok(await owner.run(['key', 'generate']));
  });

  it('#17.2 a batch to a new PEP node is kept whole (max_items raised from the default 1)', async () => {
    const node = `urn:example:cap:pep:${Date.now()}`;
    const published = await owner.run(['--json', 'publish', '--plaintext', '-n', node, '--jsonl', '-'], {
      input: jsonl(40, 'pep'),
    });
    expect(published.code, published.stderr).toBe(0);
    expect(json<{ held: number }>(published).held).toBe(40);
    expect(await itemCount(owner, owner.jid, node)).toBe(40);
  });

  it('#17.2 a batch to a new node on pubsub.localhost is kept whole', async () => {
    const node = `cap-component-${Date.now()}`;
    const published = await owner.run(
      ['--json', 'publish', '--plaintext', '-s', 'pubsub.localhost', '-n', node, '--jsonl', '-'],
      { input: jsonl(100, 'component') },
    );
    expect(published.code, published.stderr).toBe(0);
    expect(await itemCount(owner, 'pubsub.localhost', node)).toBe(100);
  });

  it('#17.2 encrypt-node raises the max_items of an existing node that keeps 1 item', async () => {
    const node = `urn:example:cap:convert:${Date.now()}`;
    await withUser(owner, async (ctx) => {
      await (
        await ctx.session()
      ).iq(
        publishIq(owner.jid, node, 'first', xml('entry', { xmlns: 'http://www.w3.org/2005/Atom' })),
        'making a default PEP node',
      );
    });
    ok(await owner.run(['encrypt-node', '-n', node, '--yes']));
    const config = await withUser(owner, async (ctx) =>
      nodeConfiguration(await ctx.session(), owner.jid, node),
    );
    expect(config?.['pubsub#max_items']).toBe('max');
  });
});

describe('over the service cap (Prosody PEP: 256)', () => {
  it('#17.2 is refused before sending, and with --allow-drop reports what the node holds', async () => {
    const owner = await TestUser.create('capped');
    await owner.addProfile();
    ok(await owner.run(['key', 'generate']));
    const node = `urn:example:cap:over:${Date.now()}`;
    const input = jsonl(300, 'over');
    const refused = await owner.run(['publish', '--plaintext', '-n', node, '--jsonl', '-'], { input });
    expect(refused.code).toBe(7);
    expect(refused.stderr).toMatch(/keeps at most 256 items/);
    expect(refused.stderr).toMatch(/--allow-drop/);
    expect(refused.stdout).toBe('');
    expect(await itemCount(owner, owner.jid, node)).toBe(0);

    const dropped = await owner.run(['publish', '--plaintext', '-n', node, '--jsonl', '-', '--allow-drop'], {
      input,
    });
    expect(dropped.code, dropped.stderr).toBe(0);
    expect(dropped.stdout).toMatch(/^✔ 256 items .*holds only 256 of them/);
    expect(dropped.stdout).not.toMatch(/300 items/);
    expect(await itemCount(owner, owner.jid, node)).toBe(256);
  });
});
