// Fetch + decrypt of nodes of oxps-made items (1,000 and 10,000 by default): the decrypting
// fetch beside the same fetch without decrypting, a second fetch served from the cache of
// decrypted items, and libervia-cli pubsub get of the same node by Libervia's bob, who was
// given the secret by `oxps secret share` (which also whitelists him). Also the peak RSS.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import type { BenchConfig } from '../config.js';
import { PUBSUB, type World } from '../world.js';
import { jsonl } from '../lib/items.js';
import type { LiberviaGet } from '../lib/libervia.js';
import type { ProcessResult } from '../lib/proc.js';
import { formatCount, formatMs, median } from '../lib/stats.js';
import { ratioOf, type Figure, type Row } from '../lib/table.js';
import type { OxpsDevice } from '../lib/oxpsDevice.js';

export const TARGET_SIZE = 10_000;

interface FetchDoc {
  items: Array<{ status: string }>;
  counts: Record<string, number>;
}

export interface SeededNode {
  node: string;
  secretId: string;
  items: number;
  publishMs: number;
}

/** An encrypted node on pubsub.localhost with `count` items from `oxps publish --jsonl`. */
export async function seedNode(
  world: World,
  device: OxpsDevice,
  prefix: string,
  count: number,
): Promise<SeededNode> {
  const node = `${prefix}-${randomBytes(3).toString('hex')}`;
  const { doc: created } = await device.json<{ secret: { id: string } }>([
    'encrypt-node',
    '-s',
    PUBSUB,
    '-n',
    node,
  ]);
  const file = join(world.root, `${node}.jsonl`);
  await writeFile(file, jsonl(count));
  const { result, doc } = await device.json<{ published: number }>(
    ['publish', '-s', PUBSUB, '-n', node, '--jsonl', file],
    { timeoutMs: 1_800_000 },
  );
  if (doc.published !== count)
    throw new Error(`seeding ${node}: ${doc.published} of ${count} items published`);
  return { node, secretId: created.secret.id, items: count, publishMs: result.ms };
}

async function fetchRun(
  device: OxpsDevice,
  node: string,
  flags: string[],
  expect: { status: string; count: number },
): Promise<ProcessResult> {
  const { result, doc } = await device.json<FetchDoc>(
    ['fetch', '-s', PUBSUB, '-n', node, '--all', ...flags],
    { rss: true, timeoutMs: 1_800_000 },
  );
  const got = doc.counts?.[expect.status] ?? 0;
  if (got !== expect.count || doc.items.length !== expect.count) {
    throw new Error(
      `oxps fetch ${flags.join(' ')} of ${node}: ${got} ${expect.status} items of ${doc.items.length}, expected ${expect.count} (${JSON.stringify(doc.counts)})`,
    );
  }
  return result;
}

/** `li pubsub get -M N` by a Libervia profile, watched through the backend log (see watchedGet). */
export async function liberviaFetch(
  world: World,
  config: BenchConfig,
  profile: string,
  node: string,
  count: number,
): Promise<LiberviaGet> {
  return world.libervia!.watchedGet(profile, PUBSUB, node, count, config.liberviaTimeoutMs);
}

/** Libervia's figure with what it means: complete, or a lower bound and why. */
export function liberviaFigure(li: LiberviaGet, count: number): { figure: Figure; note?: string } {
  const perItem = `${formatMs(li.ms / count)}/item`;
  if (li.outcome === 'returned') {
    const complete = li.items === count && li.stillEncrypted === 0;
    return {
      figure: { value: li.ms, unit: 'ms', detail: perItem },
      ...(complete
        ? {}
        : {
            note: `libervia-cli printed ${li.items} of ${count} items, ${li.stillEncrypted} still encrypted`,
          }),
    };
  }
  if (li.outcome === 'never-returned') {
    return {
      figure: { value: li.ms, unit: 'ms', detail: `${perItem}; lower bound` },
      note: `the backend decrypted all ${formatCount(count)} items in ${formatMs(li.ms)}, but the result never reached libervia-cli (Libervia 0.9's pb bridge carries at most 640 KiB: Twisted Banana SIZE_LIMIT), so the command was stopped: its figure is the time to the last decryption, a lower bound`,
    };
  }
  const projected = li.decrypted > 0 ? li.ms * (count / li.decrypted) : undefined;
  return {
    figure: {
      value: li.ms,
      unit: 'ms',
      detail: `killed at the timeout, ${formatCount(li.decrypted)} of ${formatCount(count)} decrypted: a lower bound`,
    },
    note: `libervia-cli was killed after ${formatMs(li.ms)} (BENCH_LIBERVIA_TIMEOUT) with ${formatCount(li.decrypted)} of ${formatCount(count)} items decrypted by the backend${projected ? `; at that rate all would take about ${formatMs(projected)}` : ''}: its figure is a lower bound, the ratio an upper bound`,
  };
}

interface OxpsFetches {
  size: number;
  seeded: SeededNode;
  first: ProcessResult;
  decrypting: ProcessResult[];
  plain: ProcessResult[];
  cached: ProcessResult[];
}

/** Seeds the node, shares it with Libervia's bob, and runs the three oxps fetches, interleaved. */
async function oxpsFetches(
  world: World,
  config: BenchConfig,
  size: number,
  log: (m: string) => void,
): Promise<OxpsFetches> {
  const { carol, libervia } = world;
  const seeded = await seedNode(world, carol, `bench-fetch-${size}`, size);
  log(
    `seeded ${seeded.node}: ${formatCount(size)} items by oxps publish --jsonl in ${formatMs(seeded.publishMs)} (${(size / (seeded.publishMs / 1000)).toFixed(0)} items/s)`,
  );
  if (libervia) {
    await carol.json(['secret', 'share', '-s', PUBSUB, '-n', seeded.node, `bob@${world.address.domain}`]);
    await libervia.waitForSecret('bob', PUBSUB, seeded.node, seeded.secretId);
  }
  // the first fetch with the cache decrypts and fills it
  const first = await fetchRun(carol, seeded.node, [], { status: 'decrypted', count: size });
  const runs: OxpsFetches = { size, seeded, first, decrypting: [], plain: [], cached: [] };
  for (let i = 0; i < config.fetchRuns; i++) {
    runs.decrypting.push(
      await fetchRun(carol, seeded.node, ['--no-cache'], { status: 'decrypted', count: size }),
    );
    runs.plain.push(
      await fetchRun(carol, seeded.node, ['--no-decrypt'], { status: 'encrypted', count: size }),
    );
    runs.cached.push(await fetchRun(carol, seeded.node, [], { status: 'decrypted', count: size }));
  }
  log(
    `${seeded.node}: decrypting ${formatMs(msOf(runs.decrypting))}, without decrypting ${formatMs(msOf(runs.plain))}, cached ${formatMs(msOf(runs.cached))} (medians of ${config.fetchRuns})`,
  );
  return runs;
}

const msOf = (runs: ProcessResult[]) => median(runs.map((r) => r.ms));

/**
 * Libervia's bob reads each node, smallest first. Libervia decrypts with one gpg process per
 * item, so a big node can outlast BENCH_LIBERVIA_TIMEOUT: the figure is then a lower bound, and
 * the backend, still working on the request, is restarted before the next node.
 */
async function liberviaFetches(
  world: World,
  config: BenchConfig,
  nodes: OxpsFetches[],
  log: (m: string) => void,
): Promise<Map<number, LiberviaGet>> {
  const results = new Map<number, LiberviaGet>();
  for (const [index, { size, seeded }] of nodes.entries()) {
    const runs: LiberviaGet[] = [];
    for (let i = 0; i < config.liberviaRuns; i++) {
      const r = await liberviaFetch(world, config, 'bob', seeded.node, size);
      runs.push(r);
      log(
        `${seeded.node}: libervia-cli pubsub get: ${r.outcome}, ${formatMs(r.ms)}, ${r.decrypted} items decrypted by the backend, ${r.items} printed, ${r.stillEncrypted} left encrypted`,
      );
      if (r.outcome !== 'returned') break;
    }
    results.set(
      size,
      runs.find((r) => r.outcome !== 'returned') ?? { ...runs[0]!, ms: median(runs.map((r) => r.ms)) },
    );
    if (runs.some((r) => r.outcome === 'timeout') && index < nodes.length - 1) {
      log('restarting the Libervia backend (it is still decrypting the abandoned request)');
      await world.libervia!.restart(['alice', 'bob']);
    }
  }
  return results;
}

const mb = (kb: number | undefined) => (kb ?? Number.NaN) / 1024;

export async function benchFetch(
  world: World,
  config: BenchConfig,
  log: (m: string) => void,
): Promise<{ rows: Row[]; raw: unknown[] }> {
  const nodes: OxpsFetches[] = [];
  for (const size of config.fetchSizes) nodes.push(await oxpsFetches(world, config, size, log));
  const libervia = world.libervia ? await liberviaFetches(world, config, nodes, log) : undefined;

  const rows: Row[] = [];
  const raw: unknown[] = [];
  for (const { size, seeded, first, decrypting, plain, cached } of nodes) {
    const group = `fetch + decrypt ${formatCount(size)} oxps-made items`;
    const perItem = (total: number) => `${formatMs(total / size)}/item`;
    const fig = (runs: ProcessResult[]): Figure => ({
      value: msOf(runs),
      unit: 'ms',
      detail: perItem(msOf(runs)),
    });
    const decrypt = fig(decrypting);
    const atTarget = size === TARGET_SIZE;
    const noDecrypt = fig(plain);
    const vsPlain = ratioOf(decrypt, noDecrypt);
    rows.push({
      group,
      what: '`oxps fetch --all --no-cache` (decrypting)',
      oxps: decrypt,
      versus: 'same, `--no-decrypt`',
      baseline: noDecrypt,
      ratio: vsPlain,
      ...(atTarget ? { target: 'within 2×', met: vsPlain !== undefined && vsPlain <= 2 } : {}),
    });

    const li = libervia?.get(size);
    if (li) {
      const { figure: baseline, note } = liberviaFigure(li, size);
      const ratio = ratioOf(decrypt, baseline);
      rows.push({
        group,
        what: '`oxps fetch --all --no-cache` (decrypting)',
        oxps: decrypt,
        versus: `\`libervia-cli pubsub get -M ${size}\` (bob)`,
        baseline,
        ratio,
        lowerBound: li.outcome !== 'returned',
        ...(atTarget ? { target: '≥5× faster', met: ratio !== undefined && ratio <= 0.2 } : {}),
        ...(note ? { note } : {}),
      });
    } else {
      rows.push({
        group,
        what: '`oxps fetch --all --no-cache` (decrypting)',
        oxps: decrypt,
        versus: '`libervia-cli pubsub get`',
        note: `Libervia not measured: ${world.liberviaAbsent}`,
      });
    }

    const cache = fig(cached);
    rows.push({
      group,
      what: 'second `oxps fetch --all` (from the cache)',
      oxps: cache,
      versus: 'decrypting fetch',
      baseline: decrypt,
      ratio: ratioOf(cache, decrypt),
    });

    const peak = Math.max(...decrypting.map((r) => mb(r.maxRssKb)));
    const peakPlain = Math.max(...plain.map((r) => mb(r.maxRssKb)));
    const peakCached = Math.max(...cached.map((r) => mb(r.maxRssKb)));
    rows.push({
      group,
      what: 'peak RSS of `oxps fetch --all --no-cache`',
      oxps: {
        value: peak,
        unit: 'MB',
        detail: `--no-decrypt ${peakPlain.toFixed(0)} MB, cached ${peakCached.toFixed(0)} MB`,
      },
      ...(atTarget ? { target: '< 250 MB', met: peak < 250 } : {}),
    });
    rows.push({
      group,
      what: `seeding: \`oxps publish --jsonl\` of ${formatCount(size)} items`,
      oxps: {
        value: seeded.publishMs / size,
        unit: 'ms/item',
        detail: `${formatMs(seeded.publishMs)}, ${(size / (seeded.publishMs / 1000)).toFixed(0)} items/s`,
      },
    });
    raw.push({
      size,
      node: seeded.node,
      seedPublishMs: seeded.publishMs,
      firstFetchWithCacheMs: first.ms,
      decryptingMs: decrypting.map((r) => r.ms),
      noDecryptMs: plain.map((r) => r.ms),
      cachedMs: cached.map((r) => r.ms),
      rssKb: {
        decrypting: decrypting.map((r) => r.maxRssKb),
        noDecrypt: plain.map((r) => r.maxRssKb),
        cached: cached.map((r) => r.maxRssKb),
      },
      libervia: li,
    });
  }
  return { rows, raw };
}
