// Reading nodes as a newcomer does (issue 17): what a refused or missing node says, a --json
// document that stays one document on every exit path, and what `blog read` and
// `fetch --format atom` print.
import { spawn } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import { BIN, TestUser, json, ok } from '../helpers/cli.js';
import { cleanEnv } from '../harness/process.js';
import { parseXmlElement } from '../../src/protocol/xml.js';
import { atomRfc4287Problems } from '../helpers/atomRules.js';

const BLOG = 'urn:xmpp:microblog:0';
const PUBSUB = 'pubsub.localhost';

interface ErrorBody {
  code: string;
  message: string;
  exitCode: number;
}

/** Runs oxps and sends SIGINT as soon as it has written its first bytes on stdout. */
function interruptOnFirstOutput(
  user: TestUser,
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      env: cleanEnv(user.env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let sent = false;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (!sent) {
        sent = true;
        child.kill('SIGINT');
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('reading nodes', () => {
  let alice: TestUser;
  let bob: TestUser;

  beforeAll(async () => {
    const users = await TestUser.createMany(['alice', 'bob']);
    alice = users[0]!;
    bob = users[1]!;
    for (const user of [alice, bob]) {
      await user.addProfile();
      ok(await user.run(['key', 'generate']));
    }
    ok(await alice.run(['blog', 'setup', '--yes']));
    ok(
      await alice.run(['blog', 'post', '--title', 'First & plain', '--content-file', '-'], {
        input: 'plain body\n',
      }),
    );
    ok(
      await alice.run(['blog', 'post', '--title', 'Second', '--markdown', '--content-file', '-'], {
        input: 'some *rich* text\n',
      }),
    );
  });

  it('#17.6 a reader not on the whitelist is told he is not a reader of the blog and whom to ask (exit 7)', async () => {
    const refused = await bob.run(['blog', 'read', '-s', alice.jid]);
    expect(refused.code, refused.stderr).toBe(7);
    expect(refused.stderr).toContain(`you are not a reader of ${BLOG} on ${alice.jid}'s account`);
    expect(refused.stderr).toMatch(/has not shared it with you, or removed you/);
    expect(refused.stderr).toContain(`ask ${alice.jid}`);
  });

  it('#17.1 --json blog read refused by the server: stdout is one closed document that holds the error', async () => {
    const refused = await bob.run(['--json', 'blog', 'read', '-s', alice.jid]);
    expect(refused.code, refused.stderr).toBe(7);
    const document = json<{ service: string; items: unknown[]; error: ErrorBody }>(refused);
    expect(document).toMatchObject({
      service: alice.jid,
      node: BLOG,
      items: [],
      error: { code: 'SERVER_ERROR', exitCode: 7 },
    });
  });

  it('#17.6 a node that does not exist is "not found" (exit 3), on PEP and on a pubsub service', async () => {
    for (const service of [alice.jid, PUBSUB]) {
      const missing = await alice.run(['fetch', '-s', service, '-n', 'urn:example:no-such-node']);
      expect(missing.code, `${service}: ${missing.stderr}`).toBe(3);
      expect(missing.stderr).toContain(`node urn:example:no-such-node does not exist on ${service}`);
    }
  });

  it('#17.1 --json fetch of a missing node: stdout parses, with the error in it, exit 3', async () => {
    const missing = await alice.run(['--json', 'fetch', '-s', PUBSUB, '-n', 'urn:example:no-such-node']);
    expect(missing.code, missing.stderr).toBe(3);
    expect(json<{ error: ErrorBody }>(missing).error).toMatchObject({ code: 'NODE_NOT_FOUND', exitCode: 3 });
  });

  it('#17.1 Ctrl-C in the middle of a --json fetch leaves one closed document on stdout (exit 130)', async () => {
    const node = `urn:example:interrupted:${Date.now()}`;
    ok(await alice.run(['encrypt-node', '-n', node]));
    const lines = Array.from({ length: 120 }, (_, i) =>
      JSON.stringify({ payload: `<note xmlns='urn:example:notes'>${'x'.repeat(2000)} ${i}</note>` }),
    ).join('\n');
    ok(await alice.run(['publish', '-n', node, '--jsonl', '-'], { input: lines, timeoutMs: 300_000 }));
    const interrupted = await interruptOnFirstOutput(alice, [
      '--json',
      'fetch',
      '-n',
      node,
      '--all',
      '--no-cache',
    ]);
    expect(interrupted.code, interrupted.stderr).toBe(130);
    const document = JSON.parse(interrupted.stdout) as { items: unknown[]; error: ErrorBody };
    expect(document.error).toMatchObject({ code: 'INTERRUPTED', exitCode: 130 });
    expect(document.items.length).toBeLessThan(120);
    expect(JSON.parse(interrupted.stderr)).toMatchObject({ error: { code: 'INTERRUPTED' } });
  });

  it('#17.12 blog read separates entries by a blank line', async () => {
    const read = ok(await alice.run(['blog', 'read']));
    const blocks = read.stdout.trim().split(/\n\s*\n/);
    // each entry: a heading block (title, then date · author · item) and its body
    expect(blocks.length, read.stdout).toBe(4);
    expect(read.stdout).toMatch(/(plain body|some \*rich\* text)\n\n(First & plain|Second)\n/);
  });

  it("#17.12 --json blog read gives each entry's fields parsed beside the raw XML", async () => {
    const read = json<{ items: Array<{ xml: string; entry: Record<string, string> }> }>(
      ok(await alice.run(['--json', 'blog', 'read'])),
    );
    const byTitle = Object.fromEntries(read.items.map((item) => [item.entry.title, item]));
    const plain = byTitle['First & plain']!;
    expect(plain.xml).toContain('<entry');
    expect(plain.entry).toMatchObject({
      title: 'First & plain',
      author: alice.jid.split('@')[0],
      text: 'plain body',
    });
    expect(plain.entry.published).toMatch(/^\d{4}-\d\d-\d\dT/);
    expect(plain.entry.updated).toBe(plain.entry.published);
    expect(plain.entry.xhtml).toBeUndefined();
    const rich = byTitle.Second!.entry;
    expect(rich.text).toBe('some *rich* text');
    expect(parseXmlElement(rich.xhtml, 'xhtml').toString()).toContain('<em>rich</em>');
    expect(rich.xhtml).toMatch(/^<div xmlns="http:\/\/www.w3.org\/1999\/xhtml">/);
  });

  it('#17.11 fetch --format atom writes a feed valid by RFC 4287 (one content per entry)', async () => {
    const clear = `urn:example:clear-atom:${Date.now()}`;
    // an entry that lacks what a feed needs (id, updated, title), and one with two contents
    ok(
      await alice.run(['publish', '--plaintext', '-n', clear, '-i', 'bare', '-'], {
        input: `<entry xmlns='http://www.w3.org/2005/Atom'><content>bare</content></entry>`,
      }),
    );
    ok(
      await alice.run(['publish', '--plaintext', '-n', clear, '-i', 'two', '-'], {
        input: `<entry xmlns='http://www.w3.org/2005/Atom'><title>t</title><title>t2</title><content type='text'>a</content><content type='text'>b</content></entry>`,
      }),
    );
    for (const [service, node] of [
      [alice.jid, BLOG],
      [alice.jid, clear],
    ] as const) {
      const feed = ok(await alice.run(['fetch', '-s', service, '-n', node, '--format', 'atom']));
      expect(atomRfc4287Problems(feed.stdout), feed.stdout).toEqual([]);
    }
    const blog = ok(await alice.run(['fetch', '-n', BLOG, '--format', 'atom']));
    expect(blog.stdout).toContain('<em>rich</em>');
  });
});
