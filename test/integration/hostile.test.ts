// Hostile input from the server or from contacts: each case ends in a clear error or a
// reported, skipped item — never a crash, a hang, or content shown as if it were genuine.
import { describe, expect, it, beforeAll } from 'vitest';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as openpgp from 'openpgp';
import xml, { type Element } from '@xmpp/xml';
import { BIN, TestUser, json, ok, runNode, type RunResult } from '../helpers/cli.js';
import { withUser } from '../helpers/inProcess.js';
import { encryptItem } from '../../src/crypto/itemCipher.js';
import { publishIq } from '../../src/protocol/pubsub/publish.js';
import { itemsIq, parseItemsResult } from '../../src/protocol/pubsub/items.js';
import { buildEncrypted, parseEncrypted } from '../../src/protocol/oxps/encrypted.js';
import { buildOxMessage } from '../../src/app/ox/messaging.js';
import {
  buildPublicKeysList,
  publicKeyNode,
  PUBLIC_KEYS_LIST_NODE,
  PUBLIC_KEY_PUBLISH_OPTIONS,
} from '../../src/protocol/ox/publicKeys.js';
import { publishWithOptions } from '../../src/app/pubsubNode.js';
import { NS } from '../../src/protocol/namespaces.js';

interface Fetched {
  items: Array<{ id: string; status: string; reason?: string; xml?: string }>;
}

/** Publishes payloads as they are, below the CLI (the server checks only that the user may publish). */
async function publishRaw(
  user: TestUser,
  node: string,
  items: Array<[id: string, payload: Element | Element[]]>,
): Promise<void> {
  await withUser(user, async (ctx) => {
    const session = await ctx.session();
    for (const [id, payload] of items) {
      const iq = publishIq(user.jid, node, id, Array.isArray(payload) ? payload[0]! : payload);
      if (Array.isArray(payload)) {
        const item = iq.getChild('pubsub')!.getChild('publish')!.getChild('item')!;
        item.children = [];
        item.append(...payload);
      }
      await session.iq(iq, 'publishing a hostile item');
    }
  });
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
    ok(
      await alice.run(['publish', '-n', node, '-i', 'genuine', '-'], {
        input: "<note xmlns='urn:example'>genuine</note>",
      }),
    );
    ok(await alice.run(['secret', 'rotate', '-n', node]));
    ok(await alice.run(['secret', 'share', '-n', node, bob.jid]));
    ok(await bob.run(['sync']));
    secrets = json<{ secrets: Array<{ id: string; key: string; revoked: boolean }> }>(
      await alice.run(['--json', 'secret', 'list', '-n', node, '--show-secrets']),
    ).secrets;
    expect(secrets).toHaveLength(2);
  });

  const publish = (id: string, payload: Element | Element[]) => publishRaw(alice, node, [[id, payload]]);

  async function encrypted(
    secret: { id: string; key: string },
    plaintext: string,
    keyAttr = secret.id,
  ): Promise<Element> {
    return buildEncrypted({
      secretId: keyAttr,
      ciphertext: await encryptItem(Buffer.from(plaintext), secret.key),
    });
  }

  it('reports each bad item with its reason, keeps the genuine ones, exits 9', async () => {
    const [older, newer] = secrets as [{ id: string; key: string }, { id: string; key: string }];
    const genuine = await withUser(
      alice,
      async (ctx) =>
        parseItemsResult(
          await (await ctx.session()).iq(itemsIq(alice.jid, node, { ids: ['genuine'] }), 'test'),
        ).items[0]!,
    );
    const tampered = parseEncrypted(genuine.payload!);
    tampered.ciphertext[tampered.ciphertext.length - 4] =
      tampered.ciphertext[tampered.ciphertext.length - 4]! ^ 0x01;
    await publish('tampered', buildEncrypted(tampered));
    await publish('wrong-secret', await encrypted(older, "<note xmlns='urn:example'>x</note>", newer.id));
    await publish(
      'unknown-secret',
      await encrypted(newer, "<note xmlns='urn:example'>x</note>", 'UNKNOWNSECRET000000000'),
    );
    await publish('bad-base64', xml('encrypted', { xmlns: NS.oxps, key: newer.id }, 'not*base64!'));
    await publish('not-xml', await encrypted(newer, '<note xmlns="urn:example"><open></note>'));
    await publish(
      'doctype',
      await encrypted(
        newer,
        '<!DOCTYPE note [<!ENTITY boom "boom">]><note xmlns="urn:example">&boom;</note>',
      ),
    );
    // Prosody itself refuses an item with two payloads (oxps's reading of one is unit-tested)
    await expect(
      publish('two-payloads', [
        await encrypted(newer, "<note xmlns='urn:example'>a</note>"),
        await encrypted(newer, "<note xmlns='urn:example'>b</note>"),
      ]),
    ).rejects.toThrow(/bad-request/);
    await publish(
      'huge',
      xml('encrypted', { xmlns: NS.oxps, key: newer.id }, randomBytes(7_500_000).toString('base64')),
    );

    const result = await bob.run(['--json', 'fetch', '-s', alice.jid, '-n', node, '--all']);
    expect(result.code, result.stderr).toBe(9);
    const byId = Object.fromEntries(json<Fetched>(result).items.map((i) => [i.id, i]));
    expect(byId.genuine).toMatchObject({
      status: 'decrypted',
      xml: '<note xmlns="urn:example">genuine</note>',
    });
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
      const keys = [
        ...(await keyring.usableKeys(bob.jid, 'encrypt to', true)),
        ...(await keyring.ownEncryptionKeys()),
      ];
      for (const element of elements) await session.send(await buildOxMessage(ctx, bob.jid, [element], keys));
      await session.roundTrip();
    });
  }

  const secret = (attrs: Record<string, string | undefined>, key: string) =>
    xml(
      'shared-secret',
      {
        xmlns: NS.oxps,
        jid: alice.jid,
        node,
        id: randomBytes(8).toString('hex'),
        timestamp: new Date().toISOString().slice(0, 19) + 'Z',
        ...attrs,
      },
      key,
    );

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
    const report = json<{ rejected: Array<{ reason: string }>; accepted: Array<{ secretId: string }> }>(
      result,
    );
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
  it('a 1,000-entry key list and a key that does not parse are skipped with warnings', async () => {
    const [mallory, bob] = (await TestUser.createMany(['mallory', 'bob'])) as [TestUser, TestUser];
    for (const user of [mallory, bob]) await user.addProfile();
    ok(await mallory.run(['key', 'generate']));
    const real = json<{ keys: Array<{ fingerprint: string; created: string }> }>(
      await mallory.run(['--json', 'key', 'list']),
    ).keys[0]!;
    const garbage = randomBytes(20).toString('hex').toUpperCase();
    await withUser(mallory, async (ctx) => {
      const session = await ctx.session();
      await publishWithOptions(
        session,
        mallory.jid,
        publicKeyNode(garbage),
        real.created,
        xml('pubkey', { xmlns: NS.ox }, xml('data', {}, randomBytes(300).toString('base64'))),
        PUBLIC_KEY_PUBLISH_OPTIONS,
      );
      const entries = [
        { fingerprint: real.fingerprint, date: real.created },
        { fingerprint: garbage, date: real.created },
      ];
      for (let i = 0; i < 998; i++)
        entries.push({ fingerprint: randomBytes(20).toString('hex').toUpperCase(), date: real.created });
      await publishWithOptions(
        session,
        mallory.jid,
        PUBLIC_KEYS_LIST_NODE,
        'current',
        buildPublicKeysList(entries),
        PUBLIC_KEY_PUBLISH_OPTIONS,
      );
    });
    const listed = await bob.run(['--json', 'key', 'list', mallory.jid], { timeoutMs: 120_000 });
    expect(listed.code, listed.stderr).toBe(0);
    expect(json<{ keys: Array<{ fingerprint: string }> }>(listed).keys.map((k) => k.fingerprint)).toEqual([
      real.fingerprint,
    ]);
    expect(listed.stderr).toMatch(/968 entries ignored/);
    expect(listed.stderr).toContain(`key ${garbage} ignored`);
  });
});

/** An OpenPGP packet with a new-format header and a five-octet length (RFC 4880 §4.2.2.3). */
function packet(tag: number, body: Uint8Array | number[]): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(body.length);
  return Buffer.concat([Buffer.from([0xc0 | tag, 0xff]), length, Buffer.from(body)]);
}

/** A v4 SKESK as openpgp.js writes it (AES-256, an encrypted session key) with the given S2K specifier. */
const skesk = (s2k: number[]): Buffer => packet(3, [4, 9, ...s2k, ...randomBytes(33)]);

function nestedElement(levels: number): Element {
  let element = xml('a', { xmlns: 'urn:example:deep' }, 'deep');
  for (let level = 1; level < levels; level++) element = xml('a', { xmlns: 'urn:example:deep' }, element);
  return element;
}

/** An Atom entry whose XHTML content nests `levels` deep: what broke `fetch --format atom|text`. */
const deepEntry = (levels: number): string =>
  `<entry xmlns="http://www.w3.org/2005/Atom"><title>deep</title><content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">${'<div>'.repeat(levels)}deep${'</div>'.repeat(levels)}</div></content></entry>`;

/** Runs oxps as `user`, giving also the peak resident memory of the whole process (worker threads included). */
async function runMeasured(user: TestUser, args: string[]): Promise<RunResult & { maxRssBytes: number }> {
  const file = join(await mkdtemp(join(tmpdir(), 'oxps-rss-')), 'max-rss');
  const probe = `import{writeFileSync}from'node:fs';process.on('exit',()=>writeFileSync(${JSON.stringify(file)},String(process.resourceUsage().maxRSS*1024)))`;
  const result = await runNode(
    ['--import', `data:text/javascript,${encodeURIComponent(probe)}`, BIN, ...args],
    { env: user.env },
  );
  return { ...result, maxRssBytes: Number(await readFile(file, 'utf8')) };
}

describe('items that cost a reader unbounded CPU, memory or stack (#12.5, #12.6, #12.7)', () => {
  let mallory: TestUser;
  let bob: TestUser;
  const node = `urn:example:costly:${Date.now()}`;
  let secret: { id: string; key: string };

  beforeAll(async () => {
    [mallory, bob] = (await TestUser.createMany(['mallory', 'bob'])) as [TestUser, TestUser];
    for (const user of [mallory, bob]) {
      await user.addProfile();
      ok(await user.run(['key', 'generate']));
    }
    ok(await mallory.run(['encrypt-node', '-n', node]));
    ok(await mallory.run(['secret', 'share', '-n', node, bob.jid]));
    ok(await bob.run(['sync']));
    secret = json<{ secrets: Array<{ id: string; key: string }> }>(
      await mallory.run(['--json', 'secret', 'list', '-n', node, '--show-secrets']),
    ).secrets[0]!;
    ok(
      await mallory.run(['publish', '-n', node, '-i', 'good-1', '-'], {
        input: "<note xmlns='urn:example'>first</note>",
      }),
    );
  });

  /** An item of the node's secret whose SKESK is replaced by `skesks` (its encrypted data kept). */
  async function withSessionKeys(skesks: Buffer[]): Promise<Element> {
    const item = await encryptItem(Buffer.from("<note xmlns='urn:example'>x</note>"), secret.key);
    return buildEncrypted({
      secretId: secret.id,
      ciphertext: Buffer.concat([...skesks, item.subarray(2 + item[1]!)]),
    });
  }

  it('#12.5 #12.6 hostile items (40 SKESKs; Argon2 asking for 2 GiB; the costliest S2K, 40 times) and a compression bomb fail one by one, in under 300 MB', async () => {
    const iteratedMax = () => [3, 2, ...randomBytes(8), 255]; // SHA-1 over 65,011,712 octets
    const argon2Of2GiB = () => [4, ...randomBytes(16), 1, 4, 21];
    const hostile: Array<[string, Element]> = [];
    for (let i = 0; i < 20; i++) {
      hostile.push([
        `skesk-${i}`,
        await withSessionKeys(Array.from({ length: 40 }, () => skesk(iteratedMax()))),
      ]);
      hostile.push([`argon2-${i}`, await withSessionKeys([skesk(argon2Of2GiB())])]);
    }
    // one SKESK each, of the highest iteration count (as sqop writes): openpgp.js would hold 65 MB for each at once
    for (let i = 0; i < 40; i++) hostile.push([`costly-${i}`, await withSessionKeys([skesk(iteratedMax())])]);
    const bomb = await openpgp.encrypt({
      message: await openpgp.createMessage({ binary: new Uint8Array(15 * 1024 * 1024) }),
      passwords: [secret.key],
      format: 'binary',
      config: {
        preferredCompressionAlgorithm: openpgp.enums.compression.zlib,
        s2kIterationCountByte: 0,
        aeadProtect: false,
      },
    });
    hostile.push(['bomb', buildEncrypted({ secretId: secret.id, ciphertext: bomb as Uint8Array })]);
    await publishRaw(mallory, node, hostile);
    ok(
      await mallory.run(['publish', '-n', node, '-i', 'good-2', '-'], {
        input: "<note xmlns='urn:example'>second</note>",
      }),
    );

    const result = await runMeasured(bob, [
      '--json',
      'fetch',
      '-s',
      mallory.jid,
      '-n',
      node,
      '--all',
      '--no-cache',
    ]);
    expect(result.code, result.stderr).toBe(9);
    const byId = Object.fromEntries(json<Fetched>(result).items.map((i) => [i.id, i]));
    expect(byId['good-1']).toMatchObject({
      status: 'decrypted',
      xml: '<note xmlns="urn:example">first</note>',
    });
    expect(byId['good-2']).toMatchObject({
      status: 'decrypted',
      xml: '<note xmlns="urn:example">second</note>',
    });
    for (let i = 0; i < 20; i++) {
      expect(byId[`skesk-${i}`]).toMatchObject({
        status: 'failed',
        reason: 'item has 40 password-encrypted session keys (oxps reads items with one)',
      });
      expect(byId[`argon2-${i}`]).toMatchObject({
        status: 'failed',
        reason: 'Argon2 S2K asks for 2 GiB of memory (oxps allows at most 64 MiB)',
      });
    }
    for (let i = 0; i < 40; i++)
      expect(byId[`costly-${i}`]).toMatchObject({
        status: 'failed',
        reason: expect.stringMatching(/wrong secret|integrity check failed/),
      });
    expect(byId.bomb).toMatchObject({
      status: 'failed',
      reason: 'decrypted item larger than 1048576 bytes (the item size limit)',
    });
    expect(result.maxRssBytes).toBeGreaterThan(0);
    expect(result.maxRssBytes, `peak RSS ${Math.round(result.maxRssBytes / 2 ** 20)} MiB`).toBeLessThan(
      300 * 1024 * 1024,
    );
  });

  it('#12.7 an item nested 3,000 levels deep fails alone, and so does a plaintext one nested 100 levels; the others are printed', async () => {
    const deepNode = `${node}:deep`;
    ok(await mallory.run(['encrypt-node', '-n', deepNode]));
    ok(await mallory.run(['secret', 'share', '-n', deepNode, bob.jid]));
    ok(await bob.run(['sync']));
    const deepSecret = json<{ secrets: Array<{ id: string; key: string }> }>(
      await mallory.run(['--json', 'secret', 'list', '-n', deepNode, '--show-secrets']),
    ).secrets[0]!;
    const entry = (title: string) =>
      `<entry xmlns='http://www.w3.org/2005/Atom'><title>${title}</title><id>urn:example:${title}</id></entry>`;
    ok(await mallory.run(['publish', '-n', deepNode, '-i', 'before', '-'], { input: entry('before') }));
    await publishRaw(mallory, deepNode, [
      [
        'deep-encrypted',
        buildEncrypted({
          secretId: deepSecret.id,
          ciphertext: await encryptItem(Buffer.from(deepEntry(3000)), deepSecret.key),
        }),
      ],
      // Prosody itself gives up on stanzas nested much deeper (the stream parser's cut is unit-tested)
      ['deep-plaintext', nestedElement(100)],
    ]);
    ok(await mallory.run(['publish', '-n', deepNode, '-i', 'after', '-'], { input: entry('after') }));

    const fetch = ['fetch', '-s', mallory.jid, '-n', deepNode, '--all', '--no-cache'];
    const asJson = await bob.run(['--json', ...fetch]);
    expect(asJson.code, asJson.stderr).toBe(9);
    const byId = Object.fromEntries(json<Fetched>(asJson).items.map((i) => [i.id, i]));
    expect(byId.before).toMatchObject({ status: 'decrypted' });
    expect(byId.after).toMatchObject({ status: 'decrypted' });
    expect(byId['deep-encrypted']).toMatchObject({
      status: 'failed',
      reason: 'decrypted payload is nested deeper than 64 levels',
    });
    expect(byId['deep-plaintext']).toMatchObject({
      status: 'failed',
      reason: 'item payload is nested deeper than 64 levels',
    });

    for (const format of ['xml', 'text', 'atom']) {
      const result = await bob.run([...fetch, '--format', format]);
      expect(result.code, `${format}: ${result.stderr}`).toBe(9);
      expect(result.stdout, format).toContain('before');
      expect(result.stdout, format).toContain('after');
      // failed items are listed with the items (xml, text) or warned about (atom)
      const report = format === 'atom' ? result.stderr : result.stdout;
      expect(report, format).toContain(
        'item deep-encrypted: decrypted payload is nested deeper than 64 levels',
      );
      expect(report, format).toContain('item deep-plaintext: item payload is nested deeper than 64 levels');
      expect(result.stderr, format).not.toMatch(/call stack|RangeError|at .*\.js:\d+/);
    }
  });
});
