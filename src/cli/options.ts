// Option value parsers shared by commands (commander calls them; errors become usage errors).
import { InvalidArgumentError } from 'commander';

export function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

export function nonNegativeInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('expected a whole number');
  return n;
}

export function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 65535)
    throw new InvalidArgumentError('expected a TCP port (1-65535)');
  return n;
}

export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

export function seconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError('expected a number of seconds');
  return n;
}

/** The ceiling of --max-item-size: what openpgp.js is ever allowed to decompress (crypto/itemCipher.ts). */
const MAX_ITEM_SIZE = 16 * 1024 * 1024;
const SIZE_UNITS: Record<string, number> = { '': 1, K: 1024, M: 1024 * 1024 };

/** A size in bytes: `65536`, `64K`, `1M` (also `64KiB`, `1MB`: units are binary). */
export function itemSize(value: string): number {
  const match = /^(\d+)\s*([KM]?)(?:i?B)?$/i.exec(value.trim());
  const bytes = match ? Number(match[1]) * SIZE_UNITS[match[2]!.toUpperCase()]! : NaN;
  if (!Number.isSafeInteger(bytes) || bytes <= 0 || bytes > MAX_ITEM_SIZE) {
    throw new InvalidArgumentError(
      'expected a size from 1 byte to 16M, in bytes or with K or M (e.g. 64K, 1M)',
    );
  }
  return bytes;
}
