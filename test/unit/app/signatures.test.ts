// The verifying side against a scripted service: the Libervia vector (alice's signed post) with
// what an open attachments node may hold besides it.
import { describe, expect, it } from 'vitest';
import xml, { type Element } from '@xmpp/xml';
import { SignatureVerifier, MAX_ATTACHMENT_ITEMS } from '../../../src/app/signatures.js';
import type { AppContext } from '../../../src/app/context.js';
import { readArmoredPublicKey, fingerprintOf } from '../../../src/crypto/keys.js';
import { Decryptor } from '../../../src/crypto/decryptPool.js';
import { attachmentsNodeName } from '../../../src/protocol/attachments/nodeName.js';
import { parseXmlElement } from '../../../src/protocol/xml.js';
import { liberviaAttachments, signingFixture } from '../../helpers/signingFixtures.js';

const SERVICE = 'alice@localhost';
const NODE = 'urn:xmpp:microblog:0';
const ITEM = 'signed-sealed-6-5N';
const PUBSUB = 'http://jabber.org/protocol/pubsub';

type Answer = (query: { maxItems?: string; ids: string[] }) => Element[];

/** A context whose session answers item requests on the item's attachments node with `answer`. */
async function fakeContext(answer: Answer, requests: string[] = []): Promise<AppContext> {
  const alice = await readArmoredPublicKey(signingFixture('alice-public-key.asc'));
  const session = {
    iq: async (stanza: Element) => {
      const items = stanza.getChild('pubsub')!.getChild('items')!;
      expect(items.attrs.node).toBe(attachmentsNodeName(SERVICE, NODE, ITEM));
      const ids = items.getChildren('item').map((i) => i.attrs.id!);
      requests.push(ids.length ? `ids ${ids.join(',')}` : `max ${items.attrs.max_items}`);
      return xml(
        'iq',
        { type: 'result' },
        xml(
          'pubsub',
          { xmlns: PUBSUB },
          xml('items', { node: items.attrs.node! }, ...answer({ maxItems: items.attrs.max_items, ids })),
        ),
      );
    },
  };
  const state = { data: { contacts: {} }, save: async () => undefined };
  const keyring = {
    signatureKeys: async (jid: string) =>
      jid === SERVICE
        ? { keys: [alice], trusted: new Set([fingerprintOf(alice)]) }
        : { keys: [], trusted: new Set<string>() },
  };
  return {
    session: async () => session,
    keyring: async () => keyring,
    state: async () => state,
    releaseState: async () => undefined,
  } as unknown as AppContext;
}

const aliceSignature = () => xml('item', { id: SERVICE }, liberviaAttachments());
const junk = (n: number) =>
  Array.from({ length: n }, (_, i) =>
    xml(
      'item',
      { id: `spam${i}@evil.example` },
      xml('attachments', { xmlns: 'urn:xmpp:pubsub-attachments:1' }, xml('noticed', {})),
    ),
  );

async function verify(
  answer: Answer,
  publisher?: string,
  requests?: string[],
  attached?: Promise<Set<string> | undefined>,
) {
  const decryptor = new Decryptor({ maxWorkers: 1 });
  try {
    const verifier = new SignatureVerifier(await fakeContext(answer, requests), {
      service: SERVICE,
      node: NODE,
      owner: SERVICE,
      record: undefined,
      decryptor,
      keepAttachments: true,
      attached,
    });
    const finish = verifier.start({ id: ITEM, publisher });
    return await finish(() => parseXmlElement(signingFixture('plaintext.xml'), 'plaintext'));
  } finally {
    await decryptor.close();
  }
}

describe('#13.2 SignatureVerifier', () => {
  it("#13.2 verifies Libervia's signature of alice's post", async () => {
    const { signature } = await verify(() => [aliceSignature()]);
    expect(signature).toMatchObject({
      status: 'verified',
      signer: SERVICE,
      encrypted: false,
      time: '2026-12-05T06:51:57Z',
    });
  });

  it('#13.2 says "signer is not the publisher" where the server names another publisher', async () => {
    const { signature } = await verify(() => [aliceSignature()], 'bob@localhost/phone');
    expect(signature).toMatchObject({
      status: 'not-publisher',
      signer: SERVICE,
      reason: expect.stringContaining('bob@localhost'),
    });
  });

  it("#13.2 finds the owner's signature on a flooded attachments node, reading a bounded number of items", async () => {
    const requests: string[] = [];
    const { signature, attachments } = await verify(
      ({ ids }) => (ids.length ? [aliceSignature()] : junk(500)),
      undefined,
      requests,
    );
    expect(signature).toMatchObject({ status: 'verified', signer: SERVICE });
    expect(requests).toEqual([`max ${MAX_ATTACHMENT_ITEMS}`, `ids ${SERVICE}`]);
    expect(attachments!.length).toBeLessThanOrEqual(MAX_ATTACHMENT_ITEMS);
  });

  it('#13.2 keeps the verified signature when a forgery sits beside it, and reports unsigned without one', async () => {
    const forged = xml(
      'item',
      { id: 'mallory@evil.example' },
      parseXmlElement(
        liberviaAttachments()
          .toString()
          .replace(/<signer>alice@localhost</, '<signer>mallory@evil.example<'),
        'forged',
      ),
    );
    expect((await verify(() => [forged, aliceSignature()])).signature).toMatchObject({
      status: 'verified',
      signer: SERVICE,
    });
    expect((await verify(() => [forged])).signature).toMatchObject({
      status: 'bad',
      signer: 'mallory@evil.example',
    });
    expect((await verify(() => junk(3))).signature).toEqual({ status: 'unsigned' });
  });

  it("#14.3 does not ask for the attachments of an item the service's listing does not name", async () => {
    const requests: string[] = [];
    const unlisted = await verify(() => [aliceSignature()], undefined, requests, Promise.resolve(new Set()));
    expect(unlisted.signature).toEqual({ status: 'unsigned' });
    expect(requests).toEqual([]);
    const listed = await verify(
      () => [aliceSignature()],
      undefined,
      requests,
      Promise.resolve(new Set([ITEM])),
    );
    expect(listed.signature).toMatchObject({ status: 'verified' });
    expect(requests).toEqual([`max ${MAX_ATTACHMENT_ITEMS}`]);
  });
});
