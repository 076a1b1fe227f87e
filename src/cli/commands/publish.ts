// oxps publish -s SERVICE -n NODE [-i ID] [FILE|-] — encrypted unless --plaintext.
import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { OxpsError } from '../../errors.js';
import { action, type Runtime } from '../runtime.js';
import { nodeOptions, type NodeOptions } from './nodeOptions.js';
import { nonNegativeInteger, positiveInteger } from '../options.js';

interface PublishCliOptions extends NodeOptions {
  item?: string;
  plaintext?: boolean;
  force?: boolean;
  jsonl?: string;
  window: number;
  retries: number;
}

export function registerPublish(program: Command): void {
  nodeOptions(program.command('publish').description('encrypt one XML element and publish it as an item'))
    .argument('[file]', 'file holding the payload element, or - for stdin')
    .option('-i, --item <id>', 'item id (default: random, as XEP-0473 advises)')
    .option('--plaintext', 'publish in clear (refused on an encrypted node unless --force)')
    .option('--force', 'with --plaintext: publish in clear even on an encrypted node')
    .option('--jsonl <file>', 'publish many items: one {"id"?, "payload": "<xml…>"} per line (- for stdin); resumable')
    .option('--window <n>', 'with --jsonl: publish requests in flight at once', positiveInteger, 16)
    .option('--retries <n>', 'with --jsonl: reconnections allowed when the connection drops', nonNegativeInteger, 5)
    .action(action(run));
}

async function run(rt: Runtime, file: unknown, options: unknown): Promise<void> {
  const opts = options as PublishCliOptions;
  if (opts.jsonl !== undefined) {
    if (file !== undefined || opts.item) throw new OxpsError('USAGE', '--jsonl takes the items from its file: no FILE argument or -i with it', 'drop the FILE argument and -i');
    await runBulk(rt, opts);
    return;
  }
  const text = await readPayload(file as string | undefined);
  const { parseXmlElement } = await import('../../protocol/xml.js');
  const payload = parseXmlElement(text, file && file !== '-' ? `payload file ${file}` : 'payload on stdin');
  if (!payload.getNS()) {
    throw new OxpsError('INPUT_INVALID', `payload <${payload.name}> declares no namespace`, 'add an xmlns attribute to the payload element');
  }
  const ctx = await rt.syncedContext();
  const service = await rt.service(opts.service);
  const { publishItem } = await import('../../app/publish.js');
  const result = await publishItem(ctx, { service, node: opts.node, plaintext: opts.plaintext, force: opts.force }, { id: opts.item, payload });
  rt.output.result({ service, node: opts.node, ...result }, (r, color) =>
    `${color.green('✔')} published item ${r.id} to ${r.node} on ${r.service}${r.encrypted ? ` (encrypted with secret ${r.secretId})` : color.yellow(' in clear')}`);
}

async function runBulk(rt: Runtime, opts: PublishCliOptions): Promise<void> {
  const text = await readPayload(opts.jsonl);
  const ctx = await rt.syncedContext();
  const service = await rt.service(opts.service);
  const { bulkPublish } = await import('../../app/bulkPublish.js');
  const result = await bulkPublish(ctx, { service, node: opts.node, plaintext: opts.plaintext, force: opts.force, text, window: opts.window, retries: opts.retries });
  rt.output.result(result, (r, color) =>
    `${color.green('✔')} ${r.total} items on ${r.node} at ${r.service}: ${r.published} published now${r.alreadyDone ? `, ${r.alreadyDone} by an earlier run` : ''}`);
}

async function readPayload(file: string | undefined): Promise<string> {
  if (file && file !== '-') {
    try {
      return await readFile(file, 'utf8');
    } catch (error) {
      throw new OxpsError('INPUT_INVALID', `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`, 'give a readable file, or - for stdin');
    }
  }
  if (!file && process.stdin.isTTY) {
    throw new OxpsError('USAGE', 'no payload given', 'give a FILE, or - to read the payload from stdin');
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
