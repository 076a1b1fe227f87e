// oxps → Libervia: carol (oxps) encrypts a node, publishes Atom entries and shares the node's
// secrets with bob (Libervia 0.9); bob's Libervia must decrypt what oxps wrote. Then carol
// rotates with --remove bob.
import { beforeAll, describe, expect, it } from 'vitest';
import type { Element } from '@xmpp/xml';
import {
  OxpsDevice,
  childText,
  freshNode,
  jidOf,
  li,
  liberviaItems,
  waitForLiberviaSecrets,
} from './helpers.js';

const bob = jidOf('bob');

interface Entry {
  title: string;
  content: string;
  /** an attribute value, to exercise quoting inside markup too */
  category: string;
}

/**
 * Characters that Libervia 0.9 would mangle if oxps wrote them as raw UTF-8: it formats the
 * decrypted *bytes* with Python's repr before parsing (b'...' with \xc3\xa9, \', \\, \n escapes).
 */
const ENTRIES: Entry[] = [
  {
    title: 'Café "quoted" & it\'s ünïcode ✓ 😀',
    content: 'back\\slash, <angle> & ampersand\nsecond line\ttab',
    category: 'l\'été "chaud"',
  },
  { title: 'second entry, after a rotation', content: 'published with the second secret', category: 'plain' },
  { title: 'third entry, after bob was removed', content: 'bob must not read this', category: 'secret' },
];

function atom(entry: Entry): string {
  const esc = (s: string) =>
    s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  return (
    `<entry xmlns='http://www.w3.org/2005/Atom'><title>${esc(entry.title)}</title><content>${esc(entry.content)}</content>` +
    `<category term="${esc(entry.category)}"/></entry>`
  );
}

/** The entry as Libervia shows it: the plaintext Atom entry, not an <encrypted> element. */
function asEntry(payload: Element): Entry {
  expect(payload.toString()).not.toContain('urn:xmpp:openpgp:pubsub:0');
  expect([payload.name, payload.getNS()]).toEqual(['entry', 'http://www.w3.org/2005/Atom']);
  return {
    title: childText(payload, 'title')!,
    content: childText(payload, 'content')!,
    category: String(payload.getChild('category')?.attrs.term),
  };
}

describe('oxps → Libervia (carol publishes, bob reads)', () => {
  const carol = new OxpsDevice('carol');
  const node = freshNode('oxps-atom');
  const ids: string[] = [];
  const secrets: string[] = [];

  async function publish(entry: Entry): Promise<void> {
    const published = await carol.json<{ id: string; secretId: string; encrypted: boolean }>(
      ['publish', '-n', node, '-'],
      { input: atom(entry) },
    );
    expect(published.encrypted).toBe(true);
    ids.push(published.id);
  }

  beforeAll(async () => {
    const created = await carol.json<{ created: boolean; secret: { id: string } }>([
      'encrypt-node',
      '-n',
      node,
    ]);
    expect(created.created).toBe(true);
    secrets.push(created.secret.id);
    await publish(ENTRIES[0]!);
    // a second secret before anyone is told: sharing must then send both (the old one revoked)
    const rotated = await carol.json<{ secretId: string; revoked: string[] }>([
      'secret',
      'rotate',
      '-n',
      node,
    ]);
    expect(rotated.revoked).toEqual([secrets[0]]);
    secrets.push(rotated.secretId);
    await publish(ENTRIES[1]!);
  });

  it("carol shares with bob; bob's Libervia imports both secrets and decrypts both entries", async () => {
    const shared = await carol.json<{
      whitelisted: string[];
      delivered: Array<{ recipient: string; kind: string; secretId: string }>;
    }>(['secret', 'share', '-n', node, bob]);
    expect(shared.whitelisted).toEqual([bob]);
    // one message per secret: Libervia reads only the first <shared-secret> of a message
    expect(
      shared.delivered
        .filter((d) => d.recipient === bob)
        .map((d) => [d.kind, d.secretId])
        .sort(),
    ).toEqual(secrets.map((id) => ['shared-secret', id]).sort());

    const known = await waitForLiberviaSecrets('bob', carol.jid, node, (list) => list.length === 2);
    expect(known.map((s) => [s.id, s.origin, s.revoked]).sort()).toEqual(
      [
        [secrets[0], carol.jid, true],
        [secrets[1], carol.jid, false],
      ].sort(),
    );

    const items = await liberviaItems('bob', carol.jid, node);
    expect(Object.fromEntries(items.map((item) => [item.id, asEntry(item.payload)]))).toEqual({
      [ids[0]!]: ENTRIES[0],
      [ids[1]!]: ENTRIES[1],
    });
  });

  it('carol rotates with --remove bob: bob reads only the items of the secrets he had', async () => {
    const rotated = await carol.json<{
      secretId: string;
      revoked: string[];
      recipients: string[];
      removedFromWhitelist: string[];
    }>(['secret', 'rotate', '-n', node, '--remove', bob]);
    expect(rotated.revoked).toEqual([secrets[1]]);
    expect(rotated.recipients).toEqual([]);
    expect(rotated.removedFromWhitelist).toEqual([bob]);
    secrets.push(rotated.secretId);
    await publish(ENTRIES[2]!);

    // "Reads only the old items" has three faithful meanings here:
    // 1. the server no longer serves bob the node at all (he is off the whitelist);
    const refused = await li(['pubsub', 'get', '-p', 'bob', '-s', carol.jid, '-n', node, '-O', 'xml-raw'], {
      allowFailure: true,
    });
    expect(refused.code).not.toBe(0);
    expect(refused.stdout + refused.stderr).toMatch(/forbidden|not-authorized/);
    // 2. bob's Libervia took the revocation and never got the new secret: it holds the two old
    //    secrets, both revoked, and nothing else;
    const known = await waitForLiberviaSecrets('bob', carol.jid, node, (list) =>
      list.every((s) => s.revoked),
    );
    expect(known.map((s) => [s.id, s.revoked]).sort()).toEqual(
      [
        [secrets[0], true],
        [secrets[1], true],
      ].sort(),
    );
    // 3. given the ciphertext anyway (carol lets him back on the whitelist for a moment, as a
    //    server leak would), Libervia still decrypts the two old items and not the new one —
    //    Libervia 0.9 then shows the raw <encrypted> element (and exits 0).
    await carol.setAffiliations(node, { [bob]: 'member' });
    try {
      const items = await liberviaItems('bob', carol.jid, node);
      const byId = Object.fromEntries(items.map((item) => [item.id, item.payload]));
      expect(Object.keys(byId).sort()).toEqual([...ids].sort());
      expect(asEntry(byId[ids[0]!]!)).toEqual(ENTRIES[0]);
      expect(asEntry(byId[ids[1]!]!)).toEqual(ENTRIES[1]);
      const locked = byId[ids[2]!]!;
      expect([locked.name, locked.getNS(), locked.attrs.key]).toEqual([
        'encrypted',
        'urn:xmpp:openpgp:pubsub:0',
        secrets[2],
      ]);
      expect(locked.toString()).not.toContain('bob must not read this');
    } finally {
      await carol.setAffiliations(node, { [bob]: 'none' });
    }
  });
});
