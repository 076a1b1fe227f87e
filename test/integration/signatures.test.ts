// Signed items (XEP-0475/0476 as XEP-0470 attachments), verifying side: signatures are made here
// below the CLI, in clear as Libervia publishes them and encrypted as XEP-0473 asks, then read
// by bob's oxps. Attachment nodes are created as Libervia creates them: open to any publisher,
// so mallory can write there too.
import { beforeAll, describe, expect, it } from 'vitest';
import xml, { type Element } from '@xmpp/xml';
import { TestUser, json, ok } from '../helpers/cli.js';
import { withUser } from '../helpers/inProcess.js';
import { signDetached } from '../../src/crypto/detachedSignature.js';
import { encryptItem } from '../../src/crypto/itemCipher.js';
import { buildEncrypted } from '../../src/protocol/oxps/encrypted.js';
import { buildAttachments, buildEncryptedAttachments } from '../../src/protocol/attachments/attachments.js';
import { attachmentsNodeName } from '../../src/protocol/attachments/nodeName.js';
import { buildSignatureElement, signedBytes } from '../../src/protocol/signing/signData.js';
import { createNodeIq } from '../../src/protocol/pubsub/node.js';
import { publishIq } from '../../src/protocol/pubsub/publish.js';
import { serializeForEncryption, parseXmlElement } from '../../src/protocol/xml.js';
import { NS } from '../../src/protocol/namespaces.js';
import { IqError } from '../../src/xmpp/session.js';

interface Signature {
  status: string;
  signer?: string;
  fingerprint?: string;
  encrypted?: boolean;
  reason?: string;
}

interface Fetched {
  items: Array<{
    id: string;
    status: string;
    signature?: Signature;
    attachments?: Array<Record<string, unknown>>;
  }>;
  signatures?: Record<string, number>;
}

const ATTACHMENTS_CONFIG = {
  'pubsub#access_model': 'open',
  'pubsub#publish_model': 'open',
  'pubsub#max_items': '50',
  'pubsub#persist_items': 'true',
};

interface Attach {
  /** Whose key signs (default: the publisher of the attachment). */
  signWith?: TestUser;
  signer?: string;
  itemId?: string;
  to?: string;
  stamp?: Date;
  /** Encrypt the attachment with this node secret (XEP-0473), else in clear (Libervia). */
  secret?: { id: string; key: string };
  /** The plaintext signed (default: the item's). */
  payload?: string;
  extra?: Element[];
}

describe('#13.2 fetch verifies signed items', () => {
  let alice: TestUser;
  let bob: TestUser;
  let mallory: TestUser;
  const node = `urn:example:signed:${Date.now()}`;
  let secret: { id: string; key: string };
  const payloads: Record<string, string> = {};

  /** Publishes an attachment item on the item's attachments node, as `by` (creating the node, open, as Libervia does). */
  async function attach(by: TestUser, itemId: string, options: Attach = {}): Promise<void> {
    const signer = options.signer ?? by.jid;
    const stamp = options.stamp ?? new Date();
    const signingKey = await withUser(options.signWith ?? by, async (ctx) => (await ctx.keyring()).ownKey());
    const item = xml('item', {}, parseXmlElement(options.payload ?? payloads[itemId]!, 'payload'));
    const signatureBase64 = await signDetached(
      signedBytes({ service: options.to ?? alice.jid, stamp, signer, item }),
      signingKey,
    );
    const children = [buildSignatureElement({ stamp, signer, signatureBase64 }), ...(options.extra ?? [])];
    const clear = buildAttachments(children);
    const payload = options.secret
      ? buildEncryptedAttachments(
          buildEncrypted({
            secretId: options.secret.id,
            ciphertext: await encryptItem(Buffer.from(serializeForEncryption(clear)), options.secret.key),
          }),
        )
      : clear;
    await publishAttachment(by, itemId, options.itemId ?? by.jid, payload);
  }

  async function publishAttachment(
    by: TestUser,
    itemId: string,
    attachmentId: string,
    payload: Element,
  ): Promise<void> {
    const attachmentsNode = attachmentsNodeName(alice.jid, node, itemId);
    await withUser(by, async (ctx) => {
      const session = await ctx.session();
      if (by === alice) {
        await session
          .iq(createNodeIq(alice.jid, attachmentsNode, ATTACHMENTS_CONFIG), 'creating the attachments node')
          .catch((error: unknown) => {
            if (!(error instanceof IqError && error.condition === 'conflict')) throw error;
          });
      }
      await session.iq(
        publishIq(alice.jid, attachmentsNode, attachmentId, payload),
        'publishing an attachment',
      );
    });
  }

  async function publish(id: string, payload: string): Promise<void> {
    payloads[id] = payload;
    ok(await alice.run(['publish', '-n', node, '-i', id, '-'], { input: payload }));
  }

  const fetch = async (...args: string[]) =>
    json<Fetched>(ok(await bob.run(['--json', 'fetch', '-n', node, '-s', alice.jid, '--all', ...args])));
  const signatureOf = (fetched: Fetched, id: string) => fetched.items.find((i) => i.id === id)?.signature;

  beforeAll(async () => {
    [alice, bob, mallory] = (await TestUser.createMany(['alice', 'bob', 'mallory'])) as [
      TestUser,
      TestUser,
      TestUser,
    ];
    for (const user of [alice, bob, mallory]) {
      await user.addProfile();
      ok(await user.run(['key', 'generate']));
    }
    ok(await alice.run(['encrypt-node', '-n', node]));
    ok(await alice.run(['secret', 'share', '-n', node, bob.jid, mallory.jid]));
    ok(await bob.run(['sync']));
    ok(await mallory.run(['sync']));
    secret = json<{ secrets: Array<{ id: string; key: string }> }>(
      await alice.run(['--json', 'secret', 'list', '-n', node, '--show-secrets']),
    ).secrets[0]!;
    await publish('clear-signed', `<note xmlns='urn:example'>signed in clear, as Libervia does</note>`);
    await publish('sealed-signed', `<note xmlns='urn:example'>signed, the signature encrypted</note>`);
    await publish('unsigned', `<note xmlns='urn:example'>nobody signed this</note>`);
    await publish('forged', `<note xmlns='urn:example'>alice: new bank details</note>`);
    await publish(
      'wrong-id',
      `<note xmlns='urn:example'>mallory attaches under his id a signature claiming alice</note>`,
    );
    await publish('other-service', `<note xmlns='urn:example'>signed for another service</note>`);
    await publish('future', `<note xmlns='urn:example'>signed tomorrow</note>`);
    const entry = (item: string) =>
      `<entry xmlns='http://www.w3.org/2005/Atom'><title>Meet at noon</title><id>xmpp:${alice.jid}?;node=${encodeURIComponent(node)};item=${item}</id><content>same text</content></entry>`;
    await publish('entry-original', entry('entry-original'));
    await publish('entry-copy', entry('entry-original'));
    await attach(alice, 'clear-signed', { extra: [xml('noticed', { xmlns: NS.attachments })] });
    await attach(alice, 'sealed-signed', { secret });
    await attach(alice, 'other-service', { to: 'pubsub.localhost' });
    await attach(alice, 'future', { stamp: new Date(Date.now() + 24 * 3600 * 1000) });
    await attach(alice, 'entry-original');
    await attach(alice, 'entry-copy', { payload: payloads['entry-original'] });
    // alice creates the open attachments nodes of her other items, as Libervia does for every post
    await publishAttachment(
      alice,
      'forged',
      alice.jid,
      buildAttachments([xml('noticed', { xmlns: NS.attachments })]),
    );
    await publishAttachment(
      alice,
      'wrong-id',
      alice.jid,
      buildAttachments([xml('noticed', { xmlns: NS.attachments })]),
    );
    // mallory, a reader, signs with his key a signature claiming alice, published as alice's attachment item
    await attach(mallory, 'forged', { signer: alice.jid, itemId: alice.jid, signWith: mallory });
    await attach(mallory, 'wrong-id', { signer: alice.jid, signWith: mallory });
    // and floods an item's attachments with junk, one valid attachment of his own among it
    await publishAttachment(
      mallory,
      'clear-signed',
      mallory.jid,
      buildAttachments([
        xml('reactions', { xmlns: NS.attachments }, xml('reaction', {}, '👍')),
        xml('custom', { xmlns: 'urn:example:custom' }, 'hi'),
      ]),
    );
  }, 300_000);

  it('#13.2 reports a signature published in clear (as Libervia does) as verified', async () => {
    const fetched = await fetch();
    expect(signatureOf(fetched, 'clear-signed')).toMatchObject({
      status: 'verified',
      signer: alice.jid,
      encrypted: false,
      fingerprint: expect.stringMatching(/^[0-9A-F]{40}$/),
    });
    const text = ok(await bob.run(['fetch', '-n', node, '-s', alice.jid, '-i', 'clear-signed'])).stdout;
    expect(text).toContain(`signed by ${alice.jid} (verified)`);
  });

  it('#13.2 decrypts an encrypted signature attachment (XEP-0473) and verifies it', async () => {
    expect(signatureOf(await fetch(), 'sealed-signed')).toMatchObject({
      status: 'verified',
      signer: alice.jid,
      encrypted: true,
    });
  });

  it('#13.2 reports unsigned items, and --require-signed fails with exit 8', async () => {
    const fetched = await fetch();
    expect(signatureOf(fetched, 'unsigned')?.status).not.toBe('verified');
    expect(fetched.signatures?.verified).toBeGreaterThanOrEqual(3);
    const required = await bob.run(['fetch', '-n', node, '-s', alice.jid, '--all', '--require-signed']);
    expect(required.code).toBe(8);
    expect(required.stderr).toMatch(/have no verified signature/);
    ok(
      await bob.run([
        'fetch',
        '-n',
        node,
        '-s',
        alice.jid,
        '-i',
        'clear-signed',
        '-i',
        'sealed-signed',
        '--require-signed',
      ]),
    );
  });

  it('#13.2 oxps node set --require-signed makes it the default for the node, --no-require-signed undoes it', async () => {
    ok(await bob.run(['node', 'set', '-n', node, '-s', alice.jid, '--require-signed']));
    expect((await bob.run(['fetch', '-n', node, '-s', alice.jid, '-i', 'unsigned'])).code).toBe(8);
    expect(
      (await bob.run(['fetch', '-n', node, '-s', alice.jid, '-i', 'unsigned', '--no-verify'])).code,
    ).toBe(2);
    ok(await bob.run(['node', 'set', '-n', node, '-s', alice.jid, '--no-require-signed']));
    ok(await bob.run(['fetch', '-n', node, '-s', alice.jid, '-i', 'unsigned']));
  });

  it("#13.2 refuses a signature claiming alice made with mallory's key, and one attached under another id", async () => {
    const fetched = await fetch();
    expect(signatureOf(fetched, 'forged')).toMatchObject({
      status: 'bad',
      signer: alice.jid,
      reason: expect.stringContaining('not made by any published key'),
    });
    expect(signatureOf(fetched, 'wrong-id')).toMatchObject({
      status: 'bad',
      reason: expect.stringContaining(`attachment item ${mallory.jid}`),
    });
    const text = await bob.run(['fetch', '-n', node, '-s', alice.jid, '-i', 'forged']);
    expect(text.stdout).toContain('bad signature');
    expect(text.stderr).toContain('bad signature');
  });

  it('#13.2 refuses a signature for another service, one from the future, and a signed entry copied under another item', async () => {
    const fetched = await fetch();
    expect(signatureOf(fetched, 'other-service')).toMatchObject({ status: 'bad' });
    expect(signatureOf(fetched, 'future')).toMatchObject({
      status: 'bad',
      reason: expect.stringContaining('future'),
    });
    expect(signatureOf(fetched, 'entry-original')).toMatchObject({ status: 'verified' });
    expect(signatureOf(fetched, 'entry-copy')).toMatchObject({
      status: 'bad',
      reason: expect.stringContaining('item entry-original'),
    });
  });

  it('#13.5 fetch --attachments shows the other attachments (noticed, reactions, unknown ones)', async () => {
    const fetched = await fetch('--attachments', '-i', 'clear-signed');
    const attachments = fetched.items[0]!.attachments!;
    expect(attachments).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'noticed', by: alice.jid }),
        expect.objectContaining({ kind: 'reactions', by: mallory.jid, reactions: ['👍'] }),
        expect.objectContaining({ kind: 'other', by: mallory.jid, namespace: 'urn:example:custom' }),
      ]),
    );
    // a valid signature and another's junk: the item is still alice's, verified
    expect(fetched.items[0]!.signature).toMatchObject({ status: 'verified', signer: alice.jid });
    const text = ok(
      await bob.run(['fetch', '-n', node, '-s', alice.jid, '-i', 'clear-signed', '--attachments']),
    ).stdout;
    expect(text).toContain(`noticed by ${alice.jid}`);
    expect(text).toContain(`reactions by ${mallory.jid}: 👍`);
  });
});
