// `fetch --all` asks for the whole node in one <items/> request (#14.1): Prosody's file storage
// loads the whole node for every request, so id batches cost one load each. It falls back to id
// batches only when an answer is visibly cut short (fewer items than disco#items lists, or an RSM
// <set/> saying there are more), and remembers per service which way works. The server's stanza
// log shows what oxps asked; test/harness/prosody-modules cuts answers short deterministically.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFile } from 'node:fs/promises';
import {
  PUBSUB,
  removeServerDir,
  startProsody,
  stanzaLogFile,
  type ProsodyServer,
} from '../harness/prosody.js';
import { TestUser, json, ok } from '../helpers/cli.js';

const ITEMS = 12;
const KEPT = 5;
const WHOLE = 'fetch-all-whole';
const SILENT = 'fetch-all-cut';
const SAYS_SO = 'fetch-all-cut-rsm';

interface Fetched {
  items: Array<{ id: string; status: string }>;
  counts: Record<string, number>;
}

function entries(tag: string): string {
  return Array.from({ length: ITEMS }, (_, i) =>
    JSON.stringify({
      id: `${tag}-${i}`,
      payload: `<entry xmlns='http://www.w3.org/2005/Atom'><title>${tag} ${i}</title></entry>`,
    }),
  ).join('\n');
}

/** What the server received for `node` since the log had `from` bytes: plain <items/>, by-id <items/>, disco#items. */
async function requestsFor(
  server: ProsodyServer,
  node: string,
  from: number,
): Promise<{ plain: number; byId: number; listing: number; size: number }> {
  const log = await readFile(stanzaLogFile(server.dir), 'utf8');
  const received = log
    .slice(from)
    .split('\n')
    .filter((line) => line.includes('RECV:'));
  const items = received.filter((line) => line.includes(`<items node='${node}'`));
  return {
    plain: items.filter((line) => !line.includes('<item ')).length,
    byId: items.filter((line) => line.includes('<item ')).length,
    listing: received.filter((line) => line.includes('disco#items') && line.includes(`node='${node}'`))
      .length,
    size: log.length,
  };
}

async function logSize(server: ProsodyServer): Promise<number> {
  return (await readFile(stanzaLogFile(server.dir), 'utf8')).length;
}

describe('fetch --all: one request, id batches when the answer is cut short (#14.1)', () => {
  let server: ProsodyServer;
  let alice: TestUser;

  beforeAll(async () => {
    server = await startProsody({
      pubsubAdmins: ['alice@localhost'],
      stanzaDebug: true,
      truncateItems: { [SILENT]: KEPT },
      truncateItemsRsm: { [SAYS_SO]: KEPT },
    });
    alice = await TestUser.device('alice');
    await alice.addProfile([], server);
    ok(await alice.run(['encrypt-node', '-n', WHOLE]));
    ok(await alice.run(['publish', '-n', WHOLE, '--jsonl', '-'], { input: entries('w') }));
    ok(await alice.run(['encrypt-node', '-n', SAYS_SO]));
    ok(await alice.run(['publish', '-n', SAYS_SO, '--jsonl', '-'], { input: entries('r') }));
    ok(await alice.run(['encrypt-node', '-s', PUBSUB, '-n', SILENT]));
    ok(await alice.run(['publish', '-s', PUBSUB, '-n', SILENT, '--jsonl', '-'], { input: entries('s') }));
  }, 300_000);

  afterAll(async () => {
    await server?.stop();
    if (server) await removeServerDir(server);
  });

  const fetchAll = async (args: string[]): Promise<Fetched> => {
    const fetched = json<Fetched>(ok(await alice.run(['--json', 'fetch', '--all', '--no-cache', ...args])));
    expect(fetched.counts.decrypted).toBe(ITEMS);
    return fetched;
  };

  it('#14.1 a node the server gives whole in one answer is fetched with one request, checked once against disco#items', async () => {
    let from = await logSize(server);
    await fetchAll(['-n', WHOLE]);
    const first = await requestsFor(server, WHOLE, from);
    expect(first).toMatchObject({ plain: 1, byId: 0, listing: 1 });
    from = first.size;
    // the service is now known to answer whole: no listing, one request
    await fetchAll(['-n', WHOLE]);
    expect(await requestsFor(server, WHOLE, from)).toMatchObject({ plain: 1, byId: 0, listing: 0 });
  });

  it('#14.1 an answer cut short silently (fewer items than disco#items lists) is completed by id, and the service remembered', async () => {
    let from = await logSize(server);
    const fetched = await fetchAll(['-s', PUBSUB, '-n', SILENT]);
    expect(new Set(fetched.items.map((item) => item.id)).size).toBe(ITEMS);
    const first = await requestsFor(server, SILENT, from);
    expect(first).toMatchObject({ plain: 1, byId: 1, listing: 1 });
    from = first.size;
    // the service cuts answers short: straight to the listing and id batches
    await fetchAll(['-s', PUBSUB, '-n', SILENT]);
    expect(await requestsFor(server, SILENT, from)).toMatchObject({ plain: 0, byId: 1, listing: 1 });
  });

  it('#14.1 an answer whose RSM <set/> counts more items than it holds is completed by id, even on a service known to answer whole', async () => {
    const from = await logSize(server);
    const fetched = await fetchAll(['-n', SAYS_SO]);
    expect(new Set(fetched.items.map((item) => item.id)).size).toBe(ITEMS);
    expect(await requestsFor(server, SAYS_SO, from)).toMatchObject({ plain: 1, byId: 1, listing: 1 });
  });

  it('#14.R1 node audit reads the items as fetch --all does: on a service remembered to cut answers short, the listing once and id batches', async () => {
    const audit = async () => {
      const result = await alice.run(['--json', 'node', 'audit', '-s', PUBSUB, '-n', SILENT]);
      expect(json<{ nodes: Array<{ items: number }> }>(result).nodes[0]?.items, result.stderr).toBe(ITEMS);
    };
    await audit();
    const from = await logSize(server);
    await audit();
    expect(await requestsFor(server, SILENT, from)).toMatchObject({ plain: 0, byId: 1, listing: 1 });
  });
});
