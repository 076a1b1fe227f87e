// oxps node audit (-s SERVICE -n NODE | --all-nodes) [--max-age DAYS] — exits 9 with findings.
import type { Command } from 'commander';
import { OxpsError } from '../../../errors.js';
import { action, type Runtime } from '../../runtime.js';
import { positiveInteger } from '../../options.js';
import type { AuditReport } from '../../../app/audit/nodeAudit.js';

const DEFAULT_MAX_AGE_DAYS = 180;

export function registerNodeAudit(node: Command): void {
  node
    .command('audit')
    .description(
      'tell whether a private node is really private: whitelist against secret holders, items in clear or under revoked secrets, title-derived ids, old or short secrets, open attachments nodes',
    )
    .option('-s, --service <jid>', 'pubsub service (default: your own account, i.e. PEP)')
    .option('-n, --node <node>', 'the node to audit')
    .option('--all-nodes', 'every encrypted node you own on the service')
    .option(
      '--max-age <days>',
      'a current secret older than this is overdue for rotation',
      positiveInteger,
      DEFAULT_MAX_AGE_DAYS,
    )
    .action(action(run));
}

interface AuditOptions {
  service?: string;
  node?: string;
  allNodes?: boolean;
  maxAge: number;
}

async function run(rt: Runtime, opts: AuditOptions): Promise<void> {
  if ((opts.node === undefined) === !opts.allNodes) {
    throw new OxpsError(
      'USAGE',
      opts.allNodes ? 'give either -n NODE or --all-nodes, not both' : 'no node to audit',
      'oxps node audit -n NODE, or oxps node audit --all-nodes',
    );
  }
  const ctx = await rt.syncedContext();
  const service = await rt.service(opts.service);
  const { auditNodes } = await import('../../../app/audit/nodeAudit.js');
  const report = await auditNodes(ctx, {
    service,
    ...(opts.node !== undefined ? { node: opts.node } : {}),
    maxAgeDays: opts.maxAge,
  });
  rt.output.result(report, render);
  if (report.findings > 0) {
    const nodes = report.nodes.filter((n) => n.findings.length > 0).length;
    throw new OxpsError(
      'FINDINGS',
      `${report.findings} finding(s) on ${nodes} node(s) of ${service}`,
      'run the commands after →, then oxps node audit again',
    );
  }
}

function render(report: AuditReport, color: import('chalk').ChalkInstance): string {
  if (report.nodes.length === 0) return `no encrypted node of yours on ${report.service}`;
  return report.nodes
    .map((n) => {
      const head = `${color.bold(n.node)} on ${report.service}: access model ${n.accessModel}, ${n.items} item(s), ${n.secrets} secret(s)`;
      if (n.findings.length === 0) return `${color.green('✔')} ${head}: nothing found`;
      return [
        `${color.red('✘')} ${head}`,
        ...n.findings.map((f) => `  ${color.yellow(f.kind)}: ${f.message}\n    ${color.dim('→')} ${f.fix}`),
      ].join('\n');
    })
    .join('\n');
}
