// oxps fetch -s SERVICE -n NODE [-m MAX | --all] [-i ID…] [--format xml|text|atom|json] [--max-item-size SIZE]
import { Option, type Command } from 'commander';
import type { ChalkInstance } from 'chalk';
import type { Element } from '@xmpp/xml';
import { OxpsError } from '../../errors.js';
import { action, type Runtime } from '../runtime.js';
import { collect, itemSize, positiveInteger } from '../options.js';
import { nodeOptions, type NodeOptions } from './nodeOptions.js';
import type { FetchedItem } from '../../app/fetch.js';
import type { AttachmentView, SignatureStatus, SignatureView } from '../../app/signatures.js';

export type FetchFormat = 'xml' | 'text' | 'atom' | 'json';

export interface FetchCliOptions extends NodeOptions {
  max?: number;
  all?: boolean;
  item?: string[];
  format?: FetchFormat;
  cache: boolean;
  decrypt: boolean;
  maxItemSize?: number;
  verify: boolean;
  requireSigned?: boolean;
  attachments?: boolean;
}

export function registerFetch(program: Command): void {
  fetchOptions(nodeOptions(program.command('fetch').description('fetch items and decrypt them')))
    .addOption(
      new Option(
        '--format <format>',
        'output: xml payloads, readable text (Atom entries), an Atom feed, or JSON',
      ).choices(['xml', 'text', 'atom', 'json']),
    )
    .action(action(run));
}

/** Options shared with `oxps blog read`. */
export function fetchOptions(command: Command): Command {
  return command
    .option('-m, --max <n>', 'the n most recent items (default 10)', positiveInteger)
    .option('--all', 'every item of the node (paged)')
    .option('-i, --item <id>', 'only this item (repeatable)', collect)
    .option('--no-cache', 'decrypt again instead of using the cache of decrypted items')
    .option('--no-decrypt', 'print the encrypted payloads as they are (e.g. for a backup)')
    .option(
      '--max-item-size <size>',
      'largest decrypted item read, bigger ones fail: bytes, or with K or M (default 1M, at most 16M)',
      itemSize,
    )
    .option('--no-verify', "do not check the items' signatures (XEP-0475)")
    .option(
      '--require-signed',
      'fail (exit 8) unless every item has a verified signature (default for nodes set so with oxps node set --require-signed)',
    )
    .option(
      '--attachments',
      "show the items' other attachments too (XEP-0470: noticed, reactions…), decrypted",
    );
}

async function run(rt: Runtime, opts: FetchCliOptions): Promise<void> {
  await fetchAndPrint(rt, opts, 'xml');
}

/** `entries`: with --json, each Atom entry's fields parsed beside its XML (blog read). */
export async function fetchAndPrint(
  rt: Runtime,
  opts: FetchCliOptions,
  defaultFormat: FetchFormat,
  { entries = false } = {},
): Promise<void> {
  if (opts.all && opts.max) throw new OxpsError('USAGE', '--all and --max exclude each other', 'pick one');
  const format: FetchFormat = rt.output.json ? 'json' : (opts.format ?? defaultFormat);
  const { ctx, synced } = await rt.syncingContext();
  const service = await rt.service(opts.service);
  const { fetchItems, nodeRequiresSignatures } = await import('../../app/fetch.js');
  const requireSigned = opts.requireSigned ?? (await nodeRequiresSignatures(ctx, service, opts.node));
  if (requireSigned && (!opts.verify || !opts.decrypt)) {
    throw new OxpsError(
      'USAGE',
      `${opts.node} requires signed items: signatures are checked on the decrypted items`,
      `drop --no-verify and --no-decrypt${opts.requireSigned ? '' : `, or: oxps node set -n ${opts.node} --no-require-signed`}`,
    );
  }
  const counts = { decrypted: 0, plaintext: 0, encrypted: 0, failed: 0, missing: 0 };
  const signatures: Record<SignatureStatus, number> = {
    verified: 0,
    untrusted: 0,
    bad: 0,
    'not-publisher': 0,
    unsigned: 0,
  };
  const missing: string[] = [];
  const unverified: string[] = [];
  const sink = await outputFor(rt, format, service, opts.node, entries);
  const request = {
    service,
    node: opts.node,
    max: opts.max,
    all: opts.all,
    ids: opts.item,
    noCache: !opts.cache,
    noDecrypt: !opts.decrypt,
    maxItemBytes: opts.maxItemSize,
    verify: opts.verify,
    everySignature: requireSigned,
    attachments: opts.attachments,
  };
  for await (const item of fetchItems(ctx, request, synced)) {
    counts[item.status]++;
    if (item.status === 'missing') missing.push(item.id);
    const signature = signatureOf(item);
    if (item.status !== 'missing' && signature?.status !== 'verified') unverified.push(item.id);
    if (signature) {
      signatures[signature.status]++;
      if (signature.status === 'bad' || signature.status === 'not-publisher')
        rt.reporter.warn(
          `item ${item.id} of ${opts.node}: ${signatureLabel(signature)}: ${signature.reason}`,
        );
    }
    sink.item(item);
  }
  sink.end(counts, opts.verify && opts.decrypt ? signatures : undefined);
  if (counts.plaintext > 0)
    rt.reporter.warn(
      `${counts.plaintext} item(s) of ${opts.node} are not encrypted (anyone allowed to publish could have written them)`,
    );
  if (requireSigned && unverified.length > 0) {
    const shown = `${unverified.slice(0, MISSING_NAMED).join(', ')}${unverified.length > MISSING_NAMED ? ', …' : ''}`;
    throw new OxpsError(
      'NOT_SIGNED',
      `${unverified.length} item(s) of ${opts.node} have no verified signature: ${shown}`,
      "see each item's signature line; trust a signer's key with: oxps key trust JID FINGERPRINT",
    );
  }
  reportProblems(opts.node, counts, missing);
}

function signatureOf(item: FetchedItem): SignatureView | undefined {
  return item.status === 'decrypted' || item.status === 'plaintext' ? item.signature : undefined;
}

/** `signed by JID (verified)`, `signed by JID (key not trusted)`, `bad signature`, `signer is not the publisher`, `unsigned`. */
export function signatureLabel(signature: SignatureView): string {
  switch (signature.status) {
    case 'verified':
      return `signed by ${signature.signer} (verified)`;
    case 'untrusted':
      return `signed by ${signature.signer} (key not trusted)`;
    case 'bad':
      return 'bad signature';
    case 'not-publisher':
      return 'signer is not the publisher';
    case 'unsigned':
      return 'unsigned';
  }
}

/** Missing items are "not found" when nothing else came back, else a partial result (like failed ones). */
function reportProblems(
  node: string,
  counts: Record<FetchedItem['status'], number>,
  missing: string[],
): void {
  const total = Object.values(counts).reduce((sum, n) => sum + n, 0);
  const shown = `${missing.slice(0, MISSING_NAMED).join(', ')}${missing.length > MISSING_NAMED ? ', …' : ''}`;
  if (missing.length > 0 && missing.length === total) {
    throw new OxpsError(
      'ITEM_NOT_FOUND',
      `no item ${shown} on node ${node}`,
      `check the item ids: oxps fetch -n ${node} --all lists the node's items`,
    );
  }
  const problems = [
    ...(counts.failed > 0 ? [`${counts.failed} item(s) of ${node} could not be decrypted`] : []),
    ...(missing.length > 0 ? [`${missing.length} item(s) not found on node ${node}: ${shown}`] : []),
  ];
  if (problems.length === 0) return;
  throw new OxpsError(
    'PARTIAL',
    problems.join('; '),
    counts.failed > 0
      ? 'see the reasons above; oxps sync fetches secrets shared with you'
      : 'check the item ids',
  );
}

/** Missing ids named in the error message (the output lists them all). */
const MISSING_NAMED = 10;

interface Sink {
  item(item: FetchedItem): void;
  end(counts: Record<FetchedItem['status'], number>, signatures?: Record<SignatureStatus, number>): void;
}

interface AtomView {
  title?: string;
  published?: string;
  updated?: string;
  author?: string;
  body: string;
  xhtml?: string;
}

/** Reading Atom entries, for the text and atom formats (loaded only for them). */
interface AtomTools {
  /** What a person reads of an entry, and the entry as it goes into a feed (which declares the Atom namespace). */
  entry(element: Element): { view: AtomView; inFeed: (itemId: string) => string } | undefined;
  /** The feed up to its first entry: entries are streamed after it, then FEED_END. */
  feedStart(service: string, node: string): string;
}

const FEED_END = '</feed>';

async function atomTools(): Promise<AtomTools> {
  const { readAtomEntry, atomFeed, entryForFeed, itemUri, nodeUri } = await import('../../protocol/atom.js');
  let feed: { service: string; node: string; updated: Date } | undefined;
  return {
    entry: (element) => {
      const view = readAtomEntry(element);
      const inFeed = (itemId: string) => {
        if (!feed) throw new Error('an entry is put in a feed before the feed has begun');
        delete element.attrs.xmlns;
        return entryForFeed(element, itemUri(feed.service, feed.node, itemId), feed.updated).toString();
      };
      return view && { view, inFeed };
    },
    feedStart: (service, node) => {
      feed = { service, node, updated: new Date() };
      return atomFeed([], `${node} on ${service}`, nodeUri(service, node), service, feed.updated)
        .toString()
        .slice(0, -FEED_END.length);
    },
  };
}

async function outputFor(
  rt: Runtime,
  format: FetchFormat,
  service: string,
  node: string,
  entries: boolean,
): Promise<Sink> {
  const { output } = rt;
  if (format === 'json') {
    const stream = output.jsonStream({ service, node }, 'items');
    const atom = entries ? await atomTools() : undefined;
    return {
      item: (item) => stream.item(atom ? withEntry(item, atom) : item),
      end: (counts, signatures) => stream.end({ counts, ...(signatures && { signatures }) }),
    };
  }
  if (format === 'xml')
    return { item: (item) => output.text(renderXml(item, output.color)), end: () => undefined };
  const atom = await atomTools();
  if (format === 'text') {
    let first = true;
    return {
      item: (item) => {
        // a blank line between entries (each ends with its body)
        output.text(`${first ? '' : '\n'}${renderText(item, atom, output.color)}`);
        first = false;
      },
      end: () => undefined,
    };
  }
  // the feed is streamed like the other formats: no fetch holds every entry at once
  output.text(`<?xml version="1.0" encoding="utf-8"?>\n${atom.feedStart(service, node)}`);
  return {
    item: (item) => {
      if (item.status === 'failed') rt.reporter.warn(`item ${item.id}: ${item.reason}`);
      else if (item.status === 'missing') rt.reporter.warn(`item ${item.id}: not found`);
      else if (item.status === 'encrypted')
        rt.reporter.warn(`item ${item.id} left encrypted: not in the feed`);
      else {
        const entry = atom.entry(item.element());
        if (entry) output.text(`${xmlComment(`oxps: ${itemLabel(item)}`)}\n${entry.inFeed(item.id)}`);
        else rt.reporter.warn(`item ${item.id} is not an Atom entry: left out of the feed`);
      }
    },
    end: () => output.text(FEED_END),
  };
}

/** The item with its Atom entry's fields: {title, published, updated, author, text, xhtml}, those it has. */
function withEntry(item: FetchedItem, atom: AtomTools): FetchedItem & { entry?: Record<string, string> } {
  if (item.status !== 'decrypted' && item.status !== 'plaintext') return item;
  const view = atom.entry(item.element())?.view;
  if (!view) return item;
  const { title, published, updated, author, body, xhtml } = view;
  const entry = Object.fromEntries(
    Object.entries({ title, published, updated, author, text: body, xhtml }).filter(
      ([, value]) => value !== undefined,
    ),
  ) as Record<string, string>;
  return { ...item, entry };
}

/** How an item was read, and who published it when the server says: `item ID · secret S · publisher P`. */
function itemLabel(item: FetchedItem): string {
  const how =
    item.status === 'decrypted'
      ? `secret ${item.secretId}${item.secretRevoked ? ' (revoked)' : ''}`
      : item.status === 'plaintext'
        ? `${NOT_ENCRYPTED} (anyone allowed to publish could have written it)`
        : item.status;
  const signature = signatureOf(item);
  return [
    `item ${item.id}`,
    how,
    ...(item.publisher ? [`publisher ${item.publisher}`] : []),
    ...(signature ? [signatureLabel(signature)] : []),
  ].join(' · ');
}

/** One line per attachment (fetch --attachments): `↳ KIND by JID: what`. */
function attachmentLines(item: FetchedItem): string {
  if (item.status !== 'decrypted' && item.status !== 'plaintext') return '';
  const lines = (item.attachments ?? []).map((attachment) => `  ↳ ${describeAttachment(attachment)}`);
  lines.push(...(item.attachmentProblems ?? []).map((problem) => `  ↳ unreadable ${problem}`));
  return lines.map((line) => `\n${line}`).join('');
}

function describeAttachment(attachment: AttachmentView): string {
  const sealed = attachment.encrypted ? ' (encrypted)' : '';
  const at = 'timestamp' in attachment && attachment.timestamp ? ` at ${attachment.timestamp}` : '';
  switch (attachment.kind) {
    case 'signature':
      return 'signer' in attachment
        ? `signature by ${attachment.signer}${sealed} at ${attachment.time}`
        : `signature by ${attachment.by}${sealed} (unreadable: ${attachment.problem})`;
    case 'noticed':
      return `noticed by ${attachment.by}${sealed}${at}`;
    case 'reactions':
      return `reactions by ${attachment.by}${sealed}${at}: ${attachment.reactions.join(' ')}`;
    case 'other':
      return `<${attachment.name} xmlns="${attachment.namespace}"> by ${attachment.by}${sealed}: ${attachment.xml}`;
  }
}

const NOT_ENCRYPTED = 'NOT ENCRYPTED';

/** An XML comment holding any text (item ids and JIDs too): "--" may not occur in one. */
function xmlComment(text: string): string {
  return `<!-- ${text.replace(/-(?=-)/g, '- ')} -->`;
}

function renderXml(item: FetchedItem, color: ChalkInstance): string {
  switch (item.status) {
    case 'decrypted':
    case 'encrypted':
      return `${color.dim(`── ${itemLabel(item)}`)}${color.dim(attachmentLines(item))}\n${item.xml}`;
    case 'plaintext':
      return `${color.yellow(`── ${itemLabel(item)}`)}${color.dim(attachmentLines(item))}\n${item.xml}`;
    case 'failed':
      return color.red(
        `✘ item ${item.id}: ${item.reason}${item.publisher ? ` (publisher ${item.publisher})` : ''}`,
      );
    case 'missing':
      return color.red(`✘ item ${item.id}: not found`);
  }
}

function renderText(item: FetchedItem, atom: AtomTools, color: ChalkInstance): string {
  if (item.status === 'failed' || item.status === 'encrypted' || item.status === 'missing')
    return renderXml(item, color);
  const entry = atom.entry(item.element())?.view;
  if (!entry) return renderXml(item, color);
  const warning = item.status === 'plaintext' ? color.yellow(` · ${NOT_ENCRYPTED}`) : '';
  const signature = signatureOf(item);
  const meta = [
    entry.published,
    entry.author,
    `item ${item.id}`,
    item.publisher && `publisher ${item.publisher}`,
    signature && signatureLabel(signature),
  ]
    .filter(Boolean)
    .join(' · ');
  return `${color.bold(entry.title ?? '(untitled)')}${warning}\n${color.dim(meta)}${color.dim(attachmentLines(item))}\n\n${entry.body}\n`;
}
