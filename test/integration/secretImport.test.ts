// #15.3 oxps secret import --from-file against the real Prosody: the secrets a Libervia client of
// the account holds (its `pubsub secret list -O json -v`), stored as if received; fetch then
// reads the items they encrypted and share/rotate go on.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { TestUser, json, ok } from '../helpers/cli.js';
import { rawSession } from '../helpers/inProcess.js';
import type { Session } from '../../src/xmpp/session.js';
import { createNodeIq } from '../../src/protocol/pubsub/node.js';
import { publishIq } from '../../src/protocol/pubsub/publish.js';
import { buildEncrypted } from '../../src/protocol/oxps/encrypted.js';
import { encryptItem } from '../../src/crypto/itemCipher.js';

interface Imported {
  node: string;
  id: string;
  timestamp: string;
  origin: string;
  revoked: boolean;
  sharedWith: string[];
  status: string;
  reason?: string;
  key?: string;
}

describe('#15.3 oxps secret import --from-file', () => {
  let alice: TestUser;
  let bob: TestUser;
  let raw: Session;
  const node = 'urn:example:moved-in';
  const oldKey = 'O'.repeat(86);
  const newKey = 'N'.repeat(86);
  const entry = (id: string, key: string, timestamp: number, extra: Record<string, unknown> = {}) => ({
    id,
    key,
    timestamp,
    origin: '',
    revoked: false,
    shared_with: [] as string[],
    ...extra,
  });
  const file = async (name: string, secrets: unknown[]) => {
    const path = join(alice.home, name);
    await writeFile(path, JSON.stringify(secrets));
    return path;
  };
  const publishWith = async (id: string, secretId: string, key: string, text: string) => {
    const ciphertext = await encryptItem(Buffer.from(`<note xmlns='urn:example'>${text}</note>`), key);
    await raw.iq(publishIq(alice.jid, node, id, buildEncrypted({ secretId, ciphertext })), 'publish');
  };

  beforeAll(async () => {
    [alice, bob] = (await TestUser.createMany(['alice', 'bob'])) as [TestUser, TestUser];
    await Promise.all([alice, bob].map((u) => u.addProfile()));
    await Promise.all([alice, bob].map(async (u) => ok(await u.run(['key', 'generate']))));
    // what Libervia did on alice's account: a whitelist node, two secrets (the first revoked), a post under each
    raw = await rawSession(alice.name);
    await raw.iq(
      createNodeIq(alice.jid, node, { 'pubsub#access_model': 'whitelist', 'pubsub#max_items': '20' }),
      'create',
    );
    await publishWith('post-one', 'OLDSECRET', oldKey, 'before the rotation');
    await publishWith('post-two', 'NEWSECRET', newKey, 'after the rotation');
  });
  afterAll(async () => {
    await raw?.close();
  });

  it("#15.3 imports the account's own secrets as received: origin, dates, revoked flag, shared_with; keys only with --show-secrets", async () => {
    const path = await file('secrets.json', [
      entry('OLDSECRET', oldKey, 1764547200, {
        origin: alice.jid,
        revoked: true,
        shared_with: ['ex@localhost'],
      }),
      entry('NEWSECRET', newKey, 1764892800.25, { origin: alice.jid }),
    ]);
    const result = await alice.run(['--json', 'secret', 'import', '--from-file', path, '-n', node]);
    expect(result.code, result.stderr).toBe(0);
    const report = json<{ service: string; secrets: Imported[] }>(result);
    expect(report.secrets).toEqual([
      {
        node,
        id: 'OLDSECRET',
        timestamp: '2025-12-01T00:00:00Z',
        origin: alice.jid,
        revoked: true,
        sharedWith: ['ex@localhost'],
        status: 'imported',
      },
      {
        node,
        id: 'NEWSECRET',
        timestamp: '2025-12-05T00:00:00Z',
        origin: alice.jid,
        revoked: false,
        sharedWith: [],
        status: 'imported',
      },
    ]);
    expect(result.stdout).not.toContain(newKey);
    const list = json<{ secrets: Array<Record<string, unknown>> }>(
      await alice.run(['--json', 'secret', 'list', '-n', node]),
    );
    expect(
      list.secrets.map(({ id, timestamp, origin, revoked, sharedWith }) => ({
        id,
        timestamp,
        origin,
        revoked,
        sharedWith,
      })),
    ).toEqual([
      {
        id: 'OLDSECRET',
        timestamp: '2025-12-01T00:00:00Z',
        origin: alice.jid,
        revoked: true,
        sharedWith: ['ex@localhost'],
      },
      {
        id: 'NEWSECRET',
        timestamp: '2025-12-05T00:00:00Z',
        origin: alice.jid,
        revoked: false,
        sharedWith: [],
      },
    ]);
    // again: nothing new; with --show-secrets the keys
    const again = json<{ secrets: Imported[] }>(
      ok(await alice.run(['--json', 'secret', 'import', '--from-file', path, '-n', node, '--show-secrets'])),
    );
    expect(again.secrets.map((s) => [s.status, s.key])).toEqual([
      ['known', oldKey],
      ['known', newKey],
    ]);
  });

  it('#15.3 fetch reads the old posts; share and rotate go on; bob reads', async () => {
    const fetched = json<{ items: Array<{ id: string; status: string; secretId: string; xml: string }> }>(
      ok(await alice.run(['--json', 'fetch', '-n', node, '--all'])),
    );
    expect(fetched.items.map((i) => [i.id, i.status, i.secretId]).sort()).toEqual([
      ['post-one', 'decrypted', 'OLDSECRET'],
      ['post-two', 'decrypted', 'NEWSECRET'],
    ]);
    ok(await alice.run(['secret', 'share', '-n', node, bob.jid]));
    ok(await bob.run(['sync']));
    const read = json<{ items: Array<{ id: string; status: string; xml: string }> }>(
      ok(await bob.run(['--json', 'fetch', '-s', alice.jid, '-n', node, '--all'])),
    );
    expect(read.items.map((i) => [i.id, i.status]).sort()).toEqual([
      ['post-one', 'decrypted'],
      ['post-two', 'decrypted'],
    ]);
    ok(await alice.run(['secret', 'rotate', '-n', node]));
    const secrets = json<{ secrets: Array<{ id: string; revoked: boolean; origin: string }> }>(
      ok(await alice.run(['--json', 'secret', 'list', '-n', node])),
    ).secrets;
    expect(secrets.filter((s) => !s.revoked)).toEqual([expect.objectContaining({ origin: alice.jid })]);
    expect(secrets.filter((s) => !s.revoked)[0]!.id).not.toBe('NEWSECRET');
  });

  it('#15.3 refuses secrets made by another account, one line each, unless --trust-origin', async () => {
    // a node of bob's whose secret alice's Libervia received from bob
    const path = await file('bob.json', [
      entry('BOBSECRET', 'B'.repeat(86), 1764892800, { origin: bob.jid }),
    ]);
    const refused = await alice.run([
      '--json',
      'secret',
      'import',
      '--from-file',
      path,
      '-s',
      bob.jid,
      '-n',
      'urn:example:bobs',
    ]);
    expect(refused.code).toBe(9);
    expect(json<{ secrets: Imported[] }>(refused).secrets).toEqual([
      expect.objectContaining({
        id: 'BOBSECRET',
        status: 'refused',
        reason: expect.stringContaining(`made by ${bob.jid}, not by ${alice.jid}`),
      }),
    ]);
    expect(
      refused.stderr.split('\n').filter((l) => l.includes('not imported: secret BOBSECRET')),
    ).toHaveLength(1);
    const trusted = json<{ secrets: Imported[] }>(
      ok(
        await alice.run([
          '--json',
          'secret',
          'import',
          '--from-file',
          path,
          '-s',
          bob.jid,
          '-n',
          'urn:example:bobs',
          '--trust-origin',
        ]),
      ),
    );
    expect(trusted.secrets).toEqual([
      expect.objectContaining({ id: 'BOBSECRET', status: 'imported', origin: bob.jid }),
    ]);
    // on alice's own PEP node, a secret "made by bob" stays refused: only alice makes its secrets
    const mine = await alice.run([
      '--json',
      'secret',
      'import',
      '--from-file',
      path,
      '-n',
      'urn:example:alices',
      '--trust-origin',
    ]);
    expect(mine.code).toBe(9);
    expect(json<{ secrets: Imported[] }>(mine).secrets[0]).toMatchObject({
      status: 'refused',
      reason: expect.stringContaining('which only'),
    });
  });

  it('#15.3 a short key is imported with a warning; node audit flags it, and an overdue rotation (#15.2)', async () => {
    const weak = 'urn:example:weak';
    await raw.iq(createNodeIq(alice.jid, weak, { 'pubsub#access_model': 'whitelist' }), 'create');
    const path = await file('weak.json', [entry('WEAK', 'password123', 1700000000, { origin: alice.jid })]);
    const result = await alice.run(['secret', 'import', '--from-file', path, '-n', weak]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/only 11 characters long/);
    const audit = await alice.run(['--json', 'node', 'audit', '-n', weak]);
    expect(audit.code).toBe(9);
    expect(
      json<{ nodes: Array<{ findings: Array<{ kind: string; fix: string }> }> }>(
        audit,
      ).nodes[0]!.findings.map((f) => [f.kind, f.fix]),
    ).toEqual([
      ['short-secret', `oxps secret rotate -s ${alice.jid} -n ${weak}`],
      ['rotation-overdue', `oxps secret rotate -s ${alice.jid} -n ${weak}`],
    ]);
  });

  it('#15.3 usage: one source, one node for a file, a bad file named', async () => {
    expect((await alice.run(['secret', 'import', '-n', node])).code).toBe(2);
    expect((await alice.run(['secret', 'import', '--from-file', 'x.json'])).code).toBe(2);
    const path = await file('bad.json', [{ id: 'X', key: 3 }]);
    const bad = await alice.run(['secret', 'import', '--from-file', path, '-n', node]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain(`secret 1 of ${path}: "key" must be`);
  });
});
