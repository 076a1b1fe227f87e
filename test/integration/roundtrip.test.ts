// The first OXPS round trip for one account on its own PEP node, against the real Prosody.
import { describe, expect, it, beforeAll } from 'vitest';
import { TestUser, json } from '../helpers/cli.js';
import { canonicalXml, parseXmlElement } from '../../src/protocol/xml.js';

const PAYLOAD = `<entry xmlns='http://www.w3.org/2005/Atom'><title type="text">Héllo "world" &amp; 'friends'</title>
  <content>line one\nline two \\ backslash 🎉</content></entry>`;

describe('encrypt-node, publish, fetch on PEP', () => {
  let alice: TestUser;
  const node = `urn:example:roundtrip:${Date.now()}`;

  beforeAll(async () => {
    alice = await TestUser.create('alice');
    await alice.addProfile();
  });

  it('creates a whitelist node with a first secret', async () => {
    const result = await alice.run(['--json', 'encrypt-node', '-n', node]);
    expect(result.code, result.stderr).toBe(0);
    const body = json<{ created: boolean; newSecret: boolean; secret: { id: string; origin: string } }>(
      result,
    );
    expect(body.created).toBe(true);
    expect(body.newSecret).toBe(true);
    expect(body.secret.id).toMatch(/^[2-9A-HJ-NP-Za-km-z]{22}$/);
    expect(body.secret.origin).toBe(alice.jid);
  });

  it('publishes an encrypted item and fetches the same payload back', async () => {
    const published = await alice.run(['--json', 'publish', '-n', node, '-'], { input: PAYLOAD });
    expect(published.code, published.stderr).toBe(0);
    const { id, encrypted } = json<{ id: string; encrypted: boolean }>(published);
    expect(encrypted).toBe(true);
    expect(id).toMatch(/^[A-Za-z0-9_-]{16}$/);

    const fetched = await alice.run(['--json', 'fetch', '-n', node, '-i', id]);
    expect(fetched.code, fetched.stderr).toBe(0);
    const { items } = json<{ items: Array<{ id: string; status: string; xml: string }> }>(fetched);
    expect(items).toHaveLength(1);
    expect(items[0]!.status).toBe('decrypted');
    expect(canonicalXml(parseXmlElement(items[0]!.xml, 'fetched'))).toBe(
      canonicalXml(parseXmlElement(PAYLOAD, 'sent')),
    );
  });

  it('lists the secret without its key unless asked', async () => {
    const listed = json<{ secrets: Array<{ key?: string; revoked: boolean }> }>(
      await alice.run(['--json', 'secret', 'list', '-n', node]),
    );
    expect(listed.secrets).toHaveLength(1);
    expect(listed.secrets[0]!.key).toBeUndefined();
    const shown = json<{ secrets: Array<{ key?: string }> }>(
      await alice.run(['--json', 'secret', 'list', '-n', node, '--show-secrets']),
    );
    expect(shown.secrets[0]!.key).toMatch(/^[A-Za-z0-9_-]{86}$/);
  });

  it('#12.16 secret list of a node oxps knows nothing of is "not found" (exit 3) with a hint', async () => {
    const unknown = await alice.run(['secret', 'list', '-n', `${node}:typo`]);
    expect(unknown.code).toBe(3);
    expect(unknown.stdout).toBe('');
    expect(unknown.stderr).toMatch(/knows no secret of node .*:typo/);
    expect(unknown.stderr).toMatch(/oxps sync/);
    const asJson = await alice.run(['--json', 'secret', 'list', '-n', `${node}:typo`]);
    expect(JSON.parse(asJson.stderr.trim().split('\n').pop()!)).toEqual({
      error: expect.objectContaining({ code: 'NODE_NOT_FOUND', exitCode: 3 }),
    });
  });
});
