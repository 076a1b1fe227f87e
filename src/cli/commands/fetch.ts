// oxps fetch -s SERVICE -n NODE [-m MAX | --all] [-i ID…]
import type { Command } from 'commander';
import { OxpsError } from '../../errors.js';
import { action, type Runtime } from '../runtime.js';
import { collect, positiveInteger } from '../options.js';
import { nodeOptions, type NodeOptions } from './nodeOptions.js';
import type { FetchedItem } from '../../app/fetch.js';

interface FetchCliOptions extends NodeOptions {
  max?: number;
  all?: boolean;
  item?: string[];
}

export function registerFetch(program: Command): void {
  nodeOptions(program.command('fetch').description('fetch items and decrypt them'))
    .option('-m, --max <n>', 'the n most recent items (default 10)', positiveInteger)
    .option('--all', 'every item of the node (paged)')
    .option('-i, --item <id>', 'only this item (repeatable)', collect)
    .action(action(run));
}

async function run(rt: Runtime, options: unknown): Promise<void> {
  const opts = options as FetchCliOptions;
  if (opts.all && opts.max) throw new OxpsError('USAGE', '--all and --max exclude each other', 'pick one');
  const ctx = await rt.syncedContext();
  const service = await rt.service(opts.service);
  const { fetchItems } = await import('../../app/fetch.js');
  const counts = { decrypted: 0, plaintext: 0, failed: 0 };
  const stream = rt.output.json ? rt.output.jsonStream({ service, node: opts.node }, 'items') : undefined;
  for await (const item of fetchItems(ctx, { service, node: opts.node, max: opts.max, all: opts.all, ids: opts.item })) {
    counts[item.status]++;
    if (stream) stream.item(item);
    else rt.output.text(renderItem(item, rt.output.color));
  }
  stream?.end({ counts });
  if (counts.plaintext > 0) rt.reporter.warn(`${counts.plaintext} item(s) of ${opts.node} are not encrypted (anyone allowed to publish could have written them)`);
  if (counts.failed > 0) {
    throw new OxpsError('PARTIAL', `${counts.failed} item(s) of ${opts.node} could not be decrypted`, 'see the reasons above; oxps sync fetches secrets shared with you');
  }
}

function renderItem(item: FetchedItem, color: import('chalk').ChalkInstance): string {
  switch (item.status) {
    case 'decrypted':
      return `${color.dim(`── item ${item.id} · secret ${item.secretId}${item.secretRevoked ? ' (revoked)' : ''}`)}\n${item.xml}`;
    case 'plaintext':
      return `${color.yellow(`── item ${item.id} · NOT ENCRYPTED`)}\n${item.xml}`;
    case 'failed':
      return color.red(`✘ item ${item.id}: ${item.reason}`);
  }
}
