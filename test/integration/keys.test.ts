// `oxps key …` against the real Prosody: generation and publication (read by another account
// and by GnuPG), backup and restore, and the trust policies when sharing a secret.
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TestUser, json, ok } from '../helpers/cli.js';
import { withUser } from '../helpers/inProcess.js';
import { GpgHome } from '../helpers/gpg.js';
import { configureNode, fetchOneItem, publishWithOptions } from '../../src/app/pubsubNode.js';
import {
  PUBLIC_KEYS_LIST_ITEM,
  PUBLIC_KEYS_LIST_NODE,
  PUBLIC_KEY_PUBLISH_OPTIONS,
  buildPublicKeysList,
  parsePubkey,
  publicKeyNode,
} from '../../src/protocol/ox/publicKeys.js';
import { buildOxMessage } from '../../src/app/ox/messaging.js';
import { buildSharedSecret } from '../../src/protocol/oxps/sharedSecret.js';
import { nodeRecord } from '../../src/app/state.js';
import { xep82DateTime } from '../../src/protocol/datetime.js';
import type { SyncReport } from '../../src/app/sync.js';

const BACKUP_CODE = /^[1-9A-NP-Z]{4}(-[1-9A-NP-Z]{4}){5}$/;

interface KeyList {
  jid: string;
  keys: Array<{
    fingerprint: string;
    created: string;
    published?: string;
    trust: string;
    local?: boolean;
    withdrawn?: string;
  }>;
}

/** Whether `user`'s state holds a secret for this node (read from the state file itself). */
async function knowsNode(user: TestUser, service: string, node: string): Promise<boolean> {
  return withUser(user, async (ctx) =>
    Boolean(nodeRecord((await ctx.state()).data, service, node)?.secrets.length),
  );
}

/** Replaces `owner`'s public keys list (as any client of the account, or an intruder with its password, can). */
async function publishKeyList(owner: TestUser, fingerprints: string[]): Promise<void> {
  const date = xep82DateTime(new Date());
  await withUser(owner, async (ctx) =>
    publishWithOptions(
      await ctx.session(),
      owner.jid,
      PUBLIC_KEYS_LIST_NODE,
      PUBLIC_KEYS_LIST_ITEM,
      buildPublicKeysList(fingerprints.map((fingerprint) => ({ fingerprint, date }))),
      PUBLIC_KEY_PUBLISH_OPTIONS,
    ),
  );
}

async function generate(
  user: TestUser,
  args: string[] = [],
): Promise<{ fingerprint: string; algorithm: string; published: boolean; created: string }> {
  const result = await user.run(['--json', 'key', 'generate', ...args]);
  expect(result.code, result.stderr).toBe(0);
  return json(result);
}

/** The published public key of `owner`, fetched by `reader` (another account) from PEP. */
async function publishedKeyBytes(
  reader: TestUser,
  owner: TestUser,
  fingerprint: string,
): Promise<Uint8Array> {
  return withUser(reader, async (ctx) =>
    parsePubkey(await fetchOneItem(await ctx.session(), owner.jid, publicKeyNode(fingerprint))),
  );
}

/** gpg --with-colons records, split into fields (gpg writes ':' in a field as \x3a). */
function colonRecords(text: string, type: string): string[][] {
  return text
    .split('\n')
    .filter((line) => line.startsWith(`${type}:`))
    .map((line) =>
      line
        .split(':')
        .map((field) =>
          field.replace(/\\x([0-9a-f]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16))),
        ),
    );
}

async function codeFile(user: TestUser, code: string): Promise<string> {
  const file = join(user.home, `backup-code-${Date.now()}`);
  await writeFile(file, `${code}\n`, { mode: 0o600 });
  return file;
}

describe('key generate, list, and GnuPG', () => {
  let alice: TestUser;
  let bob: TestUser;
  let gpg: GpgHome;
  let fingerprint: string;

  beforeAll(async () => {
    [alice, bob] = await Promise.all([TestUser.create('alice'), TestUser.create('bob')]);
    await alice.addProfile();
    await bob.addProfile();
    gpg = await GpgHome.create();
  });

  afterAll(async () => {
    await gpg?.dispose();
  });

  it('alice generates and publishes a key; bob lists the same fingerprint', async () => {
    const generated = await generate(alice);
    expect(generated.published).toBe(true);
    expect(generated.fingerprint).toMatch(/^[0-9A-F]{40}$/);
    fingerprint = generated.fingerprint;

    const own = json<KeyList>(await alice.run(['--json', 'key', 'list']));
    expect(own.jid).toBe(alice.jid);
    expect(own.keys).toEqual([
      expect.objectContaining({ fingerprint, trust: 'own', local: true, published: expect.any(String) }),
    ]);

    const seen = await bob.run(['--json', 'key', 'list', alice.jid]);
    expect(seen.code, seen.stderr).toBe(0);
    const theirs = json<KeyList>(seen);
    expect(theirs.jid).toBe(alice.jid);
    expect(theirs.keys.map((k) => [k.fingerprint, k.trust])).toEqual([[fingerprint, 'undecided']]);
    expect(theirs.keys[0]!.created).toBe(own.keys[0]!.created);

    const human = await bob.run(['key', 'list', alice.jid]);
    expect(human.stdout).toContain(fingerprint);
  });

  it('gpg imports the key published on PEP, with the user ID xmpp:JID', async () => {
    const bytes = await publishedKeyBytes(bob, alice, fingerprint);
    const imported = await gpg.ok(['--import'], bytes);
    expect(imported.stderr).toContain(`"xmpp:${alice.jid}" imported`);
    const listed = await gpg.ok(['--with-colons', '--fingerprint', '--list-keys', fingerprint]);
    const text = listed.stdout.toString();
    expect(colonRecords(text, 'fpr')[0]?.[9]).toBe(fingerprint);
    expect(colonRecords(text, 'uid').map((f) => f[9])).toEqual([`xmpp:${alice.jid}`]);
    // an encryption subkey that gpg can use
    expect(colonRecords(text, 'sub').some((f) => f[11]?.includes('e'))).toBe(true);
  });

  it('--algo rsa4096 makes an RSA-4096 key that gpg reads', async () => {
    const carol = await TestUser.create('carol');
    await carol.addProfile();
    const generated = await generate(carol, ['--algo', 'rsa4096']);
    expect(generated.algorithm).toBe('rsa4096');
    expect(generated.published).toBe(true);
    const bytes = await publishedKeyBytes(alice, carol, generated.fingerprint);
    await gpg.ok(['--import'], bytes);
    const listed = (await gpg.ok(['--with-colons', '--list-keys', generated.fingerprint])).stdout.toString();
    const [pub] = colonRecords(listed, 'pub');
    expect([pub?.[2], pub?.[3]]).toEqual(['4096', '1']); // length, algorithm 1 = RSA
    expect(colonRecords(listed, 'uid').map((f) => f[9])).toEqual([`xmpp:${carol.jid}`]);
  }, 120_000);

  it('a contact without a key: key list fails with exit 3', async () => {
    const dave = await TestUser.create('dave');
    const result = await alice.run(['key', 'list', dave.jid]);
    expect(result.code).toBe(3);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain(`no OpenPGP key published for ${dave.jid}`);
  });
});

describe('key backup and restore', () => {
  let alice: TestUser;
  let fingerprint: string;
  let backupCode: string;

  beforeAll(async () => {
    alice = await TestUser.create('alice');
    await alice.addProfile();
    fingerprint = (await generate(alice)).fingerprint;
  });

  it('backup prints a code of 6 groups of 4 characters, shown once', async () => {
    const backup = await alice.run(['--json', 'key', 'backup']);
    expect(backup.code, backup.stderr).toBe(0);
    const body = json<{ fingerprint: string; backupCode: string }>(backup);
    expect(body.fingerprint).toBe(fingerprint);
    expect(body.backupCode).toMatch(BACKUP_CODE);
    backupCode = body.backupCode;
    const human = await alice.run(['key', 'backup']);
    expect(human.code, human.stderr).toBe(0);
    const shown = human.stdout.match(/[1-9A-NP-Z]{4}(?:-[1-9A-NP-Z]{4}){5}/g);
    expect(shown).toHaveLength(1);
    expect(shown![0]).not.toBe(backupCode); // a new code for each backup
    // the latest backup is the one on the server: restore with that code
    backupCode = shown![0]!;
  });

  it('restores the same key on a fresh device of the same account', async () => {
    const device = await TestUser.device(alice.name);
    await device.addProfile();
    const restored = await device.run([
      '--json',
      'key',
      'restore',
      '--backup-code-file',
      await codeFile(device, backupCode),
    ]);
    expect(restored.code, restored.stderr).toBe(0);
    expect(json<{ fingerprint: string }>(restored).fingerprint).toBe(fingerprint);
    const listed = json<KeyList>(await device.run(['--json', 'key', 'list']));
    expect(listed.keys).toEqual([expect.objectContaining({ fingerprint, trust: 'own', local: true })]);
    // restoring again would replace the key: refused without --force
    const again = await device.run([
      'key',
      'restore',
      '--backup-code-file',
      await codeFile(device, backupCode),
    ]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('--force');
  });

  it('a wrong code fails with exit 8 and stores nothing', async () => {
    const device = await TestUser.device(alice.name);
    await device.addProfile();
    const wrongCode = backupCode.startsWith('1') ? `2${backupCode.slice(1)}` : `1${backupCode.slice(1)}`;
    const result = await device.run([
      'key',
      'restore',
      '--backup-code-file',
      await codeFile(device, wrongCode),
    ]);
    expect(result.code).toBe(8);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain('wrong backup code');
    const listed = await device.run(['key', 'list']);
    expect(listed.stdout).not.toMatch(/\bown\b/);
    // something that is not a code at all is a usage error
    const malformed = await device.run([
      'key',
      'restore',
      '--backup-code-file',
      await codeFile(device, 'not-a-code'),
    ]);
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toContain('not a backup code');
  });

  it('without a terminal and no --backup-code-file: exit 2 naming the option', async () => {
    const device = await TestUser.device(alice.name);
    await device.addProfile();
    const result = await device.run(['key', 'restore']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--backup-code-file');
  });
});

describe('trust policies', () => {
  let alice: TestUser;
  let bob: TestUser;
  let bobKey: string;
  let aliceKey: string;
  const node = `urn:example:keys:trust:${Date.now()}`;

  beforeAll(async () => {
    [alice, bob] = await Promise.all([TestUser.create('alice'), TestUser.create('bob')]);
    await alice.addProfile();
    await bob.addProfile();
    aliceKey = (await generate(alice)).fingerprint;
    bobKey = (await generate(bob)).fingerprint;
    expect((await alice.run(['encrypt-node', '-n', node])).code).toBe(0);
  });

  it('manual trust: sharing to an undecided key fails with exit 8 and the command that trusts it', async () => {
    const refused = await alice.run(['--trust', 'manual', 'secret', 'share', '-n', node, bob.jid]);
    expect(refused.code, refused.stderr).toBe(8);
    expect(refused.stderr.trim().split('\n')).toHaveLength(1);
    expect(refused.stderr).toContain(`oxps key trust ${bob.jid} ${bobKey}`);
    const listed = json<{ secrets: Array<{ sharedWith: string[] }> }>(
      await alice.run(['--json', 'secret', 'list', '-n', node]),
    );
    expect(listed.secrets[0]!.sharedWith).toEqual([]);
  });

  it('after `oxps key trust JID FPR`, the share succeeds under manual trust', async () => {
    const trusted = await alice.run(['--json', 'key', 'trust', bob.jid, bobKey]);
    expect(trusted.code, trusted.stderr).toBe(0);
    expect(json(trusted)).toEqual({ jid: bob.jid, fingerprint: bobKey, trust: 'verified' });
    const listed = json<KeyList>(await alice.run(['--json', 'key', 'list', bob.jid]));
    expect(listed.keys.map((k) => [k.fingerprint, k.trust])).toEqual([[bobKey, 'verified']]);

    const shared = await alice.run(['--json', '--trust', 'manual', 'secret', 'share', '-n', node, bob.jid]);
    expect(shared.code, shared.stderr).toBe(0);
    expect(json<{ recipients: string[] }>(shared).recipients).toEqual([bob.jid]);
  });

  it('bob under manual trust: sync reports the message of an undecided sender and reads it once trusted', async () => {
    const pending = await bob.run(['--json', '--trust', 'manual', 'sync']);
    expect(pending.code, pending.stderr).toBe(0);
    const report = json<{ accepted: unknown[]; unreadable: Array<{ from: string; reason: string }> }>(
      pending,
    );
    expect(report.accepted).toEqual([]);
    expect(report.unreadable).toEqual([
      expect.objectContaining({
        from: alice.jid,
        reason: expect.stringContaining(`no trusted OpenPGP key of ${alice.jid}`),
      }),
    ]);

    expect((await bob.run(['key', 'trust', alice.jid, aliceKey])).code).toBe(0);
    const synced = await bob.run(['--json', '--trust', 'manual', 'sync', '--full']);
    expect(synced.code, synced.stderr).toBe(0);
    expect(json<{ accepted: Array<{ from: string; node: string }> }>(synced).accepted).toEqual([
      expect.objectContaining({ from: alice.jid, node }),
    ]);
  });

  it('a distrusted key is never used: the share fails with exit 8', async () => {
    const distrusted = await alice.run(['--json', 'key', 'trust', '--distrust', bob.jid, bobKey]);
    expect(distrusted.code, distrusted.stderr).toBe(0);
    expect(json(distrusted)).toMatchObject({ trust: 'distrusted' });
    for (const policy of [[], ['--trust', 'manual'], ['--trust', 'always']]) {
      const refused = await alice.run([...policy, 'secret', 'share', '-n', node, bob.jid]);
      expect(refused.code, `${policy.join(' ')}: ${refused.stderr}`).toBe(8);
      expect(refused.stderr).toContain(`no trusted OpenPGP key of ${bob.jid}`);
    }
  });
});

describe('#12.3 our own other keys obey the trust policy', () => {
  let alice: TestUser;
  let bob: TestUser;
  let intruder: TestUser;
  let aliceKey: string;
  let intruderKey: string;
  const node = `urn:example:keys:own:${Date.now()}`;
  const planted = `${node}:planted`;

  beforeAll(async () => {
    [alice, bob] = (await TestUser.createMany(['alice', 'bob'])) as [TestUser, TestUser];
    await alice.addProfile();
    await bob.addProfile();
    aliceKey = (await generate(alice)).fingerprint;
    const bobKey = (await generate(bob)).fingerprint;
    ok(await alice.run(['key', 'trust', bob.jid, bobKey]));
    ok(await alice.run(['encrypt-node', '-n', node]));
    // someone with alice's password (or the server's operator) adds a key of theirs to her list,
    // and sends "alice" the secret of a node on her PEP, signed by that key
    intruder = await TestUser.device(alice.name);
    await intruder.addProfile();
    intruderKey = (await generate(intruder)).fingerprint;
    ok(await intruder.run(['encrypt-node', '-n', planted]));
    ok(await intruder.run(['secret', 'share', '-n', planted, bob.jid]));
  }, 120_000);

  it('#12.3 under --trust manual a share is not encrypted to a new own key, which is announced once', async () => {
    const shared = await alice.run(['--trust', 'manual', 'secret', 'share', '-n', node, bob.jid]);
    expect(shared.code, shared.stderr).toBe(0);
    expect(shared.stderr).toContain(`oxps key trust ${alice.jid} ${intruderKey} --distrust`);
    // the copy alice sent to her own account is not readable with the intruder's key
    const stolen = json<SyncReport>(await intruder.run(['--json', 'sync']));
    expect(stolen.accepted.map((a) => a.node)).not.toContain(node);
    expect(stolen.unreadable.map((u) => u.from)).toContain(alice.jid);
    expect(await knowsNode(intruder, alice.jid, node)).toBe(false);
    // announced once, not on every run
    const again = await alice.run(['--trust', 'manual', 'sync']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).not.toContain('--distrust');
  });

  it('#12.3 under --trust manual a secret message signed by the new own key is refused', async () => {
    const synced = await alice.run(['--json', '--trust', 'manual', 'sync', '--full']);
    expect(synced.code, synced.stderr).toBe(0);
    const report = json<SyncReport>(synced);
    expect(report.accepted.map((a) => a.node)).not.toContain(planted);
    expect(report.unreadable).toContainEqual(
      expect.objectContaining({ from: alice.jid, reason: expect.stringContaining(intruderKey) }),
    );
    expect(await knowsNode(alice, alice.jid, planted)).toBe(false);
  });

  it('#12.3 doctor lists our own keys with their trust', async () => {
    const checked = await alice.run(['--json', 'doctor']);
    const check = json<{ checks: Array<{ name: string; keys?: KeyList['keys'] }> }>(checked).checks.find(
      (c) => c.name === 'openpgp-key',
    );
    expect(check?.keys, checked.stdout).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ fingerprint: aliceKey, trust: 'own', local: true }),
        expect.objectContaining({ fingerprint: intruderKey, trust: 'undecided' }),
      ]),
    );
    const text = (await alice.run(['doctor'])).stdout;
    expect(text).toMatch(new RegExp(`${intruderKey}.*undecided`));
    expect(text).toMatch(new RegExp(`${aliceKey}.*own`));
  });

  it('#12.3 once verified, the other own key is used under --trust manual', async () => {
    ok(await alice.run(['key', 'trust', alice.jid, intruderKey]));
    // this device's own key is always trusted: it cannot be marked otherwise
    const own = await alice.run(['key', 'trust', '--distrust', alice.jid, aliceKey]);
    expect(own.code).toBe(2);
    expect(own.stderr).toContain('this device');
    const shared = await alice.run(['--trust', 'manual', 'secret', 'share', '-n', node, bob.jid]);
    expect(shared.code, shared.stderr).toBe(0);
    const read = json<SyncReport>(await intruder.run(['--json', 'sync']));
    expect(read.accepted.map((a) => a.node)).toContain(node);
    // and the message it signed, kept for later, is read on a full sync
    const synced = json<SyncReport>(await alice.run(['--json', '--trust', 'manual', 'sync', '--full']));
    expect(synced.accepted.map((a) => a.node)).toContain(planted);
  });
});

describe("#12.9 a contact's key trust survives an inaccessible or empty key list", () => {
  let alice: TestUser;
  let bob: TestUser;
  let bobKey: string;
  const node = `urn:example:keys:marks:${Date.now()}`;

  const bobKeys = async (): Promise<KeyList['keys']> => {
    const listed = await alice.run(['--json', 'key', 'list', bob.jid]);
    expect(listed.code, listed.stderr).toBe(0);
    return json<KeyList>(listed).keys;
  };

  const setListAccess = (model: string) =>
    withUser(bob, async (ctx) =>
      configureNode(await ctx.session(), bob.jid, PUBLIC_KEYS_LIST_NODE, { 'pubsub#access_model': model }),
    );

  beforeAll(async () => {
    [alice, bob] = (await TestUser.createMany(['alice', 'bob'])) as [TestUser, TestUser];
    await alice.addProfile();
    await bob.addProfile();
    await generate(alice);
    bobKey = (await generate(bob)).fingerprint;
    ok(await alice.run(['key', 'trust', bob.jid, bobKey]));
    ok(await alice.run(['encrypt-node', '-n', node]));
  }, 120_000);

  it("#12.9 bob's list closed to alice, then reopened: her mark stays", async () => {
    await setListAccess('whitelist');
    expect((await bobKeys()).map((k) => [k.fingerprint, k.trust])).toEqual([[bobKey, 'verified']]);
    await setListAccess('open');
    expect((await bobKeys()).map((k) => [k.fingerprint, k.trust, k.withdrawn])).toEqual([
      [bobKey, 'verified', undefined],
    ]);
  });

  it("#12.9 an empty list withdraws bob's key, keeping its mark; republished, it is as before", async () => {
    await publishKeyList(bob, []);
    const withdrawn = await bobKeys();
    expect(withdrawn).toEqual([
      expect.objectContaining({ fingerprint: bobKey, trust: 'verified', withdrawn: expect.any(String) }),
    ]);
    const refused = await alice.run(['--trust', 'always', 'secret', 'share', '-n', node, bob.jid]);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain(`no OpenPGP key published for ${bob.jid}`);
    ok(await bob.run(['key', 'publish']));
    expect((await bobKeys()).map((k) => [k.fingerprint, k.trust, k.withdrawn])).toEqual([
      [bobKey, 'verified', undefined],
    ]);
  });

  it('#12.9 a key bob removed from his list is neither encrypted to nor accepted as signer', async () => {
    const second = await TestUser.device(bob.name);
    await second.addProfile();
    const secondKey = (await generate(second)).fingerprint;
    ok(await alice.run(['key', 'trust', bob.jid, secondKey]));
    await publishKeyList(bob, [secondKey]);

    ok(await alice.run(['--trust', 'always', 'secret', 'share', '-n', node, bob.jid]));
    const old = json<SyncReport>(await bob.run(['--json', 'sync']));
    expect(old.accepted.map((a) => a.node)).not.toContain(node);
    expect(old.unreadable.map((u) => u.from)).toContain(alice.jid);
    const current = json<SyncReport>(await second.run(['--json', 'sync']));
    expect(current.accepted.map((a) => a.node)).toContain(node);

    // a secret message signed by the removed key
    const bobNode = `${node}:bob`;
    await withUser(bob, async (ctx) => {
      const keys = [...(await (await ctx.keyring()).usableKeys(alice.jid, 'encrypt to', true))];
      const secret = buildSharedSecret({
        service: bob.jid,
        node: bobNode,
        id: 'REMOVEDKEYSECRET0000000',
        timestamp: `${new Date().toISOString().slice(0, 19)}Z`,
        revoked: false,
        key: 'z'.repeat(86),
      });
      const session = await ctx.session();
      await session.send(await buildOxMessage(ctx, alice.jid, [secret], keys));
      await session.roundTrip();
    });
    const synced = json<SyncReport>(await alice.run(['--json', '--trust', 'always', 'sync']));
    expect(synced.accepted.map((a) => a.node)).not.toContain(bobNode);
    expect(synced.unreadable.map((u) => u.from)).toContain(bob.jid);
    expect((await bobKeys()).map((k) => [k.fingerprint, k.trust, Boolean(k.withdrawn)])).toEqual(
      expect.arrayContaining([
        [bobKey, 'verified', true],
        [secondKey, 'verified', false],
      ]),
    );
  });
});
