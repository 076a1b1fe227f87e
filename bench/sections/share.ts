// Sharing a node secret: `oxps secret share` to BENCH_RECIPIENTS recipients at once beside
// sharing to one (per-recipient cost). Each share looks the recipients' OX keys up on PEP,
// whitelists them, and sends one OX message (signcrypt, encrypted to the recipient and to us)
// per recipient plus a copy to our own account. The recipients' keys were made in-process.
import { randomBytes } from 'node:crypto';
import type { BenchConfig } from '../config.js';
import { PUBSUB, type World } from '../world.js';
import { formatMs, median } from '../lib/stats.js';
import { ratioOf, type Figure, type Row } from '../lib/table.js';
import type { OxpsDevice } from '../lib/oxpsDevice.js';

interface ShareDoc {
  recipients: string[];
  whitelisted: string[];
  delivered: Array<{ recipient: string }>;
  dropped: unknown[];
}

async function share(world: World, recipients: OxpsDevice[]): Promise<number> {
  const { carol } = world;
  const node = `bench-share-${recipients.length}-${randomBytes(3).toString('hex')}`;
  await carol.json(['encrypt-node', '-s', PUBSUB, '-n', node]);
  const { result, doc } = await carol.json<ShareDoc>(
    ['secret', 'share', '-s', PUBSUB, '-n', node, ...recipients.map((r) => r.jid)],
    { timeoutMs: 600_000 },
  );
  const reached = new Set(doc.delivered.map((d) => d.recipient));
  if (recipients.some((r) => !reached.has(r.jid)) || doc.whitelisted.length !== recipients.length) {
    throw new Error(
      `secret share to ${recipients.length}: delivered to ${reached.size}, whitelisted ${doc.whitelisted.length}, dropped ${JSON.stringify(doc.dropped)}`,
    );
  }
  return result.ms;
}

export async function benchShare(
  world: World,
  _config: BenchConfig,
  log: (m: string) => void,
): Promise<{ rows: Row[]; raw: unknown }> {
  const one: number[] = [];
  for (const single of world.singles) one.push(await share(world, [single]));
  const many = await share(world, world.recipients);
  const n = world.recipients.length;
  log(`secret share: to 1 ${formatMs(median(one))} (median of ${one.length}), to ${n} ${formatMs(many)}`);
  const group = `share one secret with ${n} recipients`;
  const oneFig: Figure = { value: median(one), unit: 'ms', detail: `median of ${one.length} runs` };
  const manyFig: Figure = {
    value: many,
    unit: 'ms',
    detail: `${formatMs(many / n)}/recipient; ${formatMs((many - oneFig.value) / (n - 1))} per extra recipient`,
  };
  const perRecipient: Figure = { value: many / n, unit: 'ms/recipient' };
  return {
    rows: [
      {
        group,
        what: `\`oxps secret share\` to ${n} (whole run)`,
        oxps: manyFig,
        versus: 'sharing to 1 (whole run)',
        baseline: oneFig,
        ratio: ratioOf(manyFig, oneFig),
      },
      {
        group,
        what: `per recipient, sharing to ${n} at once`,
        oxps: perRecipient,
        versus: 'one `secret share` per recipient',
        baseline: { value: oneFig.value, unit: 'ms/recipient' },
        ratio: ratioOf(perRecipient, oneFig),
      },
    ],
    raw: { oneMs: one, manyMs: many, recipients: n },
  };
}
