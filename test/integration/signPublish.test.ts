// Issue 13, publishing side: `publish --sign` / `blog post --sign` / signed --jsonl batches put an
// XEP-0475 signature on the item's XEP-0470 attachments node — encrypted with the node's secret,
// on a node with the encrypted node's access model, publish model and members, kept in step by
// share and rotate --remove (XEP-0473 §7) — or in clear on an open node with --sign-compat=libervia.
import { describe, expect, it, beforeAll } from 'vitest';
import { spawn } from 'node:child_process';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Element } from '@xmpp/xml';
import { BIN, TestUser, json, ok, type ServerKind } from '../helpers/cli.js';
import { rawSession, withUser } from '../helpers/inProcess.js';
import { cleanEnv } from '../harness/process.js';
import { startProsody, removeServerDir } from '../harness/prosody.js';
import { nodeAffiliations, nodeConfiguration, setNodeAffiliations } from '../../src/app/pubsubNode.js';
import { parseServiceNodes, serviceNodesIq } from '../../src/protocol/pubsub/nodeList.js';
import { nodeRecord } from '../../src/app/state.js';
import { itemsIq, parseItemsResult } from '../../src/protocol/pubsub/items.js';
import { parseEncrypted } from '../../src/protocol/oxps/encrypted.js';
import { decryptItem } from '../../src/crypto/itemCipher.js';
import { parseXmlElement } from '../../src/protocol/xml.js';
import { IqError, Session } from '../../src/xmpp/session.js';

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
  const escape = (s: string) =>
    encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${ATTACHMENTS}/xmpp:${service}?;node=${escape(node)};item=${escape(item)}`;
}

/** The attachment item `itemId` of `node`, read by `reader` with a session of its own; the IqError when refused. */
async function readAttachment(
  reader: TestUser,
  service: string,
  node: string,
  itemId: string,
): Promise<Element | IqError> {
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
  let clearSigned: Published;

  const note = (text: string) => `<note xmlns='urn:example:notes'>${text}</note>`;
  const accessOf = (user: TestUser, name: string) =>
    withUser(user, async (ctx) => {
      const session = await ctx.session();
      const config = (await nodeConfiguration(session, user.jid, name))!;
      const affiliations = await nodeAffiliations(session, user.jid, name);
      const members = [...affiliations]
        .filter(([jid, a]) => a !== 'owner' && a !== 'none' && jid !== user.jid)
        .map(([jid, a]) => `${jid}=${a}`)
        .sort();
      return {
        accessModel: config['pubsub#access_model'],
        publishModel: config['pubsub#publish_model'],
        members,
      };
    });
  const currentSecret = (user: TestUser) =>
    withUser(user, async (ctx) => {
      const record = nodeRecord((await ctx.state()).data, user.jid, node)!;
      return record.secrets.filter((s) => !s.revoked).at(-1)!;
    });

  beforeAll(async () => {
    [alice, bob, carol, mallory] = (await TestUser.createMany(['alice', 'bob', 'carol', 'mallory'], {
      server,
    })) as [TestUser, TestUser, TestUser, TestUser];
    for (const user of [alice, bob, carol, mallory]) {
      await user.addProfile();
      ok(await user.run(['key', 'generate']));
    }
    ok(await alice.run(['encrypt-node', '-n', node]));
    ok(await alice.run(['secret', 'share', '-n', node, bob.jid]));
  });

  it("#13.1 publish --sign: the attachments node has the node's access model, publish model and members", async () => {
    const result = await alice.run(['--json', 'publish', '--sign', '-n', node, '-'], {
      input: note('signed'),
    });
    expect(result.code, result.stderr).toBe(0);
    signed = json<Published>(result);
    expect(signed.signature).toEqual({
      node: expectedAttachmentsNode(alice.jid, node, signed.id),
      encrypted: true,
      signer: alice.jid,
    });
    const [target, attachments] = [
      await accessOf(alice, node),
      await accessOf(alice, signed.signature!.node),
    ];
    expect(target.accessModel).toBe('whitelist');
    expect(attachments).toEqual(target);
    expect(attachments.members).toEqual([`${bob.jid}=member`]);
  });

  it("#13.1 the signature is an <encrypted/> child of <attachments/>, under the node's current secret, item id = the signer", async () => {
    const payload = await readAttachment(bob, alice.jid, signed.signature!.node, alice.jid);
    if (payload instanceof IqError) throw payload;
    expect([payload.name, payload.getNS()]).toEqual(['attachments', ATTACHMENTS]);
    expect(payload.getChildElements().map((c) => c.name)).toEqual(['encrypted']);
    const { secretId, ciphertext } = parseEncrypted(payload.getChildElements()[0]!);
    const secret = await currentSecret(alice);
    expect(secretId).toBe(secret.id);
    const plaintext = parseXmlElement(
      Buffer.from(await decryptItem(ciphertext, secret.key)).toString('utf8'),
      'decrypted attachment',
    );
    expect([plaintext.name, plaintext.getNS()]).toEqual(['attachments', ATTACHMENTS]);
    const signature = plaintext.getChild('signature', SIGNING)!;
    expect(signature.getChildText('signer')).toBe(alice.jid);
    expect(signature.getChild('time')?.attrs.stamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(signature.getChild('sign', 'urn:xmpp:pubsub-signing:openpgp:0')?.text()).toMatch(
      /^[A-Za-z0-9+/]+=*$/,
    );
  });

  it('#13.1 a reader not on the node cannot read the attachment', async () => {
    const refused = await readAttachment(mallory, alice.jid, signed.signature!.node, alice.jid);
    expect(refused).toBeInstanceOf(IqError);
  });

  it("#13.1 share adds to the attachments nodes' whitelist, rotate --remove removes there too", async () => {
    const shared = json<{ attachmentsNodes: number }>(
      ok(await alice.run(['--json', 'secret', 'share', '-n', node, carol.jid])),
    );
    expect(shared.attachmentsNodes).toBe(1);
    expect(await accessOf(alice, signed.signature!.node)).toEqual(await accessOf(alice, node));
    expect((await accessOf(alice, signed.signature!.node)).members).toEqual(
      [`${bob.jid}=member`, `${carol.jid}=member`].sort(),
    );

    const rotated = json<{ attachmentsNodes: number }>(
      ok(await alice.run(['--json', 'secret', 'rotate', '-n', node, '--remove', bob.jid])),
    );
    expect(rotated.attachmentsNodes).toBe(1);
    expect((await accessOf(alice, signed.signature!.node)).members).toEqual([`${carol.jid}=member`]);
    expect(await accessOf(alice, signed.signature!.node)).toEqual(await accessOf(alice, node));
    expect(await readAttachment(bob, alice.jid, signed.signature!.node, alice.jid)).toBeInstanceOf(IqError);
    expect(await readAttachment(carol, alice.jid, signed.signature!.node, alice.jid)).not.toBeInstanceOf(
      IqError,
    );
  });

  it('#13.1 --sign-compat=libervia: a clear signature on an open node, with a one-line warning', async () => {
    const result = await alice.run(['--json', 'publish', '--sign-compat=libervia', '-n', node, '-'], {
      input: note('for libervia'),
    });
    expect(result.code, result.stderr).toBe(0);
    const published = json<Published>(result);
    clearSigned = published;
    expect(published.encrypted).toBe(true);
    expect(published.signature).toEqual({
      node: expectedAttachmentsNode(alice.jid, node, published.id),
      encrypted: false,
      signer: alice.jid,
    });
    expect(
      result.stderr
        .trim()
        .split('\n')
        .filter((line) => /--sign-compat=libervia/.test(line)),
    ).toEqual([expect.stringMatching(/in clear.*guessed/)]);
    expect((await accessOf(alice, published.signature!.node)).accessModel).toBe('open');
    const payload = await readAttachment(mallory, alice.jid, published.signature!.node, alice.jid);
    if (payload instanceof IqError) throw payload;
    expect(payload.getChild('signature', SIGNING)?.getChildText('signer')).toBe(alice.jid);
  });

  it('#13.1 --dry-run shows the attachment requests and sends nothing', async () => {
    const result = await alice.run(
      ['--json', 'publish', '--sign', '--dry-run', '-n', node, '-i', 'dry-signed', '-'],
      { input: note('dry') },
    );
    expect(result.code, result.stderr).toBe(0);
    const preview = json<{
      items: Array<{
        id: string;
        stanza: string;
        signature: { node: string; encrypted: boolean; stanzas: string[] };
      }>;
    }>(result);
    const [item] = preview.items;
    expect(item!.signature.node).toBe(expectedAttachmentsNode(alice.jid, node, 'dry-signed'));
    expect(item!.signature.encrypted).toBe(true);
    expect(item!.signature.stanzas.join('\n')).toContain(
      `<item id="${alice.jid}"><attachments xmlns="${ATTACHMENTS}"><encrypted`,
    );
    const text = ok(
      await alice.run(['publish', '--sign', '--dry-run', '-n', node, '-i', 'dry-signed', '-'], {
        input: note('dry'),
      }),
    ).stdout;
    expect(text).toContain('signed (signature encrypted on');
    expect(text).toContain('<create node=');
    await withUser(alice, async (ctx) =>
      expect(await nodeConfiguration(await ctx.session(), alice.jid, item!.signature.node)).toBeUndefined(),
    );
  });

  it('#13.1 blog post --sign signs the post on the attachments node Libervia names', async () => {
    ok(await alice.run(['blog', 'setup']));
    const result = await alice.run(
      ['--json', 'blog', 'post', '--sign', '--title', 'signed post', '--content-file', '-'],
      { input: 'hello' },
    );
    expect(result.code, result.stderr).toBe(0);
    const post = json<Published>(result);
    expect(post.signature?.node).toBe(
      `${ATTACHMENTS}/xmpp:${alice.jid}?;node=urn%3Axmpp%3Amicroblog%3A0;item=${post.id}`,
    );
    expect(post.signature?.encrypted).toBe(true);
  });

  it("#13.1 round trip: a reader's oxps verifies what oxps signed, encrypted or in clear", async () => {
    const fetched = json<{
      items: Array<{
        id: string;
        status: string;
        signature?: { status: string; signer?: string; encrypted?: boolean };
      }>;
    }>(ok(await carol.run(['--json', 'fetch', '-s', alice.jid, '-n', node, '--all'])));
    const byId = new Map(fetched.items.map((item) => [item.id, item]));
    expect(byId.get(signed.id)).toMatchObject({
      status: 'decrypted',
      signature: { status: 'verified', signer: alice.jid, encrypted: true },
    });
    expect(byId.get(clearSigned.id)).toMatchObject({
      status: 'decrypted',
      signature: { status: 'verified', signer: alice.jid, encrypted: false },
    });
    expect(
      fetched.items
        .filter((item) => item.id !== signed.id && item.id !== clearSigned.id)
        .map((item) => item.signature?.status),
    ).toEqual(fetched.items.slice(2).map(() => 'unsigned'));
  });

  it('#13.1 --jsonl: "sign": true signs that line, --sign every line but those saying "sign": false', async () => {
    const lines = (signs: Array<boolean | undefined>) =>
      signs
        .map((sign, i) =>
          JSON.stringify({ payload: note(`line ${i}`), ...(sign === undefined ? {} : { sign }) }),
        )
        .join('\n');
    const nodesSigned = async (ids: string[]) =>
      withUser(alice, async (ctx) => {
        const session = await ctx.session();
        return Promise.all(
          ids.map(
            async (id) =>
              (await nodeConfiguration(session, alice.jid, expectedAttachmentsNode(alice.jid, node, id))) !==
              undefined,
          ),
        );
      });
    const perLine = lines([true, undefined]).replace(/line/g, 'per-line');
    ok(await alice.run(['--json', 'publish', '-n', node, '--jsonl', '-'], { input: perLine }));
    const flag = lines([undefined, false]).replace(/line/g, 'flag');
    ok(await alice.run(['--json', 'publish', '--sign', '-n', node, '--jsonl', '-'], { input: flag }));
    const fetched = json<{ items: Array<{ id: string; xml: string }> }>(
      ok(await alice.run(['--json', 'fetch', '-n', node, '--all'])),
    );
    const idOf = (text: string) => fetched.items.find((i) => i.xml.includes(`>${text}<`))!.id;
    expect(
      await nodesSigned([idOf('per-line 0'), idOf('per-line 1'), idOf('flag 0'), idOf('flag 1')]),
    ).toEqual([true, false, true, false]);
  });

  it("#13.1 retract deletes a signed item's attachments node with it; an unsigned item's retract is unchanged", async () => {
    const exists = (name: string) =>
      withUser(
        alice,
        async (ctx) => (await nodeConfiguration(await ctx.session(), alice.jid, name)) !== undefined,
      );
    const taken = json<Published>(
      ok(await alice.run(['--json', 'publish', '--sign', '-n', node, '-'], { input: note('to retract') })),
    );
    const plain = json<Published>(
      ok(await alice.run(['--json', 'publish', '-n', node, '-'], { input: note('plain') })),
    );
    expect(await exists(taken.signature!.node)).toBe(true);
    const dry = json<{ stanzas: string[] }>(
      ok(await alice.run(['--json', 'retract', '--dry-run', '-n', node, taken.id])),
    );
    expect(dry.stanzas.some((stanza) => stanza.includes('<delete'))).toBe(true);
    expect(await exists(taken.signature!.node)).toBe(true);
    const done = json<{ attachmentsNodes: number }>(
      ok(await alice.run(['--json', 'retract', '-n', node, taken.id, plain.id])),
    );
    expect(done.attachmentsNodes).toBe(1);
    expect(await exists(taken.signature!.node)).toBe(false);
  });
});

describe('signing where the service does not let us create attachments nodes', () => {
  it('#13.1 one-line error, and the item is not published unsigned', async () => {
    // on Prosody only admins (alice) create nodes on pubsub.localhost: bob, made owner of the node, may not
    const alice = await TestUser.create('alice', { shared: true });
    const [bob] = await TestUser.createMany(['bob']);
    for (const user of [alice, bob!]) {
      await user.addProfile();
      ok(await user.run(['key', 'generate']));
    }
    const node = `urn:example:signed:refused:${Date.now()}`;
    const service = 'pubsub.localhost';
    ok(await alice.run(['encrypt-node', '-s', service, '-n', node]));
    ok(await alice.run(['secret', 'share', '-s', service, '-n', node, bob!.jid]));
    await withUser(alice, async (ctx) => {
      await setNodeAffiliations(await ctx.session(), service, node, new Map([[bob!.jid, 'owner']]));
    });
    ok(await bob!.run(['sync']));
    const result = await bob!.run(['publish', '--sign', '-s', service, '-n', node, '-'], {
      input: "<note xmlns='urn:example:notes'>refused</note>",
    });
    expect(result.code).toBe(7);
    const errors = result.stderr.split('\n').filter((line) => line.startsWith('oxps: error:'));
    expect(errors).toEqual([
      expect.stringMatching(
        /pubsub\.localhost does not let us create the attachments node .* \((forbidden|not-allowed)\)/,
      ),
    ]);
    const fetched = json<{ items: unknown[] }>(
      ok(await alice.run(['--json', 'fetch', '-s', service, '-n', node, '--all'])),
    );
    expect(fetched.items).toEqual([]);
  });
});

describe('a signed batch killed midway', () => {
  const BATCH_NODE = 'signed-kill-batch';
  /** OXPS_SIGNED_BATCH_ITEMS=1000 measures the cost of share/rotate on a node of 1,000 signed items. */
  const ITEMS = Number(process.env.OXPS_SIGNED_BATCH_ITEMS ?? 300);
  /** The node answers this many publishes, then none: the run is certainly midway when killed. */
  const ANSWERED = 100;
  /** The journal is made durable every 64 records. */
  const JOURNALED = 64;

  it(
    '#13.1 resumes: every line published and signed exactly once, no duplicate item or attachment; share and rotate --remove reach every attachments node',
    { timeout: 900_000 },
    async () => {
      let server = await startProsody({
        pubsubAdmins: ['alice@localhost'],
        unanswered: { [`${BATCH_NODE} publish`]: ANSWERED },
      });
      try {
        const alice = await TestUser.device('alice');
        await alice.addProfile([], server);
        ok(await alice.run(['key', 'generate']));
        ok(await alice.run(['encrypt-node', '-s', 'pubsub.localhost', '-n', BATCH_NODE]));
        const input = Array.from({ length: ITEMS }, (_, i) =>
          JSON.stringify({ payload: `<note xmlns='urn:example:notes'>signed ${i}</note>` }),
        ).join('\n');
        const args = [
          '--timeout',
          '300',
          'publish',
          '--sign',
          '-s',
          'pubsub.localhost',
          '-n',
          BATCH_NODE,
          '--jsonl',
          '-',
        ];
        const journalDir = join(alice.env.XDG_DATA_HOME!, 'oxps', alice.jid, 'journals');
        const records = async () => {
          const files = await readdir(journalDir).catch(() => [] as string[]);
          let count = 0;
          for (const file of files.filter((f) => f.endsWith('.journal')))
            count += (await readFile(join(journalDir, file), 'utf8'))
              .split('\n')
              .filter((l) => /^\d+$/.test(l)).length;
          return count;
        };
        const child = spawn(process.execPath, [BIN, ...args], {
          env: cleanEnv(alice.env),
          stdio: ['pipe', 'ignore', 'pipe'],
        });
        child.stdin.on('error', () => undefined);
        child.stdin.end(input);
        const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
        let finished = false;
        void exited.then(() => (finished = true));
        while (!finished && (await records()) < JOURNALED) await new Promise((r) => setTimeout(r, 20));
        child.kill('SIGKILL');
        expect(await exited, 'the batch finished before it could be killed').toBeNull();
        const partial = await records();
        expect(partial).toBeGreaterThanOrEqual(JOURNALED);
        expect(partial).toBeLessThanOrEqual(ANSWERED);

        await server.stop();
        server = await startProsody({
          dir: server.dir,
          port: server.port,
          pubsubAdmins: ['alice@localhost'],
        });
        // resumed without --sign, half the batch would be unsigned: refused before anything is sent
        const unsigned = await alice.run(
          ['publish', '-s', 'pubsub.localhost', '-n', BATCH_NODE, '--jsonl', '-'],
          { input },
        );
        expect(unsigned.code).toBe(2);
        expect(unsigned.stderr).toMatch(/started with --sign: resume it the same way/);

        const rerun = await alice.run(['--json', ...args], { input, timeoutMs: 300_000 });
        expect(rerun.code, rerun.stderr).toBe(0);
        const result = json<{ total: number; published: number; alreadyDone: number }>(rerun);
        expect(result.total).toBe(ITEMS);
        expect(result.alreadyDone).toBeGreaterThanOrEqual(partial);
        expect(result.published + result.alreadyDone).toBe(ITEMS);

        const fetched = json<{ items: Array<{ id: string; status: string }> }>(
          ok(
            await alice.run([
              '--json',
              '--timeout',
              '120',
              'fetch',
              '-s',
              'pubsub.localhost',
              '-n',
              BATCH_NODE,
              '--all',
            ]),
          ),
        );
        const ids = fetched.items.map((i) => i.id);
        expect(new Set(ids).size).toBe(ITEMS);
        const session = await Session.open({
          jid: alice.jid,
          password: 'alicepass',
          host: '127.0.0.1',
          port: server.port,
          caPem: await readFile(server.certFile, 'utf8'),
          timeoutSeconds: 60,
        });
        try {
          const prefix = `urn:xmpp:pubsub-attachments:1/xmpp:pubsub.localhost?;node=${BATCH_NODE};item=`;
          const attachmentNodes = parseServiceNodes(
            await session.iq(serviceNodesIq('pubsub.localhost'), 'listing nodes'),
          ).filter((n) => n.startsWith(prefix));
          expect(attachmentNodes.map((n) => n.slice(prefix.length)).sort()).toEqual([...ids].sort());
          const held = await Promise.all(
            attachmentNodes.map(async (n) =>
              parseItemsResult(
                await session.iq(itemsIq('pubsub.localhost', n), 'reading an attachments node'),
              ).items.map((i) => i.id),
            ),
          );
          expect(held.every((itemIds) => itemIds.length === 1 && itemIds[0] === alice.jid)).toBe(true);

          // the whitelist of every attachments node follows the node's, in one pipelined pass
          const bob = await TestUser.device('bob');
          await bob.addProfile([], server);
          ok(await bob.run(['key', 'generate']));
          const members = async () =>
            await Promise.all(
              attachmentNodes.map(
                async (n) => (await nodeAffiliations(session, 'pubsub.localhost', n)).get(bob.jid) ?? 'none',
              ),
            );
          const timed = async (args: string[]) => {
            const start = performance.now();
            const body = json<{ attachmentsNodes: number }>(
              ok(await alice.run(['--json', '--timeout', '300', ...args], { timeoutMs: 600_000 })),
            );
            console.log(
              `${args.slice(0, 2).join(' ')} on a node of ${ITEMS} signed items: ${((performance.now() - start) / 1000).toFixed(1)} s`,
            );
            return body;
          };
          expect(
            (await timed(['secret', 'share', '-s', 'pubsub.localhost', '-n', BATCH_NODE, bob.jid]))
              .attachmentsNodes,
          ).toBe(ITEMS);
          expect(new Set(await members())).toEqual(new Set(['member']));
          expect(
            (
              await timed([
                'secret',
                'rotate',
                '-s',
                'pubsub.localhost',
                '-n',
                BATCH_NODE,
                '--remove',
                bob.jid,
              ])
            ).attachmentsNodes,
          ).toBe(ITEMS);
          expect(new Set(await members())).toEqual(new Set(['none']));
        } finally {
          await session.close();
        }
      } finally {
        await server.stop();
        await removeServerDir(server);
      }
    },
  );
});
