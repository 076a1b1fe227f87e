// Bulk publish: `oxps publish --jsonl` of BENCH_PUBLISH_ITEMS items (a window of publish IQs in
// flight, one process) beside one `oxps publish` process per item, and beside Libervia, per
// item. Libervia's `pubsub set --encrypt` publishes plaintext (0.9 bug), so Libervia's figure
// is `blog set -e` (an encrypted Atom entry), from the Libervia-made items section.
import type { BenchConfig } from '../config.js';
import { PUBSUB, type World } from '../world.js';
import { atomEntry, blogBody } from '../lib/items.js';
import { formatCount, formatMs, mean, median } from '../lib/stats.js';
import { ratioOf, type Figure, type Row } from '../lib/table.js';
import { seedNode } from './fetch.js';

const perItemDetail = (totalMs: number, items: number) =>
  `${formatCount(items)} items in ${formatMs(totalMs)}, ${(items / (totalMs / 1000)).toFixed(0)} items/s`;

export async function benchPublish(
  world: World,
  config: BenchConfig,
  log: (m: string) => void,
): Promise<{ rows: Row[]; raw: unknown }> {
  const { carol } = world;
  const bulk = await seedNode(world, carol, 'bench-publish', config.publishItems);
  log(`oxps publish --jsonl: ${perItemDetail(bulk.publishMs, bulk.items)}`);
  const single: number[] = [];
  for (let i = 0; i < config.publishProcesses; i++) {
    single.push(
      (await carol.ok(['publish', '-s', PUBSUB, '-n', bulk.node, '-'], { input: atomEntry(100_000 + i) })).ms,
    );
  }
  const singleTotal = single.reduce((a, b) => a + b, 0);
  log(`one oxps publish process per item: ${perItemDetail(singleTotal, single.length)}`);

  const group = `bulk publish (${formatCount(config.publishItems)} items)`;
  const bulkFig: Figure = {
    value: bulk.publishMs / bulk.items,
    unit: 'ms/item',
    detail: perItemDetail(bulk.publishMs, bulk.items),
  };
  const singleFig: Figure = {
    value: singleTotal / single.length,
    unit: 'ms/item',
    detail: `${single.length} processes, median ${formatMs(median(single))}`,
  };
  const ratio = ratioOf(bulkFig, singleFig);
  const rows: Row[] = [
    {
      group,
      what: '`oxps publish --jsonl`',
      oxps: bulkFig,
      versus: 'one `oxps publish` process per item',
      baseline: singleFig,
      ratio,
      target: '≥10× faster',
      met: ratio !== undefined && ratio <= 0.1,
    },
  ];

  let liberviaMs = world.shared.liberviaBlogSetMs;
  if (!liberviaMs && world.libervia) {
    // the Libervia-made items section did not run: a few posts of our own
    const node = `bench-libervia-publish-${Date.now().toString(36)}`;
    liberviaMs = [];
    for (let i = 0; i < 10; i++) {
      liberviaMs.push(
        (
          await world.libervia.li(
            ['blog', 'set', '-p', 'alice', '-s', PUBSUB, '-n', node, '-T', `Libervia bench post ${i}`, '-e'],
            { input: blogBody(i) },
          )
        ).ms,
      );
    }
  }
  if (liberviaMs?.length) {
    const liFig: Figure = {
      value: mean(liberviaMs),
      unit: 'ms/item',
      detail: `${liberviaMs.length} \`li blog set -e\` runs, median ${formatMs(median(liberviaMs))}`,
    };
    rows.push({
      group,
      what: '`oxps publish --jsonl`',
      oxps: bulkFig,
      versus: 'Libervia per item (`blog set -e`: `pubsub set --encrypt` publishes plaintext)',
      baseline: liFig,
      ratio: ratioOf(bulkFig, liFig),
    });
    rows.push({
      group,
      what: 'one `oxps publish` process per item',
      oxps: singleFig,
      versus: 'Libervia per item (`blog set -e`)',
      baseline: liFig,
      ratio: ratioOf(singleFig, liFig),
    });
  } else {
    rows.push({
      group,
      what: '`oxps publish --jsonl`',
      oxps: bulkFig,
      versus: 'Libervia per item',
      note: `Libervia not measured: ${world.liberviaAbsent}`,
    });
  }
  return {
    rows,
    raw: {
      bulk: { items: bulk.items, ms: bulk.publishMs },
      singleProcessMs: single,
      liberviaBlogSetMs: liberviaMs,
    },
  };
}
