// Sizes and switches of `npm run bench`, from the environment (documented in BENCHMARKS.md).
import { accessSync, constants, statSync } from 'node:fs';
import { tmpdir } from 'node:os';

export interface BenchConfig {
  /** Node sizes for the fetch benchmark (oxps-made items). */
  fetchSizes: number[];
  /** Timed runs of each oxps fetch variant (median reported). */
  fetchRuns: number;
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
  storage: 'sqlite' | 'internal';
  /** Parent directory of the Prosody instance (config, certificate, data): tmpfs by default. */
  serverDir: string;
  libervia: boolean;
  liberviaDir: string;
  /** Only these sections (BENCH_ONLY=fetch,gnupg,…); all when empty. */
  only: string[];
  keep: boolean;
  resultsFile: string;
}

export const SECTIONS = ['fetch', 'signed', 'libervia-made', 'gnupg', 'publish', 'share', 'cold-start', 'login'] as const;

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
  if (!Number.isInteger(value) || value < min) throw new Error(`${name}=${raw}: expected an integer ≥ ${min}`);
  return value;
}

export function readConfig(defaultResultsFile: string): BenchConfig {
  const sizes = (process.env.BENCH_ITEMS ?? '1000,10000').split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  if (sizes.length === 0 || sizes.some((n) => !Number.isInteger(n) || n < 1 || n > 100_000)) {
    throw new Error(`BENCH_ITEMS=${process.env.BENCH_ITEMS}: expected comma-separated item counts between 1 and 100000 (pubsub_max_items)`);
  }
  const only = (process.env.BENCH_ONLY ?? '').split(',').map((s) => s.trim()).filter(Boolean);
  for (const section of only) {
    if (!(SECTIONS as readonly string[]).includes(section)) throw new Error(`BENCH_ONLY: unknown section "${section}" (sections: ${SECTIONS.join(', ')})`);
  }
  const storage = process.env.BENCH_STORAGE ?? 'sqlite';
  if (storage !== 'sqlite' && storage !== 'internal') throw new Error(`BENCH_STORAGE=${storage}: expected sqlite or internal`);
  const liberviaDir = process.env.BENCH_LIBERVIA_DIR ?? '/tmp/oxps-bench-libervia';
  // the interop test suite's harness lives there: never start, stop or purge it from here
  if (liberviaDir.replace(/\/+$/, '') === '/tmp/libervia-interop') throw new Error('BENCH_LIBERVIA_DIR must not be /tmp/libervia-interop (the interop tests\' harness)');
  return {
    fetchSizes: sizes,
    fetchRuns: int('BENCH_FETCH_RUNS', 3),
    liberviaRuns: int('BENCH_LIBERVIA_RUNS', 1),
    liberviaTimeoutMs: int('BENCH_LIBERVIA_TIMEOUT', 240) * 1000,
    liberviaItems: int('BENCH_LIBERVIA_ITEMS', 100),
    publishItems: int('BENCH_PUBLISH_ITEMS', 1000),
    publishProcesses: int('BENCH_PUBLISH_PROCESSES', 100),
    recipients: int('BENCH_RECIPIENTS', 50, 2),
    coldRuns: int('BENCH_COLD_RUNS', 20, 3),
    loginRuns: int('BENCH_LOGIN_RUNS', 20, 3),
    gpgRuns: int('BENCH_GPG_RUNS', 20, 3),
    storage,
    serverDir: process.env.BENCH_SERVER_DIR ?? (isWritableDir('/dev/shm') ? '/dev/shm' : tmpdir()),
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
