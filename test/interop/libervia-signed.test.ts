// Libervia signs, oxps verifies (issue 13.4): alice posts with `libervia-cli blog set -e -X`
// (encrypted, signed: the signature is a clear XEP-0470 attachment on an open node); carol (oxps)
// reports it verified. The same item republished with one character changed is a bad signature,
// and mallory's signatures on alice's items are refused.
import { readFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import xml from '@xmpp/xml';
import * as openpgp from 'openpgp';
import { OxpsDevice, freshNode, harness, jidOf, li, liberviaSecrets } from './helpers.js';
import { Session } from '../../src/xmpp/session.js';
import { publishIq } from '../../src/protocol/pubsub/publish.js';
import { setAffiliationsIq, setConfigurationIq } from '../../src/protocol/pubsub/node.js';
import { buildEncrypted } from '../../src/protocol/oxps/encrypted.js';
import { encryptItem } from '../../src/crypto/itemCipher.js';
import { attachmentsNodeName } from '../../src/protocol/attachments/nodeName.js';
import { buildAttachments } from '../../src/protocol/attachments/attachments.js';
import { buildSignatureElement, signedBytes } from '../../src/protocol/signing/signData.js';
import { signDetached } from '../../src/crypto/detachedSignature.js';
import { parseXmlElement } from '../../src/protocol/xml.js';

const alice = jidOf('alice');
const mallory = jidOf('mallory');

interface Fetched {
  items: Array<{
    id: string;
    status: string;
    xml?: string;
    secretId?: string;
    signature?: { status: string; signer?: string; encrypted?: boolean; reason?: string };
  }>;
}

async function sessionOf(name: string): Promise<Session> {
  const { port, certFile } = harness();
  return Session.open({
    jid: jidOf(name),
    password: `${name}pass`,
    host: '127.0.0.1',
    port,
    caPem: await readFile(certFile, 'utf8'),
    timeoutSeconds: 20,
  });
}

async function signedPost(node: string, title: string, body: string): Promise<string> {
  const result = await li(['blog', 'set', '-p', 'alice', '-n', node, '-T', title, '-e', '-X'], {
    input: `${body}\n`,
  });
  const id = /Item published with ID (\S+)/.exec(result.stdout)?.[1];
  if (!id) throw new Error(`no item id in: ${result.stdout}`);
  return id;
}

describe('#13.4 Libervia signs, oxps verifies', () => {
  const carol = new OxpsDevice('carol');
  const node = freshNode('libervia-signed');
  let signed: string;
  let tampered: string;
  let forged: string;
  let secret: { id: string; key: string };

  beforeAll(async () => {
    signed = await signedPost(node, 'Signed by alice', 'a signed post, "quoted" — ünïcode');
    // Libervia creates the node with PEP's defaults (one item kept): room for the others first
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
    tampered = await signedPost(node, 'Tampered', 'pay 100 EUR to alice');
    forged = await signedPost(node, 'Forged', 'mallory will sign this');
    await li(['pubsub', 'node', 'affiliations', 'set', '-p', 'alice', '-n', node, '-a', carol.jid, 'member']);
    await li(['pubsub', 'secret', 'share', '-p', 'alice', '-n', node, carol.jid]);
    await carol.syncUntil(node, (r) => r.accepted.length > 0);
    const [known] = (
      await carol.json<{ secrets: Array<{ id: string; key: string }> }>([
        'secret',
        'list',
        '-s',
        alice,
        '-n',
        node,
        '--show-secrets',
      ])
    ).secrets;
    secret = known!;
    expect((await liberviaSecrets('alice', alice, node)).map((s) => s.id)).toContain(secret.id);

    // Libervia gives each attachments node the access model the item's node had (PEP's default,
    // presence, or whitelist without its members): alice lets carol read them, as XEP-0473 asks
    const aliceSession = await sessionOf('alice');
    try {
      for (const id of [signed, tampered, forged]) {
        const attachments = attachmentsNodeName(alice, node, id);
        // `forged`'s stays open to any publisher, as the issue measured Libervia's: mallory writes there
        await aliceSession.iq(
          setConfigurationIq(alice, attachments, {
            'pubsub#access_model': id === forged ? 'open' : 'whitelist',
            'pubsub#publish_model': 'open',
          }),
          'attachments access model',
        );
        await aliceSession.iq(
          setAffiliationsIq(alice, attachments, new Map([[carol.jid, 'member']])),
          'attachments members',
        );
      }
    } finally {
      await aliceSession.close();
    }

    // a copy of `tampered` with one character changed, republished by alice's account under the same id
    const [copy] = (
      await carol.json<Fetched>(['fetch', '-s', alice, '-n', node, '-i', tampered, '--no-verify'])
    ).items;
    expect(copy, JSON.stringify(copy)).toMatchObject({ status: 'decrypted', secretId: secret.id });
    expect(copy!.xml).toContain('100 EUR');
    const ciphertext = await encryptItem(
      Buffer.from(copy!.xml!.replace('100 EUR', '900 EUR'), 'utf8'),
      secret.key,
    );
    const session = await sessionOf('alice');
    try {
      await session.iq(
        publishIq(alice, node, tampered, buildEncrypted({ secretId: secret.id, ciphertext })),
        'republish',
      );
    } finally {
      await session.close();
    }

    // mallory publishes, on the open attachments node of `forged`, a signature claiming alice made with a key of his own
    const malloryKey = (
      await openpgp.generateKey({
        type: 'ecc',
        curve: 'curve25519Legacy',
        userIDs: [{ name: `xmpp:${mallory}` }],
        format: 'object',
      })
    ).privateKey;
    const stamp = new Date();
    const fetched = await carol.json<Fetched>([
      'fetch',
      '-s',
      alice,
      '-n',
      node,
      '-i',
      forged,
      '--no-verify',
    ]);
    const item = xml('item', {}, parseXmlElement(fetched.items[0]!.xml!, 'plaintext'));
    const signature = await signDetached(
      signedBytes({ service: alice, stamp, signer: alice, item }),
      malloryKey,
    );
    const mallorySession = await sessionOf('mallory');
    try {
      await mallorySession.iq(
        publishIq(
          alice,
          attachmentsNodeName(alice, node, forged),
          alice,
          buildAttachments([buildSignatureElement({ stamp, signer: alice, signatureBase64: signature })]),
        ),
        'forged signature',
      );
    } finally {
      await mallorySession.close();
    }
  }, 300_000);

  const fetchAll = () => carol.json<Fetched>(['fetch', '-s', alice, '-n', node, '--all']);

  it('#13.4 reports the post Libervia signed (blog set -e -X) as verified', async () => {
    const item = (await fetchAll()).items.find((i) => i.id === signed);
    expect(item?.signature).toMatchObject({ status: 'verified', signer: alice, encrypted: false });
    const text = await carol.run(['fetch', '-s', alice, '-n', node, '-i', signed, '--format', 'text']);
    expect(text.stdout).toContain(`signed by ${alice} (verified)`);
  });

  it('#13.4 a copy with one character changed in the plaintext is a bad signature', async () => {
    const item = (await fetchAll()).items.find((i) => i.id === tampered);
    expect(item?.xml).toContain('900 EUR');
    expect(item?.signature).toMatchObject({ status: 'bad', signer: alice });
    const required = await carol.run(['fetch', '-s', alice, '-n', node, '-i', tampered, '--require-signed']);
    expect(required.code).toBe(8);
  });

  it("#13.4 refuses mallory's signature on alice's item", async () => {
    const item = (await fetchAll()).items.find((i) => i.id === forged);
    // the open node now holds mallory's item in place of alice's: the signature is refused, never verified
    expect(item?.signature).toMatchObject({
      status: 'bad',
      signer: alice,
      reason: expect.stringContaining('not made by any published key'),
    });
  });
});
