// One account on several devices (issue 18): a secret command run on any device reaches every
// reader of the node — its whitelist — and not only those this device remembers sharing with.
import { describe, expect, it, beforeAll } from 'vitest';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TestUser, json, ok } from '../helpers/cli.js';
import { withUser } from '../helpers/inProcess.js';
import { setNodeAffiliations } from '../../src/app/pubsubNode.js';

interface Fetched {
  items: Array<{ id: string; status: string; xml?: string; reason?: string; secretId?: string }>;
}

interface SecretEntry {
  id: string;
  revoked: boolean;
  sharedWith: string[];
  readers?: string[];
  missing?: string[];
}

async function publish(user: TestUser, node: string, text: string): Promise<{ id: string; stderr: string }> {
  const result = ok(
    await user.run(['--json', 'publish', '-n', node, '-'], {
      input: `<note xmlns='urn:example:notes'>${text}</note>`,
    }),
  );
  return { id: json<{ id: string }>(result).id, stderr: result.stderr };
}

async function secrets(user: TestUser, service: string, node: string): Promise<SecretEntry[]> {
  return json<{ secrets: SecretEntry[] }>(
    ok(await user.run(['--json', 'secret', 'list', '-s', service, '-n', node])),
  ).secrets;
}

/** What `reader` decrypts of the node after a sync: item id → status. */
async function readAs(reader: TestUser, owner: TestUser, node: string): Promise<Record<string, string>> {
  ok(await reader.run(['sync']));
  const fetched = json<Fetched>(await reader.run(['--json', 'fetch', '-s', owner.jid, '-n', node]));
  return Object.fromEntries(fetched.items.map((i) => [i.id, i.status]));
}

/** A new device of `owner`'s account, its key restored from the PEP backup, synced. */
async function restoredDevice(owner: TestUser, backupCode: string): Promise<TestUser> {
  const device = await TestUser.device(owner.name);
  await device.addProfile();
  const codeFile = join(device.home, 'backup-code');
  await writeFile(codeFile, `${backupCode}\n`, { mode: 0o600 });
  ok(await device.run(['key', 'restore', '--backup-code-file', codeFile]));
  ok(await device.run(['sync']));
  return device;
}

describe('#18 one account, several devices', () => {
  let alice: TestUser;
  let bob: TestUser;
  let carol: TestUser;
  let dave: TestUser;
  let laptop: TestUser;
  let backupCode: string;
  const node = `urn:example:devices:${Date.now()}`;

  beforeAll(async () => {
    [alice, bob, carol, dave] = (await TestUser.createMany(['alice', 'bob', 'carol', 'dave'])) as [
      TestUser,
      TestUser,
      TestUser,
      TestUser,
    ];
    for (const user of [alice, bob, carol, dave]) {
      await user.addProfile();
      ok(await user.run(['key', 'generate']));
    }
    ok(await alice.run(['encrypt-node', '-n', node]));
    await publish(alice, node, 'first');
    ok(await alice.run(['secret', 'share', '-n', node, bob.jid, carol.jid]));
    backupCode = json<{ backupCode: string }>(ok(await alice.run(['--json', 'key', 'backup']))).backupCode;
    laptop = await restoredDevice(alice, backupCode);
  }, 180_000);

  it('#18.1 rotate on the second device reaches every reader: bob reads the next post of the first device', async () => {
    const rotated = json<{ recipients: string[]; revoked: string[] }>(
      ok(await laptop.run(['--json', 'secret', 'rotate', '-n', node])),
    );
    expect(rotated.recipients.sort()).toEqual([bob.jid, carol.jid].sort());
    const { id } = await publish(alice, node, 'after the rotation');
    expect((await readAs(bob, alice, node))[id]).toBe('decrypted');
    // the revocation reached bob too
    const bobs = await secrets(bob, alice.jid, node);
    for (const revoked of rotated.revoked) expect(bobs.find((s) => s.id === revoked)?.revoked).toBe(true);
  });

  it("#18.1 revoke on the second device reaches every reader: bob's copy is revoked", async () => {
    ok(await laptop.run(['sync']));
    const active = (await secrets(laptop, alice.jid, node)).find((s) => !s.revoked)!;
    const revoked = json<{ recipients: string[] }>(
      ok(await laptop.run(['--json', 'secret', 'revoke', '-n', node, active.id])),
    );
    expect(revoked.recipients.sort()).toEqual([bob.jid, carol.jid].sort());
    ok(await bob.run(['sync']));
    expect((await secrets(bob, alice.jid, node)).find((s) => s.id === active.id)?.revoked).toBe(true);
  });

  it('#18.2 publish on the first device sends a secret no reader has to the whitelist first', async () => {
    // every secret is revoked: publishing makes a new one, which has reached nobody yet
    const { id, stderr } = await publish(alice, node, 'with a fresh secret');
    expect(stderr).toMatch(/sent to none of its readers/);
    expect((await readAs(bob, alice, node))[id]).toBe('decrypted');
    expect((await readAs(carol, alice, node))[id]).toBe('decrypted');
    // once sent, publishing asks nothing more of the readers
    const again = await publish(alice, node, 'cheap');
    expect(again.stderr).not.toMatch(/sent to none of its readers/);
  });

  it('#18.2 publish refuses, naming the command to run, when no reader can be sent the secret', async () => {
    const keyless = await TestUser.create('eve');
    const other = `${node}:keyless`;
    ok(await alice.run(['encrypt-node', '-n', other]));
    // eve joins the whitelist by another client, and has no OpenPGP key
    await withUser(alice, async (ctx) =>
      setNodeAffiliations(await ctx.session(), alice.jid, other, new Map([[keyless.jid, 'member']])),
    );
    const refused = await alice.run(['publish', '-n', other, '-'], {
      input: "<note xmlns='urn:example:notes'>x</note>",
    });
    expect(refused.code).toBe(3);
    expect(refused.stderr).toMatch(/no reader of node .* could be sent its secret .*nothing published/);
    expect(refused.stderr).toContain(`oxps secret share -s ${alice.jid} -n ${other}`);
    const items = json<Fetched>(ok(await alice.run(['--json', 'fetch', '-n', other]))).items;
    expect(items).toEqual([]);
  });

  it("#18.3 share on the second device: the first device's secret list shows the new reader, and the gap", async () => {
    ok(await laptop.run(['secret', 'share', '-n', node, dave.jid]));
    const listed = await secrets(alice, alice.jid, node);
    for (const secret of listed)
      expect(secret.readers?.sort()).toEqual([bob.jid, carol.jid, dave.jid].sort());
    const current = listed.find((s) => !s.revoked)!;
    // the first device did not send it to dave itself: it says so, and does not claim it did
    expect(current.sharedWith).not.toContain(dave.jid);
    expect(current.missing).toContain(dave.jid);
    const text = ok(await alice.run(['secret', 'list', '-n', node])).stdout;
    expect(text).toMatch(/readers .*dave/);
    expect(await readAs(dave, alice, node)).toSatisfy((read: Record<string, string>) =>
      Object.values(read).every((s) => s === 'decrypted'),
    );
  });

  it('#18.4 a device restored from the backup, then rotate: every reader gets the new secret', async () => {
    const restored = await restoredDevice(alice, backupCode);
    const rotated = json<{ recipients: string[] }>(
      ok(await restored.run(['--json', 'secret', 'rotate', '-n', node, '--remove', carol.jid])),
    );
    expect(rotated.recipients.sort()).toEqual([bob.jid, dave.jid].sort());
    const { id } = await publish(alice, node, 'after the restore');
    expect((await readAs(bob, alice, node))[id]).toBe('decrypted');
    expect((await readAs(dave, alice, node))[id]).toBe('decrypted');
    // carol left the whitelist: every device now lists bob and dave as the readers
    expect(
      (await secrets(alice, alice.jid, node)).every(
        (s) => s.readers?.sort().join() === [bob.jid, dave.jid].sort().join(),
      ),
    ).toBe(true);
  });
});
