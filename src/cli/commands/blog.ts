// oxps blog setup|post|delete|read|share — a private blog: the XEP-0277 microblog node of your own
// account (urn:xmpp:microblog:0 on PEP), made an encrypted whitelist node.
import type { Command } from 'commander';
import { action, type Runtime } from '../runtime.js';
import { run as encryptNode } from './encryptNode.js';
import { run as retract } from './retract.js';
import { run as shareSecrets, WHITELIST_ONLY } from './secret/share.js';
import { publishOne, publishOptions, type PublishCliOptions } from './publish.js';
import { fetchAndPrint, fetchOptions, type FetchCliOptions } from './fetch.js';

export const MICROBLOG_NODE = 'urn:xmpp:microblog:0';

/** What `blog post` takes: publishOptions without --atom (every post is an entry). */
type BlogPostOptions = Pick<PublishCliOptions, 'title' | 'contentFile' | 'markdown' | 'dryRun'>;

export function registerBlog(program: Command): void {
  const blog = program
    .command('blog')
    .description(`your private blog: the encrypted microblog node (${MICROBLOG_NODE}) of your account`);

  blog
    .command('setup')
    .description('make your microblog node encrypted (whitelist access model, first secret)')
    .option('-y, --yes', 'convert an existing microblog node without asking')
    .action(
      action(async (rt: Runtime, options: { yes?: boolean }) =>
        encryptNode(rt, { ...options, node: MICROBLOG_NODE }),
      ),
    );

  publishOptions(blog.command('post').description('publish an encrypted Atom entry (random item id)'), {
    withAtom: false,
  }).action(
    action(async (rt: Runtime, options: BlogPostOptions) =>
      publishOne(rt, undefined, { ...options, atom: true, node: MICROBLOG_NODE, window: 1, retries: 0 }),
    ),
  );

  blog
    .command('delete')
    .description('take posts back (all ids must exist, else nothing is deleted)')
    .argument('<items...>', 'item ids of the posts')
    .option('--dry-run', 'check the ids and print the requests that would be sent, and send nothing')
    .action(
      action(async (rt: Runtime, items: string[], options: { dryRun?: boolean }) =>
        retract(rt, items, { ...options, node: MICROBLOG_NODE }),
      ),
    );

  fetchOptions(blog.command('read').description("read your blog (or a contact's, with -s JID) as text"))
    .option('-s, --service <jid>', 'whose blog (default: yours)')
    .action(
      action(async (rt: Runtime, options: Omit<FetchCliOptions, 'node'>) =>
        fetchAndPrint(rt, { ...options, node: MICROBLOG_NODE }, 'text', { entries: true }),
      ),
    );

  blog
    .command('share')
    .description('give readers access: whitelist them and send them the secrets')
    .argument('<readers...>', 'bare JIDs')
    .option(WHITELIST_ONLY.flags, WHITELIST_ONLY.description)
    .action(
      action(async (rt: Runtime, readers: string[], options: { whitelistOnly?: boolean }) =>
        shareSecrets(rt, readers, { ...options, node: MICROBLOG_NODE }),
      ),
    );
}
