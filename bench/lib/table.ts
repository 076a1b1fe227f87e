// The result rows: oxps's figure beside the one it is compared with, their ratio (oxps time ÷
// baseline time: below 1, oxps is faster) and the target of issue 7 where there is one.
import { describeRatio, formatMs } from './stats.js';

export interface Figure {
  /** Milliseconds (per run, or per item with `perItem`), or MB for memory. */
  value: number;
  unit: 'ms' | 'MB' | 'ms/item' | 'ms/recipient';
  /** Extra context printed after the value: "10,000 items in 6.1 s". */
  detail?: string;
}

export interface Row {
  group: string;
  /** What oxps did. */
  what: string;
  oxps: Figure;
  /** What it is compared with, and that figure. */
  versus?: string;
  baseline?: Figure;
  /** oxps ÷ baseline (same units). */
  ratio?: number;
  /** The baseline is a lower bound (a command stopped before it finished): the ratio is an upper bound. */
  lowerBound?: boolean;
  target?: string;
  met?: boolean;
  note?: string;
}

export function ratioOf(oxps: Figure, baseline: Figure | undefined): number | undefined {
  if (!baseline || !(baseline.value > 0) || !Number.isFinite(oxps.value)) return undefined;
  return oxps.value / baseline.value;
}

export function formatFigure(figure: Figure | undefined): string {
  if (!figure || !Number.isFinite(figure.value)) return '—';
  const main =
    figure.unit === 'MB'
      ? `${figure.value.toFixed(0)} MB`
      : `${formatMs(figure.value)}${figure.unit === 'ms' ? '' : figure.unit.slice(2)}`;
  return figure.detail ? `${main} (${figure.detail})` : main;
}

function mark(row: Row): string {
  if (row.met === undefined) return '';
  return row.met ? '✔' : '✘';
}

/** The table as Markdown (printed, and pasted into BENCHMARKS.md). */
export function renderMarkdown(rows: Row[]): string {
  const header = [
    'benchmark',
    'oxps',
    'figure',
    'compared with',
    'figure',
    'ratio (oxps ÷ other)',
    'target',
    '',
  ];
  const lines = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
  let lastGroup = '';
  for (const row of rows) {
    const group = row.group === lastGroup ? '' : `**${row.group}**`;
    lastGroup = row.group;
    const cells = [
      group,
      row.what,
      formatFigure(row.oxps),
      row.versus ?? '',
      row.baseline ? formatFigure(row.baseline) : row.versus ? 'n/a' : '',
      row.ratio !== undefined ? describeRatio(row.ratio, row.lowerBound) : '',
      row.target ?? '',
      mark(row),
    ];
    lines.push(`| ${cells.map((c) => c.replace(/\|/g, '\\|')).join(' | ')} |`);
  }
  return lines.join('\n');
}

/** Rows' notes, numbered under the table. */
export function renderNotes(rows: Row[]): string[] {
  return rows.filter((r) => r.note).map((r) => `- ${r.group} — ${r.what}: ${r.note}`);
}
