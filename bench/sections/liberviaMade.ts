// Libervia-made items (GnuPG S2K count 65,011,712: ~200× the cost of oxps-made ones): Libervia's
// alice posts BENCH_LIBERVIA_ITEMS encrypted blog entries (`li blog set -e`, timed: Libervia's
// per-item publish cost), whitelists and shares the secret with dave (oxps) and bob (Libervia);
// then per-item decrypt cost of `oxps fetch --all --no-cache` (after `oxps sync`) beside
// `libervia-cli pubsub get`.
import { randomBytes } from 'node:crypto';
import type { BenchConfig } from '../config.js';
import { PUBSUB, type World } from '../world.js';
import { blogBody } from '../lib/items.js';
import { formatCount, formatMs, median } from '../lib/stats.js';
import { ratioOf, type Figure, type Row } from '../lib/table.js';
import type { LiberviaGet } from '../lib/libervia.js';
import { liberviaFetch, liberviaFigure } from './fetch.js';

interface SyncDoc {
  accepted: Array<{ node: string; secretId: string }>;
}

interface FetchDoc {
  counts: Record<string, number>;
}

export async function benchLiberviaMade(
  world: World,
  config: BenchConfig,
  log: (m: string) => void,
): Promise<{ rows: Row[]; raw: unknown }> {
  const count = config.liberviaItems;
  const group = `fetch + decrypt ${formatCount(count)} Libervia-made items (GnuPG S2K)`;
  const { libervia, dave } = world;
  if (!libervia) {
    return {
      rows: [
        {
          group,
          what: '`oxps fetch --all --no-cache`',
          oxps: { value: Number.NaN, unit: 'ms/item' },
          versus: '`libervia-cli pubsub get`',
          note: `Libervia not measured: ${world.liberviaAbsent}`,
        },
      ],
      raw: undefined,
    };
  }
  const domain = world.address.domain;
  const node = `bench-libervia-made-${randomBytes(3).toString('hex')}`;
  const post = (i: number) =>
    libervia.li(
      ['blog', 'set', '-p', 'alice', '-s', PUBSUB, '-n', node, '-T', `Libervia bench post ${i}`, '-e'],
      { input: blogBody(i) },
    );
  const blogSetMs: number[] = [(await post(0)).ms];
  // Libervia creates the node with Prosody's defaults (open, few items): as XEP-0473 asks, a
  // whitelist node, readable by the two readers, keeping every item
  await libervia.whitelistNode(PUBSUB, node, [`dave@${domain}`, `bob@${domain}`], Math.max(1000, count));
  for (let i = 1; i < count; i++) {
    blogSetMs.push((await post(i)).ms);
    if (i % 50 === 0)
      log(`${node}: ${i} of ${count} Libervia posts (median ${formatMs(median(blogSetMs))} each)`);
  }
  world.shared.liberviaBlogSetMs = blogSetMs;
  log(`${node}: ${count} items by li blog set -e, median ${formatMs(median(blogSetMs))} each`);

  await libervia.li(['pubsub', 'secret', 'share', '-p', 'alice', '-s', PUBSUB, '-n', node, `dave@${domain}`]);
  await libervia.li(['pubsub', 'secret', 'share', '-p', 'alice', '-s', PUBSUB, '-n', node, `bob@${domain}`]);
  const [secretId] = await libervia.secretIds('alice', PUBSUB, node);
  if (!secretId) throw new Error(`Libervia's alice has no secret for ${node}`);

  // dave: oxps sync until the secret arrived (Libervia sends it asynchronously)
  const deadline = Date.now() + 60_000;
  for (;;) {
    const { doc } = await dave.json<SyncDoc>(['sync']);
    if (doc.accepted.some((a) => a.node === node && a.secretId === secretId)) break;
    if (Date.now() > deadline) throw new Error(`dave did not receive the secret of ${node} within 60 s`);
    await new Promise((r) => setTimeout(r, 500));
  }
  const oxpsMs: number[] = [];
  for (let i = 0; i < config.fetchRuns; i++) {
    const { result, doc } = await dave.json<FetchDoc>(
      ['fetch', '-s', PUBSUB, '-n', node, '--all', '--no-cache'],
      { timeoutMs: 1_800_000 },
    );
    if (doc.counts.decrypted !== count)
      throw new Error(`oxps fetch of ${node}: ${JSON.stringify(doc.counts)}, expected ${count} decrypted`);
    oxpsMs.push(result.ms);
  }

  await libervia.waitForSecret('bob', PUBSUB, node, secretId);
  const liRuns: LiberviaGet[] = [];
  for (let i = 0; i < config.liberviaRuns; i++) {
    const r = await liberviaFetch(world, config, 'bob', node, count);
    liRuns.push(r);
    if (r.outcome !== 'returned') break;
  }
  const li = liRuns.find((r) => r.outcome !== 'returned') ?? {
    ...liRuns[0]!,
    ms: median(liRuns.map((r) => r.ms)),
  };
  const oxpsTotal = median(oxpsMs);
  log(
    `${node}: oxps fetch ${formatMs(oxpsTotal)} (${formatMs(oxpsTotal / count)}/item), libervia-cli pubsub get ${formatMs(li.ms)} (${formatMs(li.ms / count)}/item), ${li.items} items, ${li.stillEncrypted} left encrypted`,
  );

  const oxps: Figure = {
    value: oxpsTotal / count,
    unit: 'ms/item',
    detail: `${formatMs(oxpsTotal)} for ${count}, median of ${oxpsMs.length}`,
  };
  const { figure, note } = liberviaFigure(li, count);
  const baseline: Figure = {
    value: figure.value / count,
    unit: 'ms/item',
    detail: `${formatMs(figure.value)} for ${count}${li.outcome === 'returned' ? '' : ': a lower bound'}`,
  };
  return {
    rows: [
      {
        group,
        what: '`oxps sync` then `oxps fetch --all --no-cache` (dave)',
        oxps,
        versus: `\`libervia-cli pubsub get -M ${count}\` (bob)`,
        baseline,
        ratio: ratioOf(oxps, baseline),
        lowerBound: li.outcome !== 'returned',
        ...(note ? { note } : {}),
      },
    ],
    raw: { node, blogSetMs, oxpsFetchMs: oxpsMs, libervia: liRuns },
  };
}
