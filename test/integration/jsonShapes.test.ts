// The --json contract: every documented shape in README.md ("JSON output") is what the commands
// print — no undocumented field, no field of another type — and errors are JSON on stderr.
import { describe, expect, it, beforeAll } from 'vitest';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { TestUser, json, ok, type RunResult } from '../helpers/cli.js';

type Shape = unknown;

/** The example documents of README.md, by the name in their `<!-- json: NAME -->` marker. */
function documentedShapes(): Map<string, Shape> {
  const readme = readFileSync(fileURLToPath(new URL('../../README.md', import.meta.url)), 'utf8');
  const shapes = new Map<string, Shape>();
  for (const match of readme.matchAll(/<!-- json: ([^>]+?) -->\s*```json\n([\s\S]*?)```/g))
    shapes.set(match[1]!, JSON.parse(match[2]!));
  return shapes;
}

/** Fails when `actual` has a field `documented` lacks, or a field of another JSON type. */
function expectShape(actual: unknown, documented: unknown, path: string): void {
  const kind = (v: unknown) => (Array.isArray(v) ? 'array' : v === null ? 'null' : typeof v);
  expect(kind(actual), `${path} has type ${kind(actual)}, documented ${kind(documented)}`).toBe(
    kind(documented),
  );
  if (Array.isArray(actual) && Array.isArray(documented)) {
    // every element must fit one of the documented examples (they may show several variants)
    const merged = Object.assign({}, ...documented.filter((d) => kind(d) === 'object'));
    for (const [i, element] of actual.entries()) {
      if (kind(element) === 'object') expectShape(element, merged, `${path}[${i}]`);
      else expect(kind(element), `${path}[${i}]`).toBe(kind(documented[0]));
    }
  } else if (kind(actual) === 'object') {
    const doc = documented as Record<string, unknown>;
    for (const [key, value] of Object.entries(actual as Record<string, unknown>)) {
      expect(Object.keys(doc), `${path}.${key} is not documented`).toContain(key);
      expectShape(value, doc[key], `${path}.${key}`);
    }
  }
}

describe('--json output matches README.md', () => {
  const shapes = documentedShapes();
  let alice: TestUser;
  let bob: TestUser;
  const node = `urn:example:json:${Date.now()}`;
  const check = (name: string, result: RunResult) => {
    ok(result);
    const shape = shapes.get(name);
    expect(shape, `README documents no "${name}" shape`).toBeDefined();
    expectShape(json(result), shape, name);
  };

  beforeAll(async () => {
    [alice, bob] = (await TestUser.createMany(['alice', 'bob'])) as [TestUser, TestUser];
    await alice.addProfile();
    await bob.addProfile();
  });

  it('documents every shape this test checks', () => {
    for (const name of [
      'error',
      'profile list',
      'key list',
      'key generate',
      'key trust',
      'encrypt-node',
      'publish',
      'publish --jsonl',
      'fetch',
      'blog read',
      'secret list',
      'secret share',
      'secret rotate',
      'secret revoke',
      'sync',
      'node audit',
      'secret import',
    ]) {
      expect(shapes.has(name), name).toBe(true);
    }
  });

  it('matches for every command', async () => {
    check('profile list', await alice.run(['--json', 'profile', 'list']));
    check('key generate', await alice.run(['--json', 'key', 'generate']));
    check('key generate', await bob.run(['--json', 'key', 'generate']));
    check('key list', await alice.run(['--json', 'key', 'list']));
    const bobKey = json<{ keys: Array<{ fingerprint: string }> }>(await bob.run(['--json', 'key', 'list']))
      .keys[0]!.fingerprint;
    check('key trust', await alice.run(['--json', 'key', 'trust', bob.jid, bobKey]));
    check('encrypt-node', await alice.run(['--json', 'encrypt-node', '-n', node]));
    check(
      'publish',
      await alice.run(['--json', 'publish', '-n', node, '-'], {
        input: "<note xmlns='urn:example'>x</note>",
      }),
    );
    check(
      'publish',
      await alice.run(['--json', 'publish', '-n', node, '--sign', '-'], {
        input: "<note xmlns='urn:example'>signed</note>",
      }),
    );
    check(
      'publish --jsonl',
      await alice.run(['--json', 'publish', '-n', node, '--jsonl', '-'], {
        input: JSON.stringify({ payload: "<note xmlns='urn:example'>y</note>" }),
      }),
    );
    check('secret share', await alice.run(['--json', 'secret', 'share', '-n', node, bob.jid]));
    check('sync', await bob.run(['--json', 'sync']));
    check('fetch', await bob.run(['--json', 'fetch', '-s', alice.jid, '-n', node, '--attachments']));
    check('secret list', await alice.run(['--json', 'secret', 'list', '-n', node, '--show-secrets']));
    // #17.8 a reader waiting for a key, in share's and secret list's documents
    const carol = await TestUser.create('carol');
    check(
      'secret share',
      await alice.run(['--json', 'secret', 'share', '-n', node, '--whitelist-only', carol.jid]),
    );
    check('secret list', await alice.run(['--json', 'secret', 'list', '-n', node]));
    check('secret rotate', await alice.run(['--json', 'secret', 'rotate', '-n', node]));
    const active = json<{ secrets: Array<{ id: string; revoked: boolean }> }>(
      await alice.run(['--json', 'secret', 'list', '-n', node]),
    ).secrets.find((s) => !s.revoked)!;
    check('secret revoke', await alice.run(['--json', 'secret', 'revoke', '-n', node, active.id]));
    ok(await alice.run(['blog', 'setup', '--yes']));
    ok(
      await alice.run(['blog', 'post', '--title', 'Hello', '--content-file', '-', '--markdown'], {
        input: 'some *rich* text',
      }),
    );
    check('blog read', await alice.run(['--json', 'blog', 'read']));
    // #15.2 with findings: exit 9, the document on stdout all the same
    ok(
      await alice.run(['publish', '-n', node, '--plaintext', '--force', '-'], {
        input: "<note xmlns='urn:example'>clear</note>",
      }),
    );
    const audit = await alice.run(['--json', 'node', 'audit', '--all-nodes']);
    expect(audit.code, audit.stderr).toBe(9);
    expectShape(json(audit), shapes.get('node audit'), 'node audit');
    // #15.3
    const secrets = join(alice.home, 'libervia-secrets.json');
    writeFileSync(
      secrets,
      JSON.stringify([
        {
          id: 'IMPORTED1',
          key: 'k'.repeat(86),
          timestamp: 1764892800,
          origin: alice.jid,
          revoked: false,
          shared_with: [bob.jid],
        },
      ]),
    );
    check(
      'secret import',
      await alice.run([
        '--json',
        'secret',
        'import',
        '--from-file',
        secrets,
        '-n',
        `${node}:imported`,
        '--show-secrets',
      ]),
    );
  });

  it('prints errors as one JSON document on stderr', async () => {
    const result = await alice.run(['--json', 'secret', 'revoke', '-n', node, 'NOSUCHSECRET']);
    expect(result.code).toBe(3);
    expect(result.stdout).toBe('');
    const error = JSON.parse(result.stderr.trim().split('\n').pop()!) as unknown;
    expectShape(error, shapes.get('error'), 'error');
    expect(error).toMatchObject({ error: { code: 'SECRET_NOT_FOUND', exitCode: 3 } });
  });
});
