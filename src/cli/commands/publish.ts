// oxps publish -s SERVICE -n NODE [-i ID] [FILE|-] — encrypted unless --plaintext;
// --atom builds a XEP-0277 entry; --jsonl publishes many items, resumably.
import { Option, type Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { OxpsError } from '../../errors.js';
import { action, type Runtime } from '../runtime.js';
import { nodeOptions, type NodeOptions } from './nodeOptions.js';
import { nonNegativeInteger, positiveInteger } from '../options.js';

export interface PublishCliOptions extends NodeOptions {
  item?: string;
  plaintext?: boolean;
  force?: boolean;
  jsonl?: string;
  window: number;
  retries: number;
  atom?: boolean;
  title?: string;
  contentFile?: string;
  markdown?: boolean;
  allowDrop?: boolean;
  dryRun?: boolean;
  sign?: boolean;
  signCompat?: 'libervia';
}

export function registerPublish(program: Command): void {
  publishOptions(
    nodeOptions(
      program
        .command('publish')
        .description('encrypt one XML element (or an Atom entry) and publish it as an item'),
    ),
    { withAtom: true },
  )
    .argument('[file]', 'file holding the payload element, or - for stdin')
    .option('-i, --item <id>', 'item id (default: random, as XEP-0473 advises)')
    .option('--plaintext', 'publish in clear (on an encrypted node: asks on a terminal, else needs --force)')
    .option('--force', 'with --plaintext: publish in clear even on an encrypted node')
    .option(
      '--jsonl <file>',
      'publish many items: one {"id"?, "payload": "<xml…>", "sign"?} per line (- for stdin); resumable',
    )
    .option('--window <n>', 'with --jsonl: publish requests in flight at once', positiveInteger, 16)
    .option(
      '--retries <n>',
      'with --jsonl: reconnections allowed when the connection drops',
      nonNegativeInteger,
      5,
    )
    .option(
      '--allow-drop',
      'with --jsonl: publish even when the node keeps fewer items than it would hold (the oldest are dropped)',
    )
    .option('--atom', 'publish an Atom entry (XEP-0277) made from --title and --content-file')
    .action(action(run));
}

/** The entry options, shared with `oxps blog post` (where every post is an Atom entry: no --atom there). */
export function publishOptions(command: Command, { withAtom }: { withAtom: boolean }): Command {
  const atom = withAtom ? 'with --atom: ' : '';
  return command
    .option('--title <title>', `${atom}the entry title`)
    .option('--content-file <file>', `${atom}the entry text from this file (- for stdin)`)
    .option('--markdown', `${atom}the content is Markdown (rendered to XHTML; the source is kept as text)`)
    .option(
      '--sign',
      'sign the item with your OX key (XEP-0475); the signature is an attachment, encrypted like the item',
    )
    .addOption(
      new Option(
        '--sign-compat <client>',
        'sign as this client reads signatures (implies --sign); libervia: in clear, on an open node',
      ).choices(['libervia']),
    )
    .option('--dry-run', 'print the requests that would be sent, and send nothing');
}

function signOptions(opts: PublishCliOptions): { sign?: boolean; signCompat?: 'libervia' } {
  return {
    sign: Boolean(opts.sign || opts.signCompat),
    ...(opts.signCompat ? { signCompat: opts.signCompat } : {}),
  };
}

async function run(rt: Runtime, file: string | undefined, opts: PublishCliOptions): Promise<void> {
  if (opts.jsonl !== undefined) {
    if (file !== undefined || opts.item || opts.atom)
      throw new OxpsError(
        'USAGE',
        '--jsonl takes the items from its file: no FILE, -i or --atom with it',
        'drop them',
      );
    await runBulk(rt, opts);
    return;
  }
  await publishOne(rt, file, opts);
}

export async function publishOne(
  rt: Runtime,
  file: string | undefined,
  opts: PublishCliOptions,
): Promise<void> {
  // a dry run writes nothing, not even what a sync would (it may deliver pending secrets)
  const ctx = opts.dryRun ? await rt.context() : await rt.syncedContext();
  const service = await rt.service(opts.service);
  const { parsePayload, publishItem, randomItemId } = await import('../../app/publish.js');
  const id = opts.item ?? randomItemId();
  let payload;
  if (opts.atom) {
    if (file !== undefined)
      throw new OxpsError(
        'USAGE',
        '--atom takes its text from --content-file, not from FILE',
        'use --content-file FILE',
      );
    if (!opts.title) throw new OxpsError('USAGE', '--atom needs --title', 'add --title "…"');
    const content = opts.contentFile ? await readInput(opts.contentFile) : '';
    if (!content.trim()) {
      throw new OxpsError(
        'USAGE',
        opts.contentFile
          ? `${opts.contentFile === '-' ? 'stdin' : opts.contentFile} is empty: nothing to post`
          : 'no text to post: --content-file is missing',
        'give the text: --content-file FILE (or - for stdin)',
      );
    }
    const { atomEntry } = await import('../../app/atomEntry.js');
    payload = atomEntry({
      title: opts.title,
      content,
      markdown: Boolean(opts.markdown),
      authorJid: ctx.bareJid,
      service,
      node: opts.node,
      itemId: id,
    });
  } else {
    if (opts.title || opts.contentFile || opts.markdown)
      throw new OxpsError('USAGE', '--title, --content-file and --markdown go with --atom', 'add --atom');
    payload = parsePayload(
      await readInput(file),
      file && file !== '-' ? `payload file ${file}` : 'payload on stdin',
    );
  }
  const options = {
    service,
    node: opts.node,
    plaintext: opts.plaintext,
    force: opts.force,
    ...signOptions(opts),
  };
  if (opts.dryRun) {
    printPreview(
      rt,
      await (await import('../../app/preview.js')).previewPublish(ctx, options, [{ id, payload }]),
    );
    return;
  }
  const result = await publishItem(ctx, options, { id, payload });
  rt.output.result(
    { service, node: opts.node, ...result },
    (r, color) =>
      `${color.green('✔')} published item ${r.id} to ${r.node} on ${r.service}${r.encrypted ? ` (encrypted with secret ${r.secretId})` : color.yellow(' in clear')}${r.signature ? `, signed by ${r.signature.signer}${r.signature.encrypted ? '' : color.yellow(' (signature in clear)')}` : ''}`,
  );
}

async function runBulk(rt: Runtime, opts: PublishCliOptions): Promise<void> {
  const text = await readInput(opts.jsonl);
  const ctx = opts.dryRun ? await rt.context() : await rt.syncedContext();
  const service = await rt.service(opts.service);
  const { bulkPublish, parseJsonl } = await import('../../app/bulkPublish.js');
  if (opts.dryRun) {
    printPreview(
      rt,
      await (
        await import('../../app/preview.js')
      ).previewPublish(
        ctx,
        { service, node: opts.node, plaintext: opts.plaintext, force: opts.force, ...signOptions(opts) },
        parseJsonl(text),
      ),
    );
    return;
  }
  const result = await bulkPublish(ctx, {
    service,
    node: opts.node,
    plaintext: opts.plaintext,
    force: opts.force,
    ...signOptions(opts),
    text,
    window: opts.window,
    retries: opts.retries,
    allowDrop: opts.allowDrop,
  });
  rt.output.result(result, (r, color) => {
    const kept =
      r.held !== undefined && r.held < r.total
        ? color.yellow(`; the node holds only ${r.held} of them (it keeps ${r.keeps ?? r.held})`)
        : '';
    return `${color.green('✔')} ${r.held ?? r.total} items on ${r.node} at ${r.service}: ${r.published} published now${r.alreadyDone ? `, ${r.alreadyDone} by an earlier run` : ''}${kept}`;
  });
}

function printPreview(rt: Runtime, preview: import('../../app/preview.js').PublishPreview): void {
  rt.output.result(preview, (p, color) =>
    [
      `${color.yellow('dry run:')} would publish ${p.items.length} item${p.items.length === 1 ? '' : 's'} to ${p.node} on ${p.service}; nothing sent`,
      ...p.items.map(
        (item) =>
          `${item.id}  ${item.bytes} bytes, ${item.encrypted ? `encrypted with secret ${item.secretId}` : 'in clear'}${item.signature ? `, signed (signature ${item.signature.encrypted ? 'encrypted' : 'in clear'} on ${item.signature.node})` : ''}${p.items.length === 1 ? `\n${[...(item.signature?.stanzas ?? []), item.stanza].join('\n')}` : ''}`,
      ),
    ].join('\n'),
  );
}

/** A file's text, or stdin for "-" (or nothing given, when stdin is not a terminal). */
async function readInput(file: string | undefined): Promise<string> {
  if (file && file !== '-') {
    try {
      return await readFile(file, 'utf8');
    } catch (error) {
      throw new OxpsError(
        'INPUT_INVALID',
        `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
        'give a readable file, or - for stdin',
      );
    }
  }
  if (!file && process.stdin.isTTY) {
    throw new OxpsError('USAGE', 'no payload given', 'give a FILE, or - to read the payload from stdin');
  }
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
