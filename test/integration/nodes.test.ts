// encrypt-node, publish and fetch against the real Prosody, read back from the server
// in-process, and checked against GnuPG 2.2 in both directions (what oxps writes gpg reads,
// what gpg writes oxps reads).
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import xml from '@xmpp/xml';
import { TestUser, json } from '../helpers/cli.js';
import { withUser } from '../helpers/inProcess.js';
import { GpgHome } from '../helpers/gpg.js';
import { createNode, nodeConfiguration } from '../../src/app/pubsubNode.js';
import { itemsIq, parseItemsResult } from '../../src/protocol/pubsub/items.js';
import { publishIq } from '../../src/protocol/pubsub/publish.js';
import { parseEncrypted } from '../../src/protocol/oxps/encrypted.js';
import { canonicalXml, parseXmlElement } from '../../src/protocol/xml.js';
import { NS } from '../../src/protocol/namespaces.js';
import { PUBSUB } from '../harness/prosody.js';

const PAYLOAD = `<entry xmlns='http://www.w3.org/2005/Atom'><title type="text">Grüße "quoted" &amp; 'apostrophes' \\ 🎉</title>
  <content>two
lines</content></entry>`;

interface Fetched {
  service: string;
  node: string;
  items: Array<{
    id: string;
    status: string;
    xml?: string;
    reason?: string;
    secretId?: string;
    secretRevoked?: boolean;
  }>;
  counts: { decrypted: number; plaintext: number; failed: number };
}

const canonical = (text: string | Buffer, what: string): string =>
  canonicalXml(parseXmlElement(text.toString(), what));

async function readConfig(user: TestUser, node: string) {
  return withUser(user, async (ctx) => nodeConfiguration(await ctx.session(), user.jid, node));
}

async function rawItem(user: TestUser, node: string, id: string) {
  const items = await withUser(
    user,
    async (ctx) =>
      parseItemsResult(
        await (await ctx.session()).iq(itemsIq(user.jid, node, { ids: [id] }), 'reading the raw item'),
      ).items,
  );
  expect(items.map((i) => i.id)).toEqual([id]);
  return items[0]!;
}

async function publishRaw(
  user: TestUser,
  node: string,
  secretId: string,
  ciphertext: Uint8Array,
): Promise<string> {
  const id = `gpg-${randomBytes(6).toString('hex')}`;
  const payload = xml(
    'encrypted',
    { xmlns: NS.oxps, key: secretId },
    Buffer.from(ciphertext).toString('base64'),
  );
  await withUser(user, async (ctx) => {
    await (await ctx.session()).iq(publishIq(user.jid, node, id, payload), 'publishing a raw item');
  });
  return id;
}

async function secretOf(user: TestUser, node: string): Promise<{ id: string; key: string }> {
  const listed = await user.run(['--json', 'secret', 'list', '-n', node, '--show-secrets']);
  expect(listed.code, listed.stderr).toBe(0);
  const { secrets } = json<{ secrets: Array<{ id: string; key: string; revoked: boolean }> }>(listed);
  expect(secrets).toHaveLength(1);
  return secrets[0]!;
}

describe('encrypt-node', () => {
  let alice: TestUser;

  beforeAll(async () => {
    alice = await TestUser.create('alice');
    await alice.addProfile();
  });

  it('creates a node with the whitelist access model, read back from the server', async () => {
    const node = `urn:example:nodes:new:${Date.now()}`;
    expect(await readConfig(alice, node)).toBeUndefined();
    const result = await alice.run(['--json', 'encrypt-node', '-n', node]);
    expect(result.code, result.stderr).toBe(0);
    expect(json(result)).toMatchObject({
      service: alice.jid,
      node,
      created: true,
      converted: false,
      newSecret: true,
    });
    const config = await readConfig(alice, node);
    expect(config?.['pubsub#access_model']).toBe('whitelist');
    expect(config?.['pubsub#type']).toBe(NS.oxps);

    // a second run keeps the node and the secret
    const again = json<{ created: boolean; newSecret: boolean; secret: { id: string } }>(
      await alice.run(['--json', 'encrypt-node', '-n', node]),
    );
    expect(again).toMatchObject({
      created: false,
      converted: false,
      newSecret: false,
      secret: { id: json<{ secret: { id: string } }>(result).secret.id },
    });
  });

  it('converts an existing open node only after confirmation (--yes without a terminal)', async () => {
    const node = `urn:example:nodes:open:${Date.now()}`;
    await withUser(alice, async (ctx) =>
      createNode(await ctx.session(), alice.jid, node, { 'pubsub#access_model': 'open' }),
    );
    expect((await readConfig(alice, node))?.['pubsub#access_model']).toBe('open');

    const refused = await alice.run(['encrypt-node', '-n', node]);
    expect(refused.code).toBe(2);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toContain('--yes');
    expect((await readConfig(alice, node))?.['pubsub#access_model']).toBe('open');
    // nothing was recorded for the node (#12.16: a node we know nothing about is not found)
    expect((await alice.run(['--json', 'secret', 'list', '-n', node])).code).toBe(3);

    const converted = await alice.run(['--json', 'encrypt-node', '-n', node, '--yes']);
    expect(converted.code, converted.stderr).toBe(0);
    expect(json(converted)).toMatchObject({
      created: false,
      converted: true,
      previousAccessModel: 'open',
      newSecret: true,
    });
    expect((await readConfig(alice, node))?.['pubsub#access_model']).toBe('whitelist');
  });
});

describe('items and GnuPG 2.2', () => {
  let alice: TestUser;
  let gpg: GpgHome;
  const node = `urn:example:nodes:gpg:${Date.now()}`;
  let secret: { id: string; key: string };

  beforeAll(async () => {
    alice = await TestUser.create('alice');
    await alice.addProfile();
    gpg = await GpgHome.create();
    expect((await alice.run(['encrypt-node', '-n', node])).code).toBe(0);
    secret = await secretOf(alice, node);
  });

  afterAll(async () => {
    await gpg?.dispose();
  });

  it('gpg --decrypt reads an item published by oxps', async () => {
    const published = await alice.run(['--json', 'publish', '-n', node, '-'], { input: PAYLOAD });
    expect(published.code, published.stderr).toBe(0);
    const { id, secretId } = json<{ id: string; secretId: string }>(published);
    expect(secretId).toBe(secret.id);

    const item = await rawItem(alice, node, id);
    const encrypted = parseEncrypted(item.payload!);
    expect(encrypted.secretId).toBe(secret.id);
    const file = join(gpg.dir, `${id}.gpg`);
    await writeFile(file, encrypted.ciphertext);
    const decrypted = await gpg.ok(['--passphrase-fd', '0', '--decrypt', file], `${secret.key}\n`);
    expect(decrypted.stderr).not.toMatch(/not integrity protected|WARNING/);
    expect(canonical(decrypted.stdout, 'gpg output')).toBe(canonical(PAYLOAD, 'payload'));

    // and a wrong passphrase is refused by gpg (the secret really is the key)
    const wrong = await gpg.run(['--passphrase-fd', '0', '--decrypt', file], `${'x'.repeat(86)}\n`);
    expect(wrong.code).not.toBe(0);
    expect(wrong.stdout.length).toBe(0);
  });

  it('oxps fetch decrypts an item made by gpg --symmetric with the node secret', async () => {
    const plaintextFile = join(gpg.dir, 'payload.xml');
    await writeFile(plaintextFile, PAYLOAD);
    const made = await gpg.ok(
      ['--passphrase-fd', '0', '--symmetric', '--cipher-algo', 'AES256', '-o', '-', plaintextFile],
      `${secret.key}\n`,
    );
    const id = await publishRaw(alice, node, secret.id, made.stdout);

    const fetched = await alice.run(['--json', 'fetch', '-n', node, '-i', id]);
    expect(fetched.code, fetched.stderr).toBe(0);
    const body = json<Fetched>(fetched);
    expect(body.items).toHaveLength(1);
    expect(body.items[0]).toMatchObject({
      id,
      status: 'decrypted',
      secretId: secret.id,
      secretRevoked: false,
    });
    expect(canonical(body.items[0]!.xml!, 'fetched')).toBe(canonical(PAYLOAD, 'payload'));
  });

  it('refuses --plaintext on an encrypted node unless --force; fetch then flags the item', async () => {
    const clear = "<note xmlns='urn:example:notes'>in clear</note>";
    const refused = await alice.run(['publish', '-n', node, '--plaintext', '-'], { input: clear });
    expect(refused.code).toBe(2);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toMatch(/is encrypted.*in clear/);
    expect(refused.stderr).toContain('--force');
    expect(
      json<{ items: unknown[] }>(await alice.run(['--json', 'fetch', '-n', node, '-m', '50'])).items,
    ).toHaveLength(2); // nothing was published

    const forced = await alice.run(['--json', 'publish', '-n', node, '--plaintext', '--force', '-'], {
      input: clear,
    });
    expect(forced.code, forced.stderr).toBe(0);
    const { id, encrypted } = json<{ id: string; encrypted: boolean }>(forced);
    expect(encrypted).toBe(false);
    expect((await rawItem(alice, node, id)).payload?.is('note', 'urn:example:notes')).toBe(true);

    const fetched = await alice.run(['--json', 'fetch', '-n', node, '-i', id]);
    expect(fetched.code, fetched.stderr).toBe(0);
    const body = json<Fetched>(fetched);
    expect(body.items).toEqual([expect.objectContaining({ id, status: 'plaintext' })]);
    expect(canonical(body.items[0]!.xml!, 'fetched')).toBe(canonical(clear, 'sent'));
    expect(body.counts).toMatchObject({ decrypted: 0, plaintext: 1, failed: 0 });
    expect(fetched.stderr).toMatch(/warning: 1 item\(s\) of .* are not encrypted/);
  });

  it('reports an item encrypted with an unknown secret as failed, with exit code 9', async () => {
    const otherFile = join(gpg.dir, 'other.xml');
    await writeFile(otherFile, "<note xmlns='urn:example:notes'>other secret</note>");
    const made = await gpg.ok(
      ['--passphrase-fd', '0', '--symmetric', '--cipher-algo', 'AES256', '-o', '-', otherFile],
      'a secret nobody shared with us\n',
    );
    const unknownId = 'UnknownSecretId1234567';
    const id = await publishRaw(alice, node, unknownId, made.stdout);

    const fetched = await alice.run(['--json', 'fetch', '-n', node, '-m', '20']);
    expect(fetched.code).toBe(9);
    const body = json<Fetched>(fetched);
    const failed = body.items.filter((i) => i.status === 'failed');
    expect(failed).toEqual([
      expect.objectContaining({
        id,
        status: 'failed',
        secretId: unknownId,
        reason: expect.stringContaining(`unknown secret ${unknownId}`),
      }),
    ]);
    // the other items are still decrypted (or flagged) and listed
    expect(body.counts.failed).toBe(1);
    expect(body.counts.decrypted).toBeGreaterThanOrEqual(2);
    expect(JSON.parse(fetched.stderr.trim().split('\n').pop()!)).toEqual({
      error: expect.objectContaining({ code: 'PARTIAL', exitCode: 9 }),
    });

    const human = await alice.run(['fetch', '-n', node, '-i', id]);
    expect(human.code).toBe(9);
    expect(human.stdout).toContain(`✘ item ${id}: unknown secret ${unknownId}`);
    expect(human.stderr).toContain('could not be decrypted');
  });
});

describe('clear items and publishers in every format (#12.15)', () => {
  // a node on the pubsub component, which names publishers (the harness sets expose_publisher;
  // Prosody's PEP never does); alice is the component's admin
  let alice: TestUser;
  const node = `urn:example:nodes:publishers:${Date.now()}`;
  const entry = (title: string) =>
    `<entry xmlns='http://www.w3.org/2005/Atom'><title>${title}</title><content>body of ${title}</content></entry>`;
  const fetch = (format: string) =>
    alice.run(['fetch', '-s', PUBSUB, '-n', node, '--format', format, '-i', 'sealed', '-i', 'clear']);

  beforeAll(async () => {
    alice = await TestUser.create('alice', { shared: true });
    await alice.addProfile();
    expect((await alice.run(['encrypt-node', '-s', PUBSUB, '-n', node])).code).toBe(0);
    expect(
      (
        await alice.run(['publish', '-s', PUBSUB, '-n', node, '-i', 'sealed', '-'], {
          input: entry('sealed entry'),
        })
      ).code,
    ).toBe(0);
    expect(
      (
        await alice.run(['publish', '-s', PUBSUB, '-n', node, '-i', 'clear', '--plaintext', '--force', '-'], {
          input: entry('clear entry'),
        })
      ).code,
    ).toBe(0);
  });

  it('#12.15 marks a clear item in xml, text and atom output (the feed stays well-formed)', async () => {
    const xmlOut = await fetch('xml');
    expect(xmlOut.code, xmlOut.stderr).toBe(0);
    expect(xmlOut.stdout).toMatch(/── item clear · NOT ENCRYPTED/);
    expect(xmlOut.stdout).not.toMatch(/item sealed[^\n]*NOT ENCRYPTED/);

    const text = await fetch('text');
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/clear entry · NOT ENCRYPTED/);
    expect(text.stdout).not.toMatch(/sealed entry[^\n]*NOT ENCRYPTED/);

    const atom = await fetch('atom');
    expect(atom.code, atom.stderr).toBe(0);
    const feed = parseXmlElement(atom.stdout.replace(/^<\?xml[^>]*\?>/, ''), 'feed');
    expect(feed.getChildren('entry').map((e) => e.getChildText('title'))).toEqual([
      'sealed entry',
      'clear entry',
    ]);
    expect(atom.stdout).toMatch(
      /<!-- oxps: item clear · NOT ENCRYPTED[^>]*-->\s*<entry>\s*<title>clear entry/,
    );
    expect(atom.stdout).not.toMatch(/item sealed[^>]*NOT ENCRYPTED/);
    expect(atom.stderr).toMatch(/1 item\(s\) of .* are not encrypted/);
  });

  it('#12.15 shows the publisher the server names in every format (no owner known on a component: no warning)', async () => {
    const asJson = await alice.run([
      '--json',
      'fetch',
      '-s',
      PUBSUB,
      '-n',
      node,
      '-i',
      'sealed',
      '-i',
      'clear',
    ]);
    expect(asJson.code, asJson.stderr).toBe(0);
    expect(json<Fetched>(asJson).items.map((i) => (i as { publisher?: string }).publisher)).toEqual([
      expect.stringMatching(new RegExp(`^${alice.jid}`)),
      expect.stringMatching(new RegExp(`^${alice.jid}`)),
    ]);
    for (const format of ['xml', 'text', 'atom']) {
      const fetched = await fetch(format);
      expect(fetched.code, `${format}: ${fetched.stderr}`).toBe(0);
      expect(fetched.stdout.match(new RegExp(`publisher ${alice.jid}`, 'g')), format).toHaveLength(2);
      expect(fetched.stderr, format).not.toContain('published by');
    }
  });
});
