// `npm run bench`: every figure of issue 7 ("Fast at scale") measured in one run against one
// local Prosody, oxps beside what it is compared with, as ratios. Prints a Markdown table and
// writes bench/results.json. Sizes come from the environment: see BENCHMARKS.md.
import { writeFile, rename, readFile } from 'node:fs/promises';
import { availableParallelism, cpus, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';
import { readConfig, wants, type BenchConfig } from './config.js';
import { buildWorld, type World } from './world.js';
import { run } from './lib/proc.js';
import { renderMarkdown, renderNotes, type Row } from './lib/table.js';
import { benchFetch } from './sections/fetch.js';
import { benchSigned } from './sections/signed.js';
import { benchLiberviaMade } from './sections/liberviaMade.js';
import { benchGnupgItem } from './sections/gnupgItem.js';
import { benchPublish } from './sections/publish.js';
import { benchShare } from './sections/share.js';
import { benchColdStart } from './sections/coldStart.js';
import { benchLogin } from './sections/login.js';
import { benchStock } from './sections/stock.js';

/** Sections whose figures do not depend on the server's storage: run with the first storage only. */
const STORAGE_FREE = new Set(['gnupg', 'cold-start']);

const RESULTS_FILE = fileURLToPath(new URL('../../bench/results.json', import.meta.url));
const started = Date.now();

function log(message: string): void {
  process.stderr.write(`[bench ${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${message}\n`);
}

export interface SectionResult {
  rows: Row[];
  raw?: unknown;
}

type Section = (world: World, config: BenchConfig, log: (m: string) => void) => Promise<SectionResult>;

async function machine(): Promise<Record<string, string | number | undefined>> {
  const version = async (cmd: string, args: string[], pattern: RegExp) => {
    const r = await run(cmd, args).catch(() => undefined);
    return r && r.code === 0 ? (pattern.exec(r.stdout + r.stderr)?.[1] ?? undefined) : undefined;
  };
  const openpgp = JSON.parse(
    await readFile(
      fileURLToPath(new URL('../../node_modules/openpgp/package.json', import.meta.url)),
      'utf8',
    ),
  ) as { version: string };
  const pkg = JSON.parse(
    await readFile(fileURLToPath(new URL('../../package.json', import.meta.url)), 'utf8'),
  ) as { version: string };
  const prosody = await version('dpkg-query', ['-W', '-f', '${Version}', 'prosody'], /^(\S+)/);
  const libervia = await version('dpkg-query', ['-W', '-f', '${Version}', 'libervia-backend'], /^(\S+)/);
  const gpg = await version('gpg', ['--version'], /gpg \(GnuPG\) (\S+)/);
  const load = await readFile('/proc/loadavg', 'utf8').then(
    (t) => t.split(' ').slice(0, 3).join(' '),
    () => undefined,
  );
  return {
    cpu: cpus()[0]?.model ?? 'unknown',
    cores: availableParallelism(),
    memoryGiB: +(totalmem() / 2 ** 30).toFixed(1),
    node: process.version,
    oxps: pkg.version,
    openpgp: openpgp.version,
    prosody,
    libervia,
    gpg,
    loadAverageAtStart: load,
  };
}

async function main(): Promise<void> {
  const config = readConfig(RESULTS_FILE);
  const sections: Array<[Parameters<typeof wants>[1], Section]> = [
    // fetch last: a libervia-cli run killed at its timeout leaves the backend busy
    ['gnupg', async (_w, c, l) => benchGnupgItem(c, l)],
    ['cold-start', async (_w, c, l) => benchColdStart(c, l)],
    ['login', benchLogin],
    ['libervia-made', benchLiberviaMade],
    ['publish', benchPublish],
    ['share', benchShare],
    ['signed', benchSigned],
    ['fetch', benchFetch],
    ['stock', benchStock],
  ];
  const host = await machine();
  log(
    `${host.cpu}, ${host.cores} cores, Node ${host.node}, Prosody ${host.prosody}, openpgp ${host.openpgp}; load average ${host.loadAverageAtStart}`,
  );
  const rows: Row[] = [];
  const raw: Record<string, unknown> = {};
  const failures: Record<string, string> = {};
  const worlds: Array<Pick<World, 'storage' | 'libervia' | 'liberviaAbsent' | 'timings'>> = [];
  const loads: string[] = [];
  for (const [index, storage] of config.storages.entries()) {
    const world = await buildWorld(config, storage, log);
    worlds.push(world);
    // Ctrl-C: the Libervia backend (started in the background by the harness) ignores it
    const interrupted = () => {
      log('interrupted: stopping the bench server and Libervia');
      void world.stop().finally(() => process.exit(130));
    };
    process.once('SIGINT', interrupted);
    process.once('SIGTERM', interrupted);
    const label = (group: string) =>
      config.storages.length > 1 && !group.includes(world.storageShort)
        ? `${group} (${world.storageShort})`
        : group;
    try {
      for (const [name, section] of sections) {
        if (!wants(config, name)) continue;
        // what does not depend on the server's storage runs once
        if (index > 0 && STORAGE_FREE.has(name)) continue;
        const key = config.storages.length > 1 ? `${name}/${storage}` : name;
        const t = Date.now();
        log(`── ${key}`);
        try {
          const result = await section(world, config, log);
          rows.push(
            ...result.rows.map((row) => (STORAGE_FREE.has(name) ? row : { ...row, group: label(row.group) })),
          );
          raw[key] = result.raw;
        } catch (error) {
          failures[key] = (error as Error).stack ?? String(error);
          log(`${key} FAILED: ${(error as Error).message}`);
        }
        loads.push(
          `${key}: ${await readFile('/proc/loadavg', 'utf8').then(
            (t) => t.split(' ').slice(0, 3).join(' '),
            () => '?',
          )}`,
        );
        log(`── ${key} done in ${((Date.now() - t) / 1000).toFixed(0)} s (load average ${loads.at(-1)})`);
      }
    } finally {
      process.off('SIGINT', interrupted);
      process.off('SIGTERM', interrupted);
      await world.stop();
    }
  }
  const durationS = Math.round((Date.now() - started) / 1000);
  const table = renderMarkdown(rows);
  const notes = renderNotes(rows);
  const storage = `Prosody storage: ${worlds.map((w) => w.storage).join('; ')}`;
  const absent = worlds.find((w) => w.liberviaAbsent && !w.libervia)?.liberviaAbsent;
  const libervia = absent ? `Libervia: not compared — ${absent}` : 'Libervia: compared';
  process.stdout.write(
    `\n${table}\n\n${storage}. ${libervia}. ${host.cores} cores (${host.cpu}), Node ${host.node}. Whole run: ${durationS} s.\n${notes.length ? `\nNotes:\n${notes.join('\n')}\n` : ''}`,
  );
  if (Object.keys(failures).length)
    process.stdout.write(
      `\nFAILED sections: ${Object.keys(failures).join(', ')} (details in ${config.resultsFile})\n`,
    );
  const document = {
    date: new Date(started).toISOString(),
    durationS,
    machine: host,
    storage: worlds.map((w) => w.storage),
    loadAverageAfterSections: loads,
    libervia: absent ?? 'compared',
    config: { ...config, resultsFile: undefined },
    setup: worlds.map((w) => w.timings),
    rows,
    table,
    notes,
    raw,
    failures,
  };
  const tmp = `${config.resultsFile}.tmp`;
  await writeFile(tmp, `${JSON.stringify(document, null, 2)}\n`);
  await rename(tmp, config.resultsFile);
  log(`wrote ${config.resultsFile}`);
  if (Object.keys(failures).length) process.exitCode = 1;
}

await main();
