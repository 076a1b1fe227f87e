// The same encrypt-node / publish / fetch / share / rotate scenario on both servers, on a PEP
// node and on a node of the pubsub.localhost service.
import { describe, expect, it, beforeAll } from 'vitest';
import { TestUser, json, type ServerKind } from '../helpers/cli.js';
import { withUser } from '../helpers/inProcess.js';
import { nodeAffiliations, nodeConfiguration } from '../../src/app/pubsubNode.js';

interface Fetched {
  items: Array<{ id: string; status: string; xml?: string }>;
}

const SERVERS: ServerKind[] = ['prosody', 'ejabberd'];

describe.each(SERVERS)('on %s', (server) => {
  let owner: TestUser;
  let bob: TestUser;
  let carol: TestUser;

  beforeAll(async () => {
    // On Prosody only admins may create nodes on pubsub.localhost, and the harness makes the
    // fixed account alice its only admin (admins bypass access models: readers never are).
    owner =
      server === 'prosody'
        ? await TestUser.create('alice', { shared: true, server })
        : await TestUser.create('owner', { server });
    const readers = await TestUser.createMany(['bob', 'carol'], { server });
    bob = readers[0]!;
    carol = readers[1]!;
    for (const user of [owner, bob, carol]) {
      await user.addProfile();
      const generated = await user.run(['key', 'generate']);
      expect(generated.code, generated.stderr).toBe(0);
    }
  });

  describe.each([
    ['PEP', undefined],
    ['pubsub.localhost', 'pubsub.localhost'],
  ])('node on %s', (_label, component) => {
    const node = `urn:example:matrix:${server}:${component ?? 'pep'}:${Date.now()}`;
    let service: string;
    const s = () => ['-s', service];

    async function publish(text: string): Promise<string> {
      const result = await owner.run(['--json', 'publish', ...s(), '-n', node, '-'], {
        input: `<entry xmlns='http://www.w3.org/2005/Atom'><title>${text}</title></entry>`,
      });
      expect(result.code, result.stderr).toBe(0);
      return json<{ id: string }>(result).id;
    }

    async function fetchAs(user: TestUser) {
      return user.run(['--json', 'fetch', ...s(), '-n', node, '--all']);
    }

    it('encrypt-node makes a whitelist node with a secret', async () => {
      service = component ?? owner.jid;
      const made = await owner.run(['--json', 'encrypt-node', ...s(), '-n', node]);
      expect(made.code, made.stderr).toBe(0);
      const config = await withUser(owner, async (ctx) =>
        nodeConfiguration(await ctx.session(), service, node),
      );
      expect(config?.['pubsub#access_model']).toBe('whitelist');
    });

    it('publish then fetch gives back the payload', async () => {
      await publish('one');
      const fetched = json<Fetched>(await fetchAs(owner));
      expect(fetched.items.map((i) => i.xml)).toEqual([
        '<entry xmlns="http://www.w3.org/2005/Atom"><title>one</title></entry>',
      ]);
    });

    it('share: bob and carol sync and read', async () => {
      const shared = await owner.run(['secret', 'share', ...s(), '-n', node, bob.jid, carol.jid]);
      expect(shared.code, shared.stderr).toBe(0);
      for (const reader of [bob, carol]) {
        expect((await reader.run(['sync'])).code).toBe(0);
        const fetched = await fetchAs(reader);
        expect(fetched.code, fetched.stderr).toBe(0);
        expect(json<Fetched>(fetched).items.map((i) => i.status)).toEqual(['decrypted']);
      }
    });

    it('rotate --remove carol: bob reads old and new, carol is off the whitelist', async () => {
      const rotated = await owner.run([
        '--json',
        'secret',
        'rotate',
        ...s(),
        '-n',
        node,
        '--remove',
        carol.jid,
      ]);
      expect(rotated.code, rotated.stderr).toBe(0);
      await publish('two');
      expect((await bob.run(['sync'])).code).toBe(0);
      const bobRead = json<Fetched>(await fetchAs(bob));
      expect(bobRead.items.map((i) => i.status)).toEqual(['decrypted', 'decrypted']);
      const affiliations = await withUser(owner, async (ctx) =>
        nodeAffiliations(await ctx.session(), service, node),
      );
      expect(affiliations.get(carol.jid) ?? 'none').toBe('none');
      const carolRead = await fetchAs(carol);
      expect(carolRead.code).toBe(7);
    });
  });
});
