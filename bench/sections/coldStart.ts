// Cold start: `oxps --version` and `oxps --help` beside `node -e 0` (Node's own start-up),
// the three interleaved so that load changes hit them alike; medians.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchConfig } from '../config.js';
import { OXPS_BIN } from '../lib/oxpsDevice.js';
import { runOk } from '../lib/proc.js';
import { formatMs, median } from '../lib/stats.js';
import { ratioOf, type Figure, type Row } from '../lib/table.js';

export async function benchColdStart(
  config: BenchConfig,
  log: (m: string) => void,
): Promise<{ rows: Row[]; raw: unknown }> {
  const home = await mkdtemp(join(tmpdir(), 'oxps-bench-cold-'));
  const env = {
    PATH: process.env.PATH,
    HOME: home,
    LANG: 'C.UTF-8',
    NO_COLOR: '1',
    XDG_CONFIG_HOME: join(home, 'config'),
  };
  const commands: Record<string, string[]> = {
    node: ['-e', '0'],
    version: [OXPS_BIN, '--version'],
    help: [OXPS_BIN, '--help'],
  };
  const times: Record<string, number[]> = { node: [], version: [], help: [] };
  try {
    for (const args of Object.values(commands)) await runOk(process.execPath, args, { env }); // warm the file cache
    for (let i = 0; i < config.coldRuns; i++) {
      for (const [name, args] of Object.entries(commands))
        times[name]!.push((await runOk(process.execPath, args, { env })).ms);
    }
  } finally {
    await rm(home, { recursive: true, force: true });
  }
  const fig = (name: string): Figure => ({
    value: median(times[name]!),
    unit: 'ms',
    detail: `median of ${times[name]!.length}`,
  });
  const node = fig('node');
  const version = fig('version');
  const help = fig('help');
  log(
    `cold start: node -e 0 ${formatMs(node.value)}, oxps --version ${formatMs(version.value)}, oxps --help ${formatMs(help.value)}`,
  );
  const versionRatio = ratioOf(version, node);
  const group = 'cold start';
  return {
    rows: [
      {
        group,
        what: '`oxps --version`',
        oxps: version,
        versus: '`node -e 0`',
        baseline: node,
        ratio: versionRatio,
        target: 'within 2×',
        met: versionRatio !== undefined && versionRatio <= 2,
      },
      {
        group,
        what: '`oxps --help`',
        oxps: help,
        versus: '`node -e 0`',
        baseline: node,
        ratio: ratioOf(help, node),
      },
    ],
    raw: times,
  };
}
