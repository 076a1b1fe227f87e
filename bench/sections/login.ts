// Connect + login to the local Prosody in-process (TCP, STARTTLS, SCRAM, resource binding):
// Session.open then close, median of BENCH_LOGIN_RUNS after one warm-up; and the first login
// of a fresh process (what each oxps command pays: TLS set-up not yet done in that process).
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { runOk } from '../lib/proc.js';
import { Session } from '../../src/xmpp/session.js';
import type { BenchConfig } from '../config.js';
import type { World } from '../world.js';
import { caPem } from '../lib/inProcess.js';
import { formatMs, median } from '../lib/stats.js';
import type { Row } from '../lib/table.js';

export async function benchLogin(
  world: World,
  config: BenchConfig,
  log: (m: string) => void,
): Promise<{ rows: Row[]; raw: unknown }> {
  const { carol } = world;
  const options = {
    jid: carol.jid,
    password: `${carol.name}pass`,
    host: '127.0.0.1',
    port: world.address.port,
    caPem: await caPem(carol),
    timeoutSeconds: 20,
  };
  await (await Session.open(options)).close();
  const total: number[] = [];
  const open: number[] = [];
  for (let i = 0; i < config.loginRuns; i++) {
    const t0 = performance.now();
    const session = await Session.open(options);
    const t1 = performance.now();
    await session.close();
    const t2 = performance.now();
    open.push(t1 - t0);
    total.push(t2 - t0);
  }
  const value = median(total);
  const fresh: number[] = [];
  const script = fileURLToPath(new URL('../loginOnce.js', import.meta.url));
  for (let i = 0; i < Math.min(10, config.loginRuns); i++) {
    const result = await runOk(process.execPath, [
      script,
      carol.jid,
      options.password,
      String(options.port),
      world.address.certFile,
    ]);
    fresh.push((JSON.parse(result.stdout) as { totalMs: number }).totalMs);
  }
  const first = median(fresh);
  log(
    `login: Session.open+close ${formatMs(value)} (open alone ${formatMs(median(open))}); first login of a fresh process ${formatMs(first)}`,
  );
  return {
    rows: [
      {
        group: 'connect + login (local Prosody)',
        what: 'in-process `Session.open` + `close` (STARTTLS, SCRAM)',
        oxps: {
          value,
          unit: 'ms',
          detail: `median of ${total.length}; open alone ${formatMs(median(open))}`,
        },
        target: '< 150 ms',
        met: value < 150,
      },
      {
        group: 'connect + login (local Prosody)',
        what: 'the same, first login of a fresh process',
        oxps: {
          value: first,
          unit: 'ms',
          detail: `median of ${fresh.length} fresh processes, timed inside them`,
        },
      },
    ],
    raw: { openCloseMs: total, openMs: open, firstLoginMs: fresh },
  };
}
