// Verification costs what is signed (#14.3 for issue 13's fetch): the attachments of an item are
// asked for only where they may exist. The owner of a PEP node (and anyone on a component) gets
// the service's node listing, which names the items with an attachments node; a reader, refused
// the listing of someone else's PEP service (Prosody answers service-unavailable without a
// presence subscription), asks for the first items' attachments and the others' only if some
// of those have any. `-v` counts the requests.
import { beforeAll, describe, expect, it } from 'vitest';
import { TestUser, json, ok } from '../helpers/cli.js';

const UNSIGNED = 20;
const SIGNED = 12;
/** Our key list and the message archive (the quick sync), and the items. */
const BASE_REQUESTS = 3;

interface Fetched {
  items: Array<{ id: string; signature?: { status: string; reason?: string } }>;
}

const entries = (count: number, prefix: string) =>
  Array.from({ length: count }, (_, i) =>
    JSON.stringify({
      id: `${prefix}${i}`,
      payload: `<entry xmlns='http://www.w3.org/2005/Atom'><title>${prefix} ${i}</title></entry>`,
    }),
  ).join('\n');

function requests(stderr: string): number {
  const match = /network: login, then (\d+) request\(s\)/.exec(stderr);
  expect(match, stderr).not.toBeNull();
  return Number(match![1]);
}

describe('#14.3 verifying costs what is signed', () => {
  let alice: TestUser;
  let bob: TestUser;
  const unsignedNode = `urn:example:unsigned:${Date.now()}`;
  const signedNode = `urn:example:signed-all:${Date.now()}`;
  const partlyNode = `urn:example:signed-old:${Date.now()}`;

  beforeAll(async () => {
    [alice, bob] = (await TestUser.createMany(['alice', 'bob'])) as [TestUser, TestUser];
    for (const user of [alice, bob]) {
      await user.addProfile();
      ok(await user.run(['key', 'generate']));
    }
    for (const node of [unsignedNode, signedNode, partlyNode]) {
      ok(await alice.run(['encrypt-node', '-n', node]));
      ok(await alice.run(['secret', 'share', '-n', node, bob.jid]));
    }
    ok(await bob.run(['sync']));
    ok(await alice.run(['publish', '-n', unsignedNode, '--jsonl', '-'], { input: entries(UNSIGNED, 'u') }));
    ok(
      await alice.run(['publish', '--sign', '-n', signedNode, '--jsonl', '-'], {
        input: entries(SIGNED, 's'),
      }),
    );
    // two old signed posts, then unsigned ones
    ok(
      await alice.run(['publish', '--sign', '-n', partlyNode, '--jsonl', '-'], { input: entries(2, 'old') }),
    );
    ok(await alice.run(['publish', '-n', partlyNode, '--jsonl', '-'], { input: entries(UNSIGNED, 'new') }));
    // the first fetch --all from a service also lists the node's item ids, to learn how it answers
    for (const user of [alice, bob])
      ok(await user.run(['fetch', '-n', unsignedNode, '-s', alice.jid, '--all', '--no-verify']));
  }, 300_000);

  const fetch = async (user: TestUser, node: string, ...args: string[]) => {
    const result = await user.run(['-v', '--json', 'fetch', '-n', node, '-s', alice.jid, '--all', ...args]);
    return { result, fetched: result.code === 0 ? json<Fetched>(result) : undefined };
  };
  const statuses = (fetched: Fetched | undefined) =>
    Object.fromEntries(fetched!.items.map((item) => [item.id, item.signature?.status]));

  it('#14.3 the owner: one listing request, no attachments request for unsigned items', async () => {
    const { result, fetched } = await fetch(alice, unsignedNode);
    ok(result);
    expect(new Set(Object.values(statuses(fetched)))).toEqual(new Set(['unsigned']));
    expect(requests(result.stderr)).toBe(BASE_REQUESTS + 1);
    expect(result.stderr).toContain('lists 0 item(s)');
  });

  it('#14.3 the owner: the listing finds old signed items among unsigned ones, and only those are read', async () => {
    const { result, fetched } = await fetch(alice, partlyNode);
    ok(result);
    const got = statuses(fetched);
    expect([got.old0, got.old1]).toEqual(['verified', 'verified']);
    expect(Object.values(got).filter((status) => status === 'unsigned')).toHaveLength(UNSIGNED);
    // the listing, the two attachments nodes (and no more than a key look-up of the signer)
    expect(requests(result.stderr)).toBeLessThanOrEqual(BASE_REQUESTS + 1 + 2 + 2);
  });

  it('#14.3 a reader refused the listing asks for the first items only, when none of them is signed', async () => {
    const { result, fetched } = await fetch(bob, unsignedNode);
    ok(result);
    expect(result.stderr).toMatch(/does not list its nodes to us/);
    expect(new Set(Object.values(statuses(fetched)))).toEqual(new Set(['unsigned']));
    expect(
      fetched!.items.filter((item) => item.signature?.reason?.startsWith('not looked for')),
    ).toHaveLength(UNSIGNED - 8);
    expect(requests(result.stderr)).toBe(BASE_REQUESTS + 1 + 8);
  });

  it('#14.3 a reader refused the listing still verifies every item of a signed node', async () => {
    const { result, fetched } = await fetch(bob, signedNode);
    ok(result);
    expect(Object.values(statuses(fetched))).toEqual(Array(SIGNED).fill('verified'));
    ok(await bob.run(['fetch', '-n', signedNode, '-s', alice.jid, '--all', '--require-signed']));
  });

  it('#14.3 --require-signed: without a listing, every item is looked at', async () => {
    const { result } = await fetch(bob, unsignedNode, '--require-signed');
    expect(result.code).toBe(8);
    expect(requests(result.stderr)).toBe(BASE_REQUESTS + 1 + UNSIGNED);
  });
});
