// Small statistics and number formatting for the benchmark table.

export function median(values: number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

export function mean(values: number[]): number {
  return values.reduce((sum, v) => sum + v, 0) / values.length;
}

/** 1234.5 ms → "1.23 s", 12.3 → "12.3 ms", 0.123 → "0.123 ms". */
export function formatMs(ms: number): string {
  if (!Number.isFinite(ms)) return '—';
  if (ms >= 1000) return `${(ms / 1000).toFixed(ms >= 100_000 ? 0 : ms >= 10_000 ? 1 : 2)} s`;
  if (ms >= 10) return `${ms.toFixed(ms >= 100 ? 0 : 1)} ms`;
  return `${ms.toFixed(ms >= 1 ? 2 : 3)} ms`;
}

export function formatCount(n: number): string {
  return n.toLocaleString('en-US');
}

/**
 * A time ratio (oxps ÷ baseline), with words: "0.05 (20× faster)", "1.45 (1.45× slower)"; for a
 * baseline that is a lower bound, "≤ 0.05 (≥ 20× faster)".
 */
export function describeRatio(ratio: number, baselineIsLowerBound = false): string {
  if (!Number.isFinite(ratio) || ratio <= 0) return '—';
  const fixed = ratio < 0.1 ? ratio.toFixed(3) : ratio.toFixed(2);
  if (ratio < 0.995) {
    const speedup = 1 / ratio;
    const [le, ge] = baselineIsLowerBound ? ['≤ ', '≥ '] : ['', ''];
    return `${le}${fixed} (${ge}${speedup.toFixed(speedup >= 10 ? 0 : 1)}× faster)`;
  }
  if (ratio <= 1.005) return `${fixed} (the same)`;
  return `${fixed} (${ratio.toFixed(2)}× slower)`;
}
