// Hostile input from the server or from contacts: each case ends in a clear error or a
// reported, skipped item — never a crash, a hang, or content shown as if it were genuine.
import { describe, expect, it, beforeAll } from 'vitest';
import { randomBytes } from 'node:crypto';
import xml, { type Element } from '@xmpp/xml';
import { TestUser, json, ok } from '../helpers/cli.js';
import { withUser } from '../helpers/inProcess.js';
import { encryptItem } from '../../src/crypto/itemCipher.js';
import { publishIq } from '../../src/protocol/pubsub/publish.js';
import { itemsIq, parseItemsResult } from '../../src/protocol/pubsub/items.js';
import { buildEncrypted, parseEncrypted } from '../../src/protocol/oxps/encrypted.js';
import { buildOxMessage } from '../../src/app/ox/messaging.js';
import { buildPublicKeysList, publicKeyNode, PUBLIC_KEYS_LIST_NODE, PUBLIC_KEY_PUBLISH_OPTIONS } from '../../src/protocol/ox/publicKeys.js';
import { publishWithOptions } from '../../src/app/pubsubNode.js';
import { NS } from '../../src/protocol/namespaces.js';

interface Fetched {
  items: Array<{ id: string; status: string; reason?: string; xml?: string }>;
}

describe('hostile items', () => {
  let alice: TestUser;
  let bob: TestUser;
  const node = `urn:example:hostile:${Date.now()}`;
  let secrets: Array<{ id: string; key: string }>;

  beforeAll(async () => {
    [alice, bob] = (await TestUser.createMany(['alice', 'bob'])) as [TestUser, TestUser];
    for (const user of [alice, bob]) {
      await user.addProfile();
      ok(await user.run(['key', 'generate']));
    }
    ok(await alice.run(['encrypt-node', '-n', node]));
    ok(await alice.run(['publish', '-n', node, '-i', 'genuine', '-'], { input: "<note xmlns='urn:example'>genuine</note>" }));
    ok(await alice.run(['secret', 'rotate', '-n', node]));
    ok(await alice.run(['secret', 'share', '-n', node, bob.jid]));
    ok(await bob.run(['sync']));
    secrets = json<{ secrets: Array<{ id: string; key: string; revoked: boolean }> }>(await alice.run(['--json', 'secret', 'list', '-n', node, '--show-secrets'])).secrets;
    expect(secrets).toHaveLength(2);
  });

  async function publishRaw(id: string, payload: Element | Element[]): Promise<void> {
    await withUser(alice, async (ctx) => {
      const session = await ctx.session();
      const iq = publishIq(alice.jid, node, id, Array.isArray(payload) ? payload[0]! : payload);
      if (Array.isArray(payload)) {
        const item = iq.getChild('pubsub')!.getChild('publish')!.getChild('item')!;
        item.children = [];
        item.append(...payload);
      }
      await session.iq(iq, 'publishing a hostile item');
    });
  }

  async function encrypted(secret: { id: string; key: string }, plaintext: string, keyAttr = secret.id): Promise<Element> {
    return buildEncrypted({ secretId: keyAttr, ciphertext: await encryptItem(Buffer.from(plaintext), secret.key) });
  }

  it('reports each bad item with its reason, keeps the genuine ones, exits 9', async () => {
    const [older, newer] = secrets as [{ id: string; key: string }, { id: string; key: string }];
    const genuine = await withUser(alice, async (ctx) => parseItemsResult(await (await ctx.session()).iq(itemsIq(alice.jid, node, { ids: ['genuine'] }), 'test')).items[0]!);
    const tampered = parseEncrypted(genuine.payload!);
    tampered.ciphertext[tampered.ciphertext.length - 4] = tampered.ciphertext[tampered.ciphertext.length - 4]! ^ 0x01;
    await publishRaw('tampered', buildEncrypted(tampered));
    await publishRaw('wrong-secret', await encrypted(older, "<note xmlns='urn:example'>x</note>", newer.id));
    await publishRaw('unknown-secret', await encrypted(newer, "<note xmlns='urn:example'>x</note>", 'UNKNOWNSECRET000000000'));
    await publishRaw('bad-base64', xml('encrypted', { xmlns: NS.oxps, key: newer.id }, 'not*base64!'));
    await publishRaw('not-xml', await encrypted(newer, '<note xmlns="urn:example"><open></note>'));
    await publishRaw('doctype', await encrypted(newer, '<!DOCTYPE note [<!ENTITY boom "boom">]><note xmlns="urn:example">&boom;</note>'));
    // Prosody itself refuses an item with two payloads (oxps's reading of one is unit-tested)
    await expect(publishRaw('two-payloads', [await encrypted(newer, "<note xmlns='urn:example'>a</note>"), await encrypted(newer, "<note xmlns='urn:example'>b</note>")])).rejects.toThrow(/bad-request/);
    await publishRaw('huge', xml('encrypted', { xmlns: NS.oxps, key: newer.id }, randomBytes(7_500_000).toString('base64')));

    const result = await bob.run(['--json', 'fetch', '-s', alice.jid, '-n', node, '--all']);
    expect(result.code, result.stderr).toBe(9);
    const byId = Object.fromEntries(json<Fetched>(result).items.map((i) => [i.id, i]));
    expect(byId.genuine).toMatchObject({ status: 'decrypted', xml: '<note xmlns="urn:example">genuine</note>' });
    const reasons: Record<string, RegExp> = {
      tampered: /integrity check failed/,
      'wrong-secret': /integrity check failed|wrong secret/,
      'unknown-secret': /unknown secret UNKNOWNSECRET/,
      'bad-base64': /not valid base64/,
      'not-xml': /not well-formed XML/,
      doctype: /DOCTYPE/,
      huge: /too large/,
    };
    for (const [id, reason] of Object.entries(reasons)) {
      expect(byId[id], id).toMatchObject({ status: 'failed' });
      expect(byId[id]!.reason, id).toMatch(reason);
    }
  });
});

describe('hostile secret messages', () => {
  let alice: TestUser;
  let bob: TestUser;
  const node = `urn:example:hostile-messages:${Date.now()}`;

  beforeAll(async () => {
    [alice, bob] = (await TestUser.createMany(['alice', 'bob'])) as [TestUser, TestUser];
    for (const user of [alice, bob]) {
      await user.addProfile();
      ok(await user.run(['key', 'generate']));
    }
  });

  async function send(elements: Element[]): Promise<void> {
    await withUser(alice, async (ctx) => {
      const session = await ctx.session();
      const keyring = await ctx.keyring();
      const keys = [...(await keyring.usableKeys(bob.jid, 'encrypt to', true)), ...(await keyring.ownEncryptionKeys())];
      for (const element of elements) await session.send(await buildOxMessage(ctx, bob.jid, [element], keys));
      await session.roundTrip();
    });
  }

  const secret = (attrs: Record<string, string | undefined>, key: string) =>
    xml('shared-secret', { xmlns: NS.oxps, jid: alice.jid, node, id: randomBytes(8).toString('hex'), timestamp: new Date().toISOString().slice(0, 19) + 'Z', ...attrs }, key);

  it('rejects incomplete, empty and future-dated secrets; accepts a short one with a warning', async () => {
    await send([
      secret({ node: undefined }, 'x'.repeat(86)),
      secret({ timestamp: undefined }, 'x'.repeat(86)),
      secret({}, ''),
      secret({ timestamp: new Date(Date.now() + 3600_000).toISOString().slice(0, 19) + 'Z' }, 'y'.repeat(86)),
      secret({ id: 'SHORTSECRET' }, 'short'),
      xml('unexpected', { xmlns: 'urn:example:other' }, 'ignored'),
    ]);
    const result = await bob.run(['--json', 'sync']);
    expect(result.code, result.stderr).toBe(0);
    const report = json<{ rejected: Array<{ reason: string }>; accepted: Array<{ secretId: string }> }>(result);
    const reasons = report.rejected.map((r) => r.reason).join('\n');
    expect(reasons).toMatch(/lacks node/);
    expect(reasons).toMatch(/lacks timestamp/);
    expect(reasons).toMatch(/empty secret/);
    expect(reasons).toMatch(/in the future/);
    expect(report.accepted.map((a) => a.secretId)).toEqual(['SHORTSECRET']);
    expect(result.stderr).toMatch(/SHORTSECRET is only 5 characters long/);
  });
});

describe('hostile public keys', () => {
  it("a 1,000-entry key list and a key that does not parse are skipped with warnings", async () => {
    const [mallory, bob] = (await TestUser.createMany(['mallory', 'bob'])) as [TestUser, TestUser];
    for (const user of [mallory, bob]) await user.addProfile();
    ok(await mallory.run(['key', 'generate']));
    const real = json<{ keys: Array<{ fingerprint: string; created: string }> }>(await mallory.run(['--json', 'key', 'list'])).keys[0]!;
    const garbage = randomBytes(20).toString('hex').toUpperCase();
    await withUser(mallory, async (ctx) => {
      const session = await ctx.session();
      await publishWithOptions(session, mallory.jid, publicKeyNode(garbage), real.created, xml('pubkey', { xmlns: NS.ox }, xml('data', {}, randomBytes(300).toString('base64'))), PUBLIC_KEY_PUBLISH_OPTIONS);
      const entries = [{ fingerprint: real.fingerprint, date: real.created }, { fingerprint: garbage, date: real.created }];
      for (let i = 0; i < 998; i++) entries.push({ fingerprint: randomBytes(20).toString('hex').toUpperCase(), date: real.created });
      await publishWithOptions(session, mallory.jid, PUBLIC_KEYS_LIST_NODE, 'current', buildPublicKeysList(entries), PUBLIC_KEY_PUBLISH_OPTIONS);
    });
    const listed = await bob.run(['--json', 'key', 'list', mallory.jid], { timeoutMs: 120_000 });
    expect(listed.code, listed.stderr).toBe(0);
    expect(json<{ keys: Array<{ fingerprint: string }> }>(listed).keys.map((k) => k.fingerprint)).toEqual([real.fingerprint]);
    expect(listed.stderr).toMatch(/968 entries ignored/);
    expect(listed.stderr).toContain(`key ${garbage} ignored`);
  });
});
