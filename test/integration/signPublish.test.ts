// Issue 13, publishing side: `publish --sign` / `blog post --sign` / signed --jsonl batches put an
// XEP-0475 signature on the item's XEP-0470 attachments node — encrypted with the node's secret,
// on a node with the encrypted node's access model, publish model and members, kept in step by
// share and rotate --remove (XEP-0473 §7) — or in clear on an open node with --sign-compat=libervia.
import { describe, expect, it, beforeAll } from 'vitest';
import type { Element } from '@xmpp/xml';
import { TestUser, json, ok, type ServerKind } from '../helpers/cli.js';
import { rawSession, withUser } from '../helpers/inProcess.js';
import { nodeAffiliations, nodeConfiguration } from '../../src/app/pubsubNode.js';
import { nodeRecord } from '../../src/app/state.js';
import { itemsIq, parseItemsResult } from '../../src/protocol/pubsub/items.js';
import { parseEncrypted } from '../../src/protocol/oxps/encrypted.js';
import { decryptItem } from '../../src/crypto/itemCipher.js';
import { parseXmlElement } from '../../src/protocol/xml.js';
import { IqError } from '../../src/xmpp/session.js';

const ATTACHMENTS = 'urn:xmpp:pubsub-attachments:1';
const SIGNING = 'urn:xmpp:pubsub-signing:0';

interface Published {
  id: string;
  encrypted: boolean;
  secretId: string;
  signature?: { node: string; encrypted: boolean; signer: string };
}

/** XEP-0470 naming, written out here rather than computed with the code under test. */
function expectedAttachmentsNode(service: string, node: string, item: string): string {
  const escape = (s: string) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${ATTACHMENTS}/xmpp:${service}?;node=${escape(node)};item=${escape(item)}`;
}

/** The attachment item `itemId` of `node`, read by `reader` with a session of its own; the IqError when refused. */
async function readAttachment(reader: TestUser, service: string, node: string, itemId: string): Promise<Element | IqError> {
  const session = await rawSession(reader.name, reader.server);
  try {
    const result = await session.iq(itemsIq(service, node, { ids: [itemId] }), 'reading an attachment');
    const item = parseItemsResult(result).items[0];
    if (!item?.payload) throw new Error(`no attachment item ${itemId} on ${node}`);
    return item.payload;
  } catch (error) {
    if (error instanceof IqError) return error;
    throw error;
  } finally {
    await session.close();
  }
}

const SERVERS: ServerKind[] = ['prosody', 'ejabberd'];

describe.each(SERVERS)('signed publishing on %s', (server) => {
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;
  let mallory: TestUser;
  const node = `urn:example:signed:${server}:${Date.now()}`;
  let signed: Published;

  const note = (text: string) => `<note xmlns='urn:example:notes'>${text}</note>`;
  const accessOf = (user: TestUser, name: string) => withUser(user, async (ctx) => {
    const session = await ctx.session();
    const config = (await nodeConfiguration(session, user.jid, name))!;
    const affiliations = await nodeAffiliations(session, user.jid, name);
    const members = [...affiliations].filter(([jid, a]) => a !== 'owner' && a !== 'none' && jid !== user.jid).map(([jid, a]) => `${jid}=${a}`).sort();
    return { accessModel: config['pubsub#access_model'], publishModel: config['pubsub#publish_model'], members };
  });
  const currentSecret = (user: TestUser) => withUser(user, async (ctx) => {
    const record = nodeRecord((await ctx.state()).data, user.jid, node)!;
    return record.secrets.filter((s) => !s.revoked).at(-1)!;
  });

  beforeAll(async () => {
    [alice, bob, carol, mallory] = await TestUser.createMany(['alice', 'bob', 'carol', 'mallory'], { server });
    for (const user of [alice, bob, carol, mallory]) {
      await user.addProfile();
      ok(await user.run(['key', 'generate']));
    }
    ok(await alice.run(['encrypt-node', '-n', node]));
    ok(await alice.run(['secret', 'share', '-n', node, bob.jid]));
  });

  it('#13.1 publish --sign: the attachments node has the node\'s access model, publish model and members', async () => {
    const result = await alice.run(['--json', 'publish', '--sign', '-n', node, '-'], { input: note('signed') });
    expect(result.code, result.stderr).toBe(0);
    signed = json<Published>(result);
    expect(signed.signature).toEqual({ node: expectedAttachmentsNode(alice.jid, node, signed.id), encrypted: true, signer: alice.jid });
    const [target, attachments] = [await accessOf(alice, node), await accessOf(alice, signed.signature!.node)];
    expect(target.accessModel).toBe('whitelist');
    expect(attachments).toEqual(target);
    expect(attachments.members).toEqual([`${bob.jid}=member`]);
  });

  it('#13.1 the signature is an <encrypted/> child of <attachments/>, under the node\'s current secret, item id = the signer', async () => {
    const payload = await readAttachment(bob, alice.jid, signed.signature!.node, alice.jid);
    if (payload instanceof IqError) throw payload;
    expect([payload.name, payload.getNS()]).toEqual(['attachments', ATTACHMENTS]);
    expect(payload.getChildElements().map((c) => c.name)).toEqual(['encrypted']);
    const { secretId, ciphertext } = parseEncrypted(payload.getChildElements()[0]!);
    const secret = await currentSecret(alice);
    expect(secretId).toBe(secret.id);
    const plaintext = parseXmlElement(Buffer.from(await decryptItem(ciphertext, secret.key)).toString('utf8'), 'decrypted attachment');
    expect([plaintext.name, plaintext.getNS()]).toEqual(['attachments', ATTACHMENTS]);
    const signature = plaintext.getChild('signature', SIGNING)!;
    expect(signature.getChildText('signer')).toBe(alice.jid);
    expect(signature.getChild('time')?.attrs.stamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(signature.getChild('sign', 'urn:xmpp:pubsub-signing:openpgp:0')?.text()).toMatch(/^[A-Za-z0-9+/]+=*$/);
  });

  it('#13.1 a reader not on the node cannot read the attachment', async () => {
    const refused = await readAttachment(mallory, alice.jid, signed.signature!.node, alice.jid);
    expect(refused).toBeInstanceOf(IqError);
  });

  it('#13.1 share adds to the attachments nodes\' whitelist, rotate --remove removes there too', async () => {
    const shared = json<{ attachmentsNodes: number }>(ok(await alice.run(['--json', 'secret', 'share', '-n', node, carol.jid])));
    expect(shared.attachmentsNodes).toBe(1);
    expect(await accessOf(alice, signed.signature!.node)).toEqual(await accessOf(alice, node));
    expect((await accessOf(alice, signed.signature!.node)).members).toEqual([`${bob.jid}=member`, `${carol.jid}=member`].sort());

    const rotated = json<{ attachmentsNodes: number }>(ok(await alice.run(['--json', 'secret', 'rotate', '-n', node, '--remove', bob.jid])));
    expect(rotated.attachmentsNodes).toBe(1);
    expect((await accessOf(alice, signed.signature!.node)).members).toEqual([`${carol.jid}=member`]);
    expect(await accessOf(alice, signed.signature!.node)).toEqual(await accessOf(alice, node));
    expect(await readAttachment(bob, alice.jid, signed.signature!.node, alice.jid)).toBeInstanceOf(IqError);
    expect(await readAttachment(carol, alice.jid, signed.signature!.node, alice.jid)).not.toBeInstanceOf(IqError);
  });

  it('#13.1 --sign-compat=libervia: a clear signature on an open node, with a one-line warning', async () => {
    const result = await alice.run(['--json', 'publish', '--sign-compat=libervia', '-n', node, '-'], { input: note('for libervia') });
    expect(result.code, result.stderr).toBe(0);
    const published = json<Published>(result);
    expect(published.encrypted).toBe(true);
    expect(published.signature).toEqual({ node: expectedAttachmentsNode(alice.jid, node, published.id), encrypted: false, signer: alice.jid });
    expect(result.stderr.trim().split('\n').filter((line) => /--sign-compat=libervia/.test(line))).toEqual([expect.stringMatching(/in clear.*guessed/)]);
    expect((await accessOf(alice, published.signature!.node)).accessModel).toBe('open');
    const payload = await readAttachment(mallory, alice.jid, published.signature!.node, alice.jid);
    if (payload instanceof IqError) throw payload;
    expect(payload.getChild('signature', SIGNING)?.getChildText('signer')).toBe(alice.jid);
  });

  it('#13.1 --dry-run shows the attachment requests and sends nothing', async () => {
    const result = await alice.run(['--json', 'publish', '--sign', '--dry-run', '-n', node, '-i', 'dry-signed', '-'], { input: note('dry') });
    expect(result.code, result.stderr).toBe(0);
    const preview = json<{ items: Array<{ id: string; stanza: string; signature: { node: string; encrypted: boolean; stanzas: string[] } }> }>(result);
    const [item] = preview.items;
    expect(item!.signature.node).toBe(expectedAttachmentsNode(alice.jid, node, 'dry-signed'));
    expect(item!.signature.encrypted).toBe(true);
    expect(item!.signature.stanzas.join('\n')).toContain(`<item id="${alice.jid}"><attachments xmlns="${ATTACHMENTS}"><encrypted`);
    const text = ok(await alice.run(['publish', '--sign', '--dry-run', '-n', node, '-i', 'dry-signed', '-'], { input: note('dry') })).stdout;
    expect(text).toContain('signed (signature encrypted on');
    expect(text).toContain('<create node=');
    await withUser(alice, async (ctx) => expect(await nodeConfiguration(await ctx.session(), alice.jid, item!.signature.node)).toBeUndefined());
  });

  it('#13.1 blog post --sign signs the post on the attachments node Libervia names', async () => {
    ok(await alice.run(['blog', 'setup']));
    const result = await alice.run(['--json', 'blog', 'post', '--sign', '--title', 'signed post', '--content-file', '-'], { input: 'hello' });
    expect(result.code, result.stderr).toBe(0);
    const post = json<Published>(result);
    expect(post.signature?.node).toBe(`${ATTACHMENTS}/xmpp:${alice.jid}?;node=urn%3Axmpp%3Amicroblog%3A0;item=${post.id}`);
    expect(post.signature?.encrypted).toBe(true);
  });

  it('#13.1 --jsonl: "sign": true signs that line, --sign every line but those saying "sign": false', async () => {
    const lines = (signs: Array<boolean | undefined>) => signs.map((sign, i) => JSON.stringify({ payload: note(`line ${i}`), ...(sign === undefined ? {} : { sign }) })).join('\n');
    const nodesSigned = async (ids: string[]) => withUser(alice, async (ctx) => {
      const session = await ctx.session();
      return Promise.all(ids.map(async (id) => (await nodeConfiguration(session, alice.jid, expectedAttachmentsNode(alice.jid, node, id))) !== undefined));
    });
    const perLine = lines([true, undefined]).replace(/line/g, 'per-line');
    ok(await alice.run(['--json', 'publish', '-n', node, '--jsonl', '-'], { input: perLine }));
    const flag = lines([undefined, false]).replace(/line/g, 'flag');
    ok(await alice.run(['--json', 'publish', '--sign', '-n', node, '--jsonl', '-'], { input: flag }));
    const fetched = json<{ items: Array<{ id: string; xml: string }> }>(ok(await alice.run(['--json', 'fetch', '-n', node, '--all'])));
    const idOf = (text: string) => fetched.items.find((i) => i.xml.includes(`>${text}<`))!.id;
    expect(await nodesSigned([idOf('per-line 0'), idOf('per-line 1'), idOf('flag 0'), idOf('flag 1')])).toEqual([true, false, true, false]);
  });
});
