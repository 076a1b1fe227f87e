// What sync found, for people: one line per secret received, revoked or kept apart (warnings
// for rejected and unreadable messages are printed as they happen).
import type { ChalkInstance } from 'chalk';
import type { SyncReport } from '../app/sync.js';
import type { Reporter } from '../ui/reporter.js';

export function syncLines(report: SyncReport, color?: ChalkInstance): string[] {
  const c = (text: string, paint?: (t: string) => string) => (color && paint ? paint(text) : text);
  return [
    ...report.accepted.map(
      (a) =>
        `${c('+', color?.green)} secret ${a.secretId}${a.revoked ? ' (revoked)' : ''} for ${a.node} on ${a.service} from ${a.from}${a.firstUse ? ' (first secret of this node: trusted on first use)' : ''}`,
    ),
    ...report.revoked.map(
      (r) =>
        `${c('-', color?.yellow)} secret ${r.secretId} of ${r.node} on ${r.service} revoked by ${r.from}`,
    ),
    ...(report.conflicts ?? []).map(
      (k) =>
        `${c('!', color?.yellow)} secret ${k.secretId} for ${k.node} on ${k.service} from ${k.from} kept apart: the node's secrets come from ${k.origins.join(', ')} (settle it: oxps secret trust-origin -s ${k.service} -n ${k.node} JID)`,
    ),
    ...report.rejected.map((r) => `${c('✘', color?.red)} rejected from ${r.from}: ${r.reason}`),
    ...report.unreadable.map(
      (u) =>
        `${c('?', color?.red)} unreadable message from ${u.from}${u.time ? ` (${u.time})` : ''}: ${u.reason}`,
    ),
  ];
}

export function noticeSync(reporter: Reporter, report: SyncReport): void {
  for (const line of syncLines(report).filter((l) => l.startsWith('+') || l.startsWith('-')))
    reporter.notice(line);
}
