// Sizes and switches of `npm run bench`, from the environment (documented in BENCHMARKS.md).
import { accessSync, constants, statSync } from 'node:fs';
import { tmpdir } from 'node:os';

export interface BenchConfig {
  /** Node sizes for the fetch benchmark (oxps-made items). */
  fetchSizes: number[];
  /** Timed runs of each oxps fetch variant (median reported). */
  fetchRuns: number;
  /** Interleaved runs of each comparison of the stock-server section (issue 14; at least 5 for the published table). */
  stockRuns: number;
  /** Timed runs of libervia-cli pubsub get per node. */
  liberviaRuns: number;
  /** Give up on one libervia-cli command after this long (reported as a lower bound). */
  liberviaTimeoutMs: number;
  /** Libervia-made items (li blog set -e, ~0.75 s each). */
  liberviaItems: number;
  /** Items of the bulk publish (oxps publish --jsonl). */
  publishItems: number;
  /** oxps processes of the one-process-per-item publish. */
  publishProcesses: number;
  /** Recipients of the share-to-many benchmark. */
  recipients: number;
  /** Runs of each cold-start command (interleaved; median). */
  coldRuns: number;
  /** Logins of the connect+login benchmark (median). */
  loginRuns: number;
  /** Decryptions of the recorded GnuPG item, in-process and by gpg (median). */
  gpgRuns: number;
  /** Prosody storages, each with a bench server of its own, all sections run on each. */
  storages: Array<'sqlite' | 'internal'>;
  /** Parent directory of the Prosody instance (config, certificate, data): tmpfs by default (file storage: on disk). */
  serverDir: string;
  serverDirGiven: boolean;
  libervia: boolean;
  liberviaDir: string;
  /** Only these sections (BENCH_ONLY=fetch,gnupg,…); all when empty. */
  only: string[];
  keep: boolean;
  resultsFile: string;
}

export const SECTIONS = [
  'fetch',
  'signed',
  'libervia-made',
  'gnupg',
  'publish',
  'share',
  'cold-start',
  'login',
  'stock',
] as const;

function isWritableDir(path: string): boolean {
  try {
    accessSync(path, constants.W_OK);
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function int(name: string, fallback: number, min = 1): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min)
    throw new Error(`${name}=${raw}: expected an integer ≥ ${min}`);
  return value;
}

export function readConfig(defaultResultsFile: string): BenchConfig {
  const sizes = (process.env.BENCH_ITEMS ?? '1000,10000')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map(Number);
  if (sizes.length === 0 || sizes.some((n) => !Number.isInteger(n) || n < 1 || n > 100_000)) {
    throw new Error(
      `BENCH_ITEMS=${process.env.BENCH_ITEMS}: expected comma-separated item counts between 1 and 100000 (pubsub_max_items)`,
    );
  }
  const only = (process.env.BENCH_ONLY ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const section of only) {
    if (!(SECTIONS as readonly string[]).includes(section))
      throw new Error(`BENCH_ONLY: unknown section "${section}" (sections: ${SECTIONS.join(', ')})`);
  }
  const storages = (process.env.BENCH_STORAGE ?? 'internal,sqlite')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const storage of storages)
    if (storage !== 'sqlite' && storage !== 'internal')
      throw new Error(
        `BENCH_STORAGE=${process.env.BENCH_STORAGE}: expected internal, sqlite or both (comma-separated)`,
      );
  if (storages.length === 0) throw new Error('BENCH_STORAGE is empty: expected internal, sqlite or both');
  const liberviaDir = process.env.BENCH_LIBERVIA_DIR ?? '/tmp/oxps-bench-libervia';
  // the interop test suite's harness lives there: never start, stop or purge it from here
  if (liberviaDir.replace(/\/+$/, '') === '/tmp/libervia-interop')
    throw new Error("BENCH_LIBERVIA_DIR must not be /tmp/libervia-interop (the interop tests' harness)");
  return {
    fetchSizes: sizes,
    fetchRuns: int('BENCH_FETCH_RUNS', 3),
    liberviaRuns: int('BENCH_LIBERVIA_RUNS', 1),
    stockRuns: int('BENCH_STOCK_RUNS', 5),
    liberviaTimeoutMs: int('BENCH_LIBERVIA_TIMEOUT', 240) * 1000,
    liberviaItems: int('BENCH_LIBERVIA_ITEMS', 100),
    publishItems: int('BENCH_PUBLISH_ITEMS', 1000),
    publishProcesses: int('BENCH_PUBLISH_PROCESSES', 100),
    recipients: int('BENCH_RECIPIENTS', 50, 2),
    coldRuns: int('BENCH_COLD_RUNS', 20, 3),
    loginRuns: int('BENCH_LOGIN_RUNS', 20, 3),
    gpgRuns: int('BENCH_GPG_RUNS', 20, 3),
    storages: storages as Array<'sqlite' | 'internal'>,
    serverDir: process.env.BENCH_SERVER_DIR ?? (isWritableDir('/dev/shm') ? '/dev/shm' : tmpdir()),
    serverDirGiven: process.env.BENCH_SERVER_DIR !== undefined,
    libervia: process.env.BENCH_LIBERVIA !== '0',
    liberviaDir,
    only,
    keep: process.env.BENCH_KEEP === '1',
    resultsFile: process.env.BENCH_RESULTS ?? defaultResultsFile,
  };
}

export function wants(config: BenchConfig, section: (typeof SECTIONS)[number]): boolean {
  return config.only.length === 0 || config.only.includes(section);
}
