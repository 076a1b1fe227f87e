// oxps secret import (--from-libervia [PROFILE] | --from-file FILE) [-s SERVICE] [-n NODE…] [--trust-origin] [--show-secrets]
import type { Command } from 'commander';
import { stat, readFile } from 'node:fs/promises';
import { OxpsError } from '../../../errors.js';
import { action, type Runtime } from '../../runtime.js';
import { collect } from '../../options.js';
import type { ImportReport, NodeImport } from '../../../app/secrets/import.js';

export function registerSecretImport(secret: Command): void {
  secret
    .command('import')
    .description(
      "take a node's secrets from Libervia (same account), as if received: origin, dates, revoked flags, shared_with",
    )
    .option(
      '--from-libervia [profile]',
      'run libervia-cli pubsub secret list -O json -v (with this Libervia profile, else its default)',
    )
    .option('--from-file <file>', "read that command's JSON from a file (one node: give -n)")
    .option('-s, --service <jid>', 'pubsub service (default: your own account, i.e. PEP)')
    .option(
      '-n, --node <node>',
      'a node to import (repeatable; default with --from-libervia: every node of the service)',
      collect,
    )
    .option(
      '--trust-origin',
      'also import secrets made by other accounts (Libervia checked their signatures; oxps cannot)',
    )
    .option('--show-secrets', 'also print the secret keys')
    .action(action(run));
}

interface ImportOptions {
  fromLibervia?: string | true;
  fromFile?: string;
  service?: string;
  node?: string[];
  trustOrigin?: boolean;
  showSecrets?: boolean;
}

async function run(rt: Runtime, opts: ImportOptions): Promise<void> {
  if ((opts.fromLibervia === undefined) === (opts.fromFile === undefined)) {
    throw new OxpsError(
      'USAGE',
      'give either --from-libervia or --from-file',
      'oxps secret import --from-libervia [PROFILE] [-n NODE…], or --from-file FILE -n NODE',
    );
  }
  if (opts.fromFile !== undefined && opts.node?.length !== 1) {
    throw new OxpsError(
      'USAGE',
      'the file holds the secrets of one node: give exactly one -n NODE',
      `oxps secret import --from-file ${opts.fromFile} -n NODE`,
    );
  }
  const ctx = await rt.syncedContext();
  const service = await rt.service(opts.service);
  const imports =
    opts.fromFile !== undefined
      ? [{ node: opts.node![0]!, secrets: await fromFile(opts.fromFile) }]
      : await fromLibervia(rt, service, opts);
  const { importSecrets } = await import('../../../app/secrets/import.js');
  const report = await importSecrets(ctx, service, imports, {
    trustOrigin: Boolean(opts.trustOrigin),
    showSecrets: Boolean(opts.showSecrets),
  });
  rt.output.result(report, render);
  const refused = report.secrets.filter((s) => s.status === 'refused').length;
  if (refused > 0)
    throw new OxpsError(
      'PARTIAL',
      `${refused} of ${report.secrets.length} secret(s) not imported (the reasons are above)`,
      'secrets made by another account: --trust-origin, or ask that account to share them again',
    );
}

async function fromFile(file: string): Promise<NodeImport['secrets']> {
  const { parseLiberviaSecrets, MAX_IMPORT_BYTES } = await import('../../../app/secrets/importParse.js');
  try {
    if ((await stat(file)).size > MAX_IMPORT_BYTES)
      throw new OxpsError(
        'INPUT_INVALID',
        `${file} is larger than ${MAX_IMPORT_BYTES} bytes: not a list of secrets`,
        'give the output of libervia-cli pubsub secret list -n NODE -O json -v',
      );
    return parseLiberviaSecrets(await readFile(file, 'utf8'), file);
  } catch (error) {
    if (error instanceof OxpsError) throw error;
    throw new OxpsError(
      'INPUT_INVALID',
      `cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      'give a readable file to --from-file',
    );
  }
}

async function fromLibervia(rt: Runtime, service: string, opts: ImportOptions): Promise<NodeImport[]> {
  const { liberviaSecrets } = await import('../../../app/secrets/importLibervia.js');
  const profile = typeof opts.fromLibervia === 'string' ? opts.fromLibervia : undefined;
  let nodes = opts.node ?? [];
  if (nodes.length === 0) {
    const { serviceNodes } = await import('../../../app/audit/gather.js');
    nodes = await serviceNodes(await rt.context(), service);
    rt.reporter.verbose(`asking libervia-cli about the ${nodes.length} node(s) of ${service}`);
  }
  const imports: NodeImport[] = [];
  for (const node of nodes) {
    const secrets = await liberviaSecrets(service, node, profile);
    if (secrets) imports.push({ node, secrets });
    else rt.reporter.verbose(`Libervia holds no secret of ${node}`);
  }
  if (imports.length === 0)
    throw new OxpsError(
      'NO_SECRET',
      `Libervia${profile ? ` (profile ${profile})` : ''} holds no secret of ${opts.node?.length ? opts.node.join(', ') : `any node of ${service}`}`,
      'check the Libervia profile and the node names (-n)',
    );
  return imports;
}

function render(report: ImportReport, color: import('chalk').ChalkInstance): string {
  if (report.secrets.length === 0) return 'no secret to import';
  return report.secrets
    .map((s) => {
      const status =
        s.status === 'imported'
          ? color.green('imported')
          : s.status === 'known'
            ? color.dim('already known')
            : color.red('refused');
      const flags = `${s.revoked ? 'revoked' : 'active'}, ${s.timestamp}, origin ${s.origin}${s.sharedWith.length ? `, shared with ${s.sharedWith.join(', ')}` : ''}`;
      return `${status}  ${s.node}  ${color.bold(s.id)}  (${flags})${s.key ? `\n  key ${s.key}` : ''}`;
    })
    .join('\n');
}
