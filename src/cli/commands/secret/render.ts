// Human rendering of what was delivered.
import type { ChalkInstance } from 'chalk';
import type { DeliveryReport } from '../../../app/secrets/notify.js';

export function renderDelivery(report: DeliveryReport, color: ChalkInstance): string[] {
  return report.dropped.map((d) => color.yellow(`  ! not notified: ${d.recipient}: ${d.reason}`));
}
