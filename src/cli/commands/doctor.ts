// oxps doctor — checks the keystore, profile, login, key, server features, clock and state;
// exits 9 (partial) when some check fails.
import type { Command } from 'commander';
import { OxpsError } from '../../errors.js';
import { action, type Runtime } from '../runtime.js';
import type { DoctorCheck } from '../../app/doctor.js';
import { trustLabel } from '../trustLabel.js';

export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description(
      'check the keystore, profile, login, OpenPGP key, server features, clock and state, and say what to fix',
    )
    .action(action(run));
}

async function run(rt: Runtime): Promise<void> {
  const { runDoctor } = await import('../../app/doctor.js');
  const { resolveAccount } = await import('../../app/account.js');
  const checks = await runDoctor({
    account: () => resolveAccount(rt.globals.profile),
    keystore: async (choice) => {
      // the choice Runtime.keystore() makes, to tell a chosen vault from a fallen-back one
      return { keystore: await rt.keystore(choice), requested: rt.keystoreChoice(choice) };
    },
    context: () => rt.context(),
  });
  rt.output.result({ checks }, ({ checks: list }, color) =>
    list.map((c) => renderCheck(c, color)).join('\n'),
  );
  const failed = checks.filter((c) => !c.ok && !c.skipped);
  const skipped = checks.filter((c) => c.skipped).length;
  if (failed.length > 0 || skipped > 0) {
    const notChecked = skipped ? `; ${skipped} not checked` : '';
    throw new OxpsError(
      'PARTIAL',
      `${failed.length} of ${checks.length} checks failed: ${failed.map((c) => c.name).join(', ')}${notChecked}`,
      'fix what the hints say, then run oxps doctor again',
    );
  }
}

const WIDTH = 'publish-options'.length;

function renderCheck(check: DoctorCheck, color: import('chalk').ChalkInstance): string {
  const mark = check.ok ? color.green('✔') : check.skipped ? color.dim('·') : color.red('✘');
  const indent = `  ${' '.repeat(WIDTH)}  `;
  const keys = (check.keys ?? []).map(
    (k) =>
      `\n${indent}${k.fingerprint}  ${trustLabel(k.trust, color)}${k.local ? ' (this device)' : ''}${k.withdrawn ? color.dim(` withdrawn ${k.withdrawn}`) : ''}`,
  );
  const shares = (check.pendingShares ?? []).map(
    (p) =>
      `\n${indent}pending share: ${p.jid} on ${p.node} (${p.service}) since ${p.since}, waiting for a usable key`,
  );
  const line = `${mark} ${check.name.padEnd(WIDTH)}  ${check.detail}${keys.join('')}${shares.join('')}`;
  return check.hint ? `${line}\n${indent}${color.dim(`→ ${check.hint}`)}` : line;
}
