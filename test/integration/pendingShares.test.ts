// Issue 17 #8: sharing with readers who have no OX key yet. All of them are named in one error;
// with --whitelist-only they are whitelisted at once and a pending share (in the state) sends
// them the node's active secrets once their key appears and passes the trust policy — by the
// next sync or the delivery step any command runs first.
import { describe, expect, it, beforeAll } from 'vitest';
import { TestUser, json, ok } from '../helpers/cli.js';

const BLOG = 'urn:xmpp:microblog:0';

interface Listing {
  secrets: Array<{ id: string; revoked: boolean; readers?: string[]; sharedWith: string[] }>;
  pending?: Array<{ jid: string; since: string }>;
}

describe('#17.8 pending shares', () => {
  let alice: TestUser;

  beforeAll(async () => {
    alice = await TestUser.create('alice');
    await alice.addProfile();
    ok(await alice.run(['key', 'generate']));
    ok(await alice.run(['blog', 'setup']));
    ok(
      await alice.run(['blog', 'post', '--title', 'hello', '--content-file', '-'], {
        input: 'for my readers',
      }),
    );
  });

  /** alice's secret list (which first delivers what it may, under the trust policy of `globals`). */
  async function listing(node = BLOG, globals: string[] = []): Promise<Listing> {
    return json<Listing>(ok(await alice.run([...globals, '--json', 'secret', 'list', '-n', node])));
  }

  /** What `reader` decrypts of alice's node after taking its secret messages. */
  async function readable(reader: TestUser, node = BLOG): Promise<number> {
    ok(await reader.run(['sync']));
    const fetched = await reader.run(['--json', 'fetch', '-s', alice.jid, '-n', node, '--all']);
    // a reader off the whitelist is refused (exit 7): the closed document holds no counts
    return json<{ counts?: { decrypted: number } }>(fetched).counts?.decrypted ?? 0;
  }

  it('#17.8 names every recipient without a key, and apart those that cannot be reached, in one error', async () => {
    const [bob, carol] = await TestUser.createMany(['bob', 'carol']);
    const shared = await alice.run(['blog', 'share', bob!.jid, carol!.jid]);
    expect(shared.code).toBe(3);
    expect(shared.stderr).toContain(bob!.jid);
    expect(shared.stderr).toContain(carol!.jid);
    expect(shared.stderr).toMatch(/--whitelist-only/);
    const typo = await alice.run(['secret', 'share', '-n', BLOG, bob!.jid, 'dave@locahost', carol!.jid]);
    expect(typo.code).toBe(3);
    expect(typo.stderr).toMatch(new RegExp(`no OpenPGP key published for ${bob!.jid}, ${carol!.jid}`));
    expect(typo.stderr).toMatch(/dave@locahost does not exist or cannot be reached/);
    // nothing was done: nobody whitelisted
    expect((await listing()).secrets[0]!.readers).toEqual([]);
  });

  it('#17.8 --whitelist-only whitelists now; the secret goes out by sync, or before any command, once the key appears', async () => {
    const [bob, carol] = await TestUser.createMany(['bob', 'carol']);
    await bob!.addProfile();
    await carol!.addProfile();
    const shared = await alice.run(['--json', 'blog', 'share', '--whitelist-only', bob!.jid, carol!.jid]);
    expect(shared.code, shared.stderr).toBe(0);
    expect(json(shared)).toMatchObject({
      recipients: [bob!.jid, carol!.jid],
      whitelisted: [bob!.jid, carol!.jid],
      pending: [bob!.jid, carol!.jid],
    });
    const before = await listing();
    expect(before.secrets.at(-1)!.readers).toEqual(expect.arrayContaining([bob!.jid, carol!.jid]));
    expect(before.pending!.map((p) => p.jid)).toEqual([bob!.jid, carol!.jid]);
    const doctor = await alice.run(['doctor']);
    expect(doctor.stdout).toMatch(new RegExp(`pending share: ${bob!.jid} .*${BLOG}.* since \\d{4}-`));
    // alice can still post: the readers waiting for a key do not count as left without the secret
    ok(
      await alice.run(['blog', 'post', '--title', 'meanwhile', '--content-file', '-'], {
        input: 'while they wait',
      }),
    );

    ok(await bob!.run(['key', 'generate']));
    ok(await alice.run(['sync']));
    expect(await readable(bob!)).toBeGreaterThanOrEqual(2);
    expect((await listing()).pending!.map((p) => p.jid)).toEqual([carol!.jid]);

    ok(await carol!.run(['key', 'generate']));
    // any command delivers first: secret list
    const after = await listing();
    expect(after.pending).toBeUndefined();
    expect(after.secrets.filter((s) => !s.revoked).every((s) => s.sharedWith.includes(carol!.jid))).toBe(
      true,
    );
    expect(await readable(carol!)).toBeGreaterThanOrEqual(2);
    expect((await alice.run(['doctor'])).stdout).not.toMatch(/pending share/);
  });

  it('#17.8 a key the trust policy refuses gets nothing; a revoke before the key appears sends nothing', async () => {
    const node = 'urn:example:pending17';
    ok(await alice.run(['encrypt-node', '-n', node]));
    ok(
      await alice.run(['publish', '-n', node, '-'], { input: '<note xmlns="urn:example:notes">one</note>' }),
    );
    const [erin, frank] = await TestUser.createMany(['erin', 'frank']);
    await erin!.addProfile();
    await frank!.addProfile();
    ok(await alice.run(['secret', 'share', '-n', node, '--whitelist-only', erin!.jid, frank!.jid]));

    // erin's key appears; under --trust manual (no terminal) it is not trusted: nothing is sent
    ok(await erin!.run(['key', 'generate']));
    ok(await alice.run(['--trust', 'manual', 'sync']));
    expect((await listing(node, ['--trust', 'manual'])).pending!.map((p) => p.jid)).toContain(erin!.jid);
    expect(await readable(erin!, node)).toBe(0);

    // alice revokes the node's secret: the pending shares have nothing left to send and go
    const [secret] = (await listing(node, ['--trust', 'manual'])).secrets;
    ok(await alice.run(['--trust', 'manual', 'secret', 'revoke', '-n', node, secret!.id]));
    expect((await listing(node)).pending).toBeUndefined();
    ok(await frank!.run(['key', 'generate']));
    ok(await alice.run(['sync']));
    expect(await readable(frank!, node)).toBe(0);
    expect(await readable(erin!, node)).toBe(0);
  });

  it('#17.8 a rotate makes the pending share send the new secret; rotate --remove drops it', async () => {
    const node = 'urn:example:pending17rotate';
    ok(await alice.run(['encrypt-node', '-n', node]));
    const [gina, hank] = await TestUser.createMany(['gina', 'hank']);
    await gina!.addProfile();
    await hank!.addProfile();
    ok(await alice.run(['secret', 'share', '-n', node, '--whitelist-only', gina!.jid, hank!.jid]));
    ok(await alice.run(['secret', 'rotate', '-n', node, '--remove', hank!.jid]));
    expect((await listing(node)).pending!.map((p) => p.jid)).toEqual([gina!.jid]);
    ok(
      await alice.run(['publish', '-n', node, '-'], {
        input: '<note xmlns="urn:example:notes">after rotate</note>',
      }),
    );
    ok(await gina!.run(['key', 'generate']));
    ok(await hank!.run(['key', 'generate']));
    ok(await alice.run(['sync']));
    expect(await readable(gina!, node)).toBe(1);
    expect(await readable(hank!, node)).toBe(0);
  });
});
