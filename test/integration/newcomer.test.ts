// Issue 17, the slips a new user makes: an empty post, taking a post back (retract, blog
// delete, --dry-run), a typo in a contact's domain.
import { describe, expect, it, beforeAll } from 'vitest';
import { TestUser, json, ok } from '../helpers/cli.js';

const BLOG = 'urn:xmpp:microblog:0';

describe('issue 17: slips', () => {
  let alice: TestUser;

  beforeAll(async () => {
    alice = await TestUser.create('alice');
    await alice.addProfile();
    ok(await alice.run(['key', 'generate']));
    ok(await alice.run(['blog', 'setup']));
  });

  async function blogIds(): Promise<string[]> {
    const fetched = await alice.run(['--json', 'fetch', '-n', BLOG, '--all']);
    expect(fetched.code, fetched.stderr).toBe(0);
    return json<{ items: Array<{ id: string }> }>(fetched)
      .items.map((item) => item.id)
      .sort();
  }

  async function post(text: string): Promise<string> {
    const posted = await alice.run(['--json', 'blog', 'post', '--title', text, '--content-file', '-'], {
      input: `${text}\n`,
    });
    expect(posted.code, posted.stderr).toBe(0);
    return json<{ id: string }>(posted).id;
  }

  it('#17.5 a post without content is refused, and nothing is published', async () => {
    const before = await blogIds();
    const empty = await alice.run(['blog', 'post', '--title', 'x']);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/--content-file/);
    const blank = await alice.run(['blog', 'post', '--title', 'x', '--content-file', '-'], { input: '  \n' });
    expect(blank.code).toBe(2);
    expect(await blogIds()).toEqual(before);
  });

  it('#17.5 --dry-run on publish and blog post prints the request and sends nothing', async () => {
    const before = await blogIds();
    const dry = await alice.run(['blog', 'post', '--title', 'draft', '--content-file', '-', '--dry-run'], {
      input: 'not yet',
    });
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/dry run/);
    expect(dry.stdout).toMatch(
      /<publish node="urn:xmpp:microblog:0"><item id="[^"]+"><encrypted xmlns="urn:xmpp:openpgp:pubsub:0"/,
    );
    const batch = await alice.run(['--json', 'publish', '-n', BLOG, '--jsonl', '-', '--dry-run'], {
      input:
        '{"payload":"<entry xmlns=\'http://www.w3.org/2005/Atom\'/>"}\n{"id":"b","payload":"<entry xmlns=\'http://www.w3.org/2005/Atom\'/>"}',
    });
    expect(batch.code, batch.stderr).toBe(0);
    const preview = json<{ dryRun: boolean; items: Array<{ id: string; encrypted: boolean }> }>(batch);
    expect(preview.dryRun).toBe(true);
    expect(preview.items).toHaveLength(2);
    expect(preview.items[1]).toMatchObject({ id: 'b', encrypted: true });
    expect(await blogIds()).toEqual(before);
  });

  it('#17.5 retract checks every id first: a typo retracts nothing (exit 3)', async () => {
    const first = await post('first');
    const second = await post('second');
    const typo = await alice.run(['retract', '-n', BLOG, first, `${second}x`]);
    expect(typo.code).toBe(3);
    expect(typo.stderr).toContain(`${second}x`);
    expect(await blogIds()).toEqual(expect.arrayContaining([first, second]));

    const dry = await alice.run(['retract', '-n', BLOG, first, '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    // Prosody's nodes have notify_retract on: subscribers are told
    expect(dry.stdout).toMatch(
      new RegExp(`<retract node="${BLOG}" notify="true"><item id="${first}"/></retract>`),
    );
    expect(await blogIds()).toEqual(expect.arrayContaining([first, second]));

    const deleted = await alice.run(['--json', 'blog', 'delete', first]);
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(json<{ items: string[]; notify: boolean }>(deleted)).toMatchObject({
      items: [first],
      notify: true,
    });
    const left = await blogIds();
    expect(left).toContain(second);
    expect(left).not.toContain(first);
  });

  it('#17.5 secret rotate --remove --dry-run says what would happen and changes nothing', async () => {
    const bob = await TestUser.create('bob');
    await bob.addProfile();
    ok(await bob.run(['key', 'generate']));
    ok(await alice.run(['blog', 'share', bob.jid]));
    const before = await alice.run(['--json', 'secret', 'list', '-n', BLOG]);
    const dry = await alice.run(['--json', 'secret', 'rotate', '-n', BLOG, '--remove', bob.jid, '--dry-run']);
    expect(dry.code, dry.stderr).toBe(0);
    const secrets = json<{ secrets: Array<{ id: string; revoked: boolean }> }>(before).secrets;
    expect(json(dry)).toMatchObject({
      dryRun: true,
      revoke: secrets.filter((s) => !s.revoked).map((s) => s.id),
      newSecretFor: [],
      leaveWhitelist: [bob.jid],
    });
    expect((await alice.run(['--json', 'secret', 'list', '-n', BLOG])).stdout).toBe(before.stdout);
    // bob still reads the blog: still whitelisted, the secret not revoked
    const read = await bob.run(['--json', 'fetch', '-s', alice.jid, '-n', BLOG, '--all']);
    expect(read.code, read.stderr).toBe(0);
  });

  it('#17.7 a typo in the domain is not reported as a missing OX key', async () => {
    const typo = await alice.run(['blog', 'share', 'bob@locahost']);
    expect(typo.code).toBe(3);
    expect(typo.stderr).toMatch(/bob@locahost does not exist or cannot be reached/);
    expect(typo.stderr).not.toMatch(/needs an OX client/);
    const keyless = await TestUser.create('dave');
    const missing = await alice.run(['blog', 'share', keyless.jid]);
    expect(missing.code).toBe(3);
    expect(missing.stderr).toContain(`no OpenPGP key published for ${keyless.jid}`);
    expect(missing.stderr).toMatch(/check the address/);
  });
});
