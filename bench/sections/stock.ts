// Issue 14, "fast on the servers people run": on the bench's Prosody (file storage or SQLite),
// oxps beside libervia-cli on the same node, both completing, runs interleaved, medians with
// their spread (min–max):
// - 256 oxps-made items on a PEP node (carol's): `fetch --all`, `fetch -m 256`, `--no-decrypt`
//   beside `libervia-cli pubsub get -M 300` (bob), with the Libervia backend's CPU time;
// - 20 and then 100 Libervia-made items (GnuPG S2K): `oxps fetch --all --no-cache` (dave) beside
//   `libervia-cli pubsub get` (bob); and, in-process, 20 such items through the decrypt pool
//   beside the same decrypted serially on one thread;
// - one-shot commands: `fetch -m 10`, `secret list`, `secret share` to one, `publish` of one
//   item, each beside its libervia-cli equivalent (whose daemon is already logged in).
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { BenchConfig } from '../config.js';
import { PUBSUB, type World } from '../world.js';
import { atomEntry, blogBody, jsonl } from '../lib/items.js';
import { formatCount, formatMs, median } from '../lib/stats.js';
import { ratioOf, type Figure, type Row } from '../lib/table.js';
import type { LiberviaGet, LiberviaPeer } from '../lib/libervia.js';
import type { OxpsDevice } from '../lib/oxpsDevice.js';
import type { ProcessResult } from '../lib/proc.js';
import { recordedLiberviaItem } from './gnupgItem.js';
import { Decryptor } from '../../src/crypto/decryptPool.js';

const PEP_ITEMS = 256;
const SMALL_LIBERVIA = 20;

interface FetchDoc {
  items: unknown[];
  counts: Record<string, number>;
}

/** "1.23 s (1.10–1.40 s, 5 runs)": the median and the spread. */
function spread(values: number[], scale = 1): string {
  const scaled = values.map((v) => v / scale);
  return `${formatMs(Math.min(...scaled))}–${formatMs(Math.max(...scaled))}, ${values.length} runs`;
}

function figure(values: number[], extra = ''): Figure {
  return { value: median(values), unit: 'ms', detail: `${spread(values)}${extra}` };
}

/** CPU seconds (user+system, with waited-for children such as gpg) of a process, from /proc. */
async function cpuMs(pid: number | undefined): Promise<number | undefined> {
  if (!pid) return undefined;
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8').catch(() => undefined);
  if (!stat) return undefined;
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // utime, stime, cutime, cstime are fields 14–17 (1-based) of the whole line: 11–14 after the state
  const ticks = [11, 12, 13, 14].map((i) => Number(fields[i]));
  return (ticks.reduce((a, b) => a + b, 0) * 1000) / 100;
}

async function backendPid(libervia: LiberviaPeer): Promise<number | undefined> {
  const text = await readFile(join(libervia.interopDir, 'pids', 'libervia-backend.pid'), 'utf8').catch(
    () => undefined,
  );
  return text ? Number(text.trim()) : undefined;
}

async function oxpsFetch(
  device: OxpsDevice,
  service: string,
  node: string,
  flags: string[],
  expect: { status: string; count: number },
): Promise<number> {
  const { result, doc } = await device.json<FetchDoc>(['fetch', '-s', service, '-n', node, ...flags], {
    timeoutMs: 600_000,
  });
  if ((doc.counts[expect.status] ?? 0) !== expect.count)
    throw new Error(
      `oxps fetch ${flags.join(' ')} of ${node}: ${JSON.stringify(doc.counts)}, expected ${expect.count} ${expect.status}`,
    );
  return result.ms;
}

/** `li pubsub get` that must complete with every item decrypted. */
async function liberviaGet(
  world: World,
  config: BenchConfig,
  service: string,
  node: string,
  count: number,
  max = count,
): Promise<LiberviaGet & { backendCpuMs?: number }> {
  const libervia = world.libervia!;
  const pid = await backendPid(libervia);
  const before = await cpuMs(pid);
  const got = await libervia.watchedGet('bob', service, node, max, config.liberviaTimeoutMs, count);
  const after = await cpuMs(pid);
  if (got.outcome !== 'returned' || got.items !== count || got.stillEncrypted !== 0) {
    throw new Error(
      `libervia-cli pubsub get of ${node}: ${got.outcome}, ${got.items} of ${count} items, ${got.stillEncrypted} still encrypted`,
    );
  }
  return { ...got, ...(before !== undefined && after !== undefined ? { backendCpuMs: after - before } : {}) };
}

export async function benchStock(
  world: World,
  config: BenchConfig,
  log: (m: string) => void,
): Promise<{ rows: Row[]; raw: unknown }> {
  const { libervia } = world;
  if (!libervia) {
    return {
      rows: [
        {
          group: 'issue 14 (stock servers)',
          what: 'oxps beside libervia-cli',
          oxps: { value: Number.NaN, unit: 'ms' },
          note: `Libervia not measured: ${world.liberviaAbsent}`,
        },
      ],
      raw: undefined,
    };
  }
  const runs = config.stockRuns;
  const rows: Row[] = [];
  const raw: Record<string, unknown> = {};
  await pepNode(world, config, runs, rows, raw, log);
  await oneShots(world, runs, rows, raw, log);
  await liberviaMade(world, config, runs, rows, raw, log);
  await decryptPool(runs, rows, raw, log);
  return { rows, raw };
}

async function pepNode(
  world: World,
  config: BenchConfig,
  runs: number,
  rows: Row[],
  raw: Record<string, unknown>,
  log: (m: string) => void,
): Promise<void> {
  const { carol, libervia } = world;
  const service = carol.jid;
  const node = `bench-pep-${randomBytes(3).toString('hex')}`;
  const { doc: created } = await carol.json<{ secret: { id: string } }>(['encrypt-node', '-n', node]);
  const file = join(world.root, `${node}.jsonl`);
  await writeFile(file, jsonl(PEP_ITEMS));
  await carol.ok(['publish', '-n', node, '--jsonl', file], { timeoutMs: 600_000 });
  await carol.json(['secret', 'share', '-n', node, `bob@${world.address.domain}`]);
  await libervia!.waitForSecret('bob', service, node, created.secret.id);
  raw.pepNode = node;
  const all: number[] = [];
  const max: number[] = [];
  const plain: number[] = [];
  const li: number[] = [];
  const liCpu: number[] = [];
  const expect = { status: 'decrypted', count: PEP_ITEMS };
  // a first --all teaches oxps how this service answers (remembered in the profile state)
  await oxpsFetch(carol, service, node, ['--all', '--no-cache'], expect);
  for (let i = 0; i < runs; i++) {
    all.push(await oxpsFetch(carol, service, node, ['--all', '--no-cache'], expect));
    max.push(await oxpsFetch(carol, service, node, ['-m', String(PEP_ITEMS), '--no-cache'], expect));
    plain.push(
      await oxpsFetch(carol, service, node, ['--all', '--no-decrypt'], {
        status: 'encrypted',
        count: PEP_ITEMS,
      }),
    );
    const got = await liberviaGet(world, config, service, node, PEP_ITEMS, 300);
    li.push(got.ms);
    if (got.backendCpuMs !== undefined) liCpu.push(got.backendCpuMs);
    log(
      `${node} run ${i + 1}: --all ${formatMs(all.at(-1)!)}, -m ${formatMs(max.at(-1)!)}, --no-decrypt ${formatMs(plain.at(-1)!)}, libervia-cli ${formatMs(got.ms)} (backend CPU ${formatMs(got.backendCpuMs ?? Number.NaN)})`,
    );
  }
  raw.pep = { allMs: all, maxMs: max, noDecryptMs: plain, liberviaMs: li, liberviaBackendCpuMs: liCpu };
  const group = `${formatCount(PEP_ITEMS)} oxps-made items on a PEP node (${world.storageShort})`;
  const fAll = figure(all);
  const fMax = figure(max);
  const fLi = figure(
    li,
    liCpu.length
      ? `; backend CPU ${formatMs(median(liCpu))}, ${formatMs(median(liCpu) / PEP_ITEMS)}/item`
      : '',
  );
  const vsMax = ratioOf(fAll, fMax);
  const vsLi = ratioOf(fAll, fLi);
  rows.push({
    group,
    what: '`oxps fetch --all --no-cache`',
    oxps: fAll,
    versus: `\`oxps fetch -m ${PEP_ITEMS} --no-cache\``,
    baseline: fMax,
    ratio: vsMax,
    target: '≤ 1.2×',
    met: vsMax !== undefined && vsMax <= 1.2,
  });
  rows.push({
    group,
    what: '`oxps fetch --all --no-cache`',
    oxps: fAll,
    versus: '`libervia-cli pubsub get -M 300` (bob)',
    baseline: fLi,
    ratio: vsLi,
    target: '≥ 5× faster',
    met: vsLi !== undefined && vsLi <= 0.2,
  });
  rows.push({
    group,
    what: '`oxps fetch --all --no-decrypt`',
    oxps: figure(plain),
    versus: '`oxps fetch --all --no-cache`',
    baseline: fAll,
    ratio: ratioOf(figure(plain), fAll),
  });
}

async function oneShots(
  world: World,
  runs: number,
  rows: Row[],
  raw: Record<string, unknown>,
  log: (m: string) => void,
): Promise<void> {
  const { carol, libervia } = world;
  const li = libervia!;
  const service = carol.jid;
  const node = raw.pepNode as string;
  const domain = world.address.domain;
  // alice's Libervia node for her share and publish (blog set -e: pubsub set --encrypt publishes plaintext)
  const liNode = `bench-li-oneshot-${randomBytes(3).toString('hex')}`;
  await li.li(['blog', 'set', '-p', 'alice', '-s', PUBSUB, '-n', liNode, '-T', 'first', '-e'], {
    input: blogBody(0),
  });
  const recipients = [...world.singles, ...world.recipients];
  if (recipients.length < runs)
    throw new Error(
      `one-shot shares need ${runs} recipients, the world has ${recipients.length} (raise BENCH_RECIPIENTS)`,
    );
  const cases: Array<{
    what: string;
    versus: string;
    oxps: (i: number) => Promise<ProcessResult>;
    libervia: (i: number) => Promise<ProcessResult>;
  }> = [
    {
      what: '`oxps fetch -m 10`',
      versus: '`libervia-cli pubsub get -M 10` (bob)',
      oxps: () => carol.ok(['fetch', '-n', node, '-m', '10']),
      libervia: () =>
        li.li(['pubsub', 'get', '-p', 'bob', '-s', service, '-n', node, '-M', '10', '-O', 'xml-raw']),
    },
    {
      what: '`oxps secret list`',
      versus: '`libervia-cli pubsub secret list` (alice)',
      oxps: () => carol.ok(['secret', 'list', '-n', node]),
      libervia: () => li.li(['pubsub', 'secret', 'list', '-p', 'alice', '-s', PUBSUB, '-n', liNode]),
    },
    {
      what: '`oxps secret share` to one',
      versus: '`libervia-cli pubsub secret share` to one (alice → bob)',
      oxps: (i) => carol.ok(['secret', 'share', '-n', node, recipients[i]!.jid]),
      libervia: () =>
        li.li(['pubsub', 'secret', 'share', '-p', 'alice', '-s', PUBSUB, '-n', liNode, `bob@${domain}`]),
    },
    {
      what: '`oxps publish` of one item',
      versus: '`libervia-cli blog set -e` of one item',
      oxps: (i) => carol.ok(['publish', '-n', node, '-i', `one-${i}`, '-'], { input: atomEntry(1000 + i) }),
      libervia: (i) =>
        li.li(['blog', 'set', '-p', 'alice', '-s', PUBSUB, '-n', liNode, '-T', `one ${i}`, '-e'], {
          input: blogBody(i),
        }),
    },
  ];
  const measured: Record<string, { oxpsMs: number[]; liberviaMs: number[] }> = {};
  for (const c of cases) {
    const o: number[] = [];
    const l: number[] = [];
    for (let i = 0; i < runs; i++) {
      o.push((await c.oxps(i)).ms);
      l.push((await c.libervia(i)).ms);
    }
    measured[c.what] = { oxpsMs: o, liberviaMs: l };
    log(`${c.what}: oxps ${formatMs(median(o))}, libervia-cli ${formatMs(median(l))}`);
    const fo = figure(o);
    const fl = figure(l);
    const ratio = ratioOf(fo, fl);
    rows.push({
      group: `one-shot commands (${world.storageShort})`,
      what: c.what,
      oxps: fo,
      versus: c.versus,
      baseline: fl,
      ratio,
      target: '≤ 0.7×',
      met: ratio !== undefined && ratio <= 0.7,
    });
  }
  raw.oneShots = measured;
}

async function liberviaMade(
  world: World,
  config: BenchConfig,
  runs: number,
  rows: Row[],
  raw: Record<string, unknown>,
  log: (m: string) => void,
): Promise<void> {
  const { libervia, dave } = world;
  const li = libervia!;
  const domain = world.address.domain;
  const node = `bench-li-made-${randomBytes(3).toString('hex')}`;
  const post = (i: number) =>
    li.li(['blog', 'set', '-p', 'alice', '-s', PUBSUB, '-n', node, '-T', `Libervia bench post ${i}`, '-e'], {
      input: blogBody(i),
    });
  await post(0);
  await li.whitelistNode(PUBSUB, node, [`dave@${domain}`, `bob@${domain}`], 1000);
  await li.li(['pubsub', 'secret', 'share', '-p', 'alice', '-s', PUBSUB, '-n', node, `dave@${domain}`]);
  await li.li(['pubsub', 'secret', 'share', '-p', 'alice', '-s', PUBSUB, '-n', node, `bob@${domain}`]);
  const [secretId] = await li.secretIds('alice', PUBSUB, node);
  const deadline = Date.now() + 60_000;
  for (;;) {
    const { doc } = await dave.json<{ accepted: Array<{ node: string; secretId: string }> }>(['sync']);
    if (doc.accepted.some((a) => a.node === node && a.secretId === secretId)) break;
    if (Date.now() > deadline) throw new Error(`dave did not receive the secret of ${node} within 60 s`);
    await new Promise((r) => setTimeout(r, 500));
  }
  await li.waitForSecret('bob', PUBSUB, node, secretId!);
  // 20, then (BENCH_LIBERVIA_ITEMS, default 100) the same node grown: 20 alone when it is ≤ 20
  const sizes =
    config.liberviaItems > SMALL_LIBERVIA ? [SMALL_LIBERVIA, config.liberviaItems] : [SMALL_LIBERVIA];
  let posted = 1;
  const measured: Record<number, unknown> = {};
  for (const size of sizes) {
    while (posted < size) await post(posted++);
    const o: number[] = [];
    const l: number[] = [];
    const cpu: number[] = [];
    for (let i = 0; i < runs; i++) {
      o.push(
        await oxpsFetch(dave, PUBSUB, node, ['--all', '--no-cache'], { status: 'decrypted', count: size }),
      );
      const got = await liberviaGet(world, config, PUBSUB, node, size);
      l.push(got.ms);
      if (got.backendCpuMs !== undefined) cpu.push(got.backendCpuMs);
    }
    measured[size] = { oxpsMs: o, liberviaMs: l, liberviaBackendCpuMs: cpu };
    log(
      `${node} (${size} Libervia-made items): oxps ${formatMs(median(o))}, libervia-cli ${formatMs(median(l))}`,
    );
    const fo = figure(o, `; ${formatMs(median(o) / size)}/item`);
    const fl = figure(
      l,
      `; ${formatMs(median(l) / size)}/item${cpu.length ? `; backend CPU ${formatMs(median(cpu))}` : ''}`,
    );
    const ratio = ratioOf(fo, fl);
    rows.push({
      group: `${size} Libervia-made items, GnuPG S2K (${world.storageShort})`,
      what: '`oxps fetch --all --no-cache` (dave)',
      oxps: fo,
      versus: `\`libervia-cli pubsub get -M ${size}\` (bob)`,
      baseline: fl,
      ratio,
      ...(size === SMALL_LIBERVIA
        ? { target: '≥ 2.5× faster', met: ratio !== undefined && ratio <= 0.4 }
        : {}),
    });
  }
  raw.liberviaMade = { node, measured };
}

/** 20 GnuPG-made items in-process: the pool (workers and the main thread) beside one thread. */
async function decryptPool(
  runs: number,
  rows: Row[],
  raw: Record<string, unknown>,
  log: (m: string) => void,
): Promise<void> {
  const { ciphertext, secret } = await recordedLiberviaItem();
  const once = async (maxWorkers?: number): Promise<number> => {
    const decryptor = new Decryptor(maxWorkers === undefined ? {} : { maxWorkers });
    const started = performance.now();
    await Promise.all(
      Array.from({ length: SMALL_LIBERVIA }, () => decryptor.decrypt(new Uint8Array(ciphertext), secret)),
    );
    const ms = performance.now() - started;
    await decryptor.close();
    return ms;
  };
  const serial: number[] = [];
  const pool: number[] = [];
  for (let i = 0; i < runs; i++) {
    serial.push(await once(0));
    pool.push(await once());
  }
  raw.decryptPool = { serialMs: serial, poolMs: pool };
  log(
    `decrypt pool, ${SMALL_LIBERVIA} GnuPG-made items: serial ${formatMs(median(serial))}, pool ${formatMs(median(pool))}`,
  );
  const fp = figure(pool);
  const fs = figure(serial);
  const ratio = ratioOf(fp, fs);
  rows.push({
    group: `${SMALL_LIBERVIA} GnuPG-made items in-process`,
    what: 'decrypt pool (workers + main thread), from the first item',
    oxps: fp,
    versus: 'the same items on one thread',
    baseline: fs,
    ratio,
    target: '≤ 0.6× serial',
    met: ratio !== undefined && ratio <= 0.6,
  });
}
