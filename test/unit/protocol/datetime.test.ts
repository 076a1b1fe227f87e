import { describe, expect, it } from 'vitest';
import { parseXep82DateTime, xep82DateTime } from '../../../src/protocol/datetime.js';

describe('xep82DateTime', () => {
  it('writes UTC with seconds and no fraction, as Libervia does', () => {
    expect(xep82DateTime(new Date('2026-11-25T11:43:23.789Z'))).toBe('2026-11-25T11:43:23Z');
    expect(xep82DateTime(new Date('2026-11-25T13:43:23+02:00'))).toBe('2026-11-25T11:43:23Z');
    expect(xep82DateTime(new Date(0))).toBe('1970-01-01T00:00:00Z');
  });

  it('truncates the fraction instead of rounding up', () => {
    expect(xep82DateTime(new Date('2026-12-31T23:59:59.999Z'))).toBe('2026-12-31T23:59:59Z');
  });

  it('round-trips through parseXep82DateTime to the second', () => {
    const date = new Date('2026-11-25T11:43:23.456Z');
    expect(parseXep82DateTime(xep82DateTime(date))?.getTime()).toBe(Date.parse('2026-11-25T11:43:23Z'));
  });
});

describe('parseXep82DateTime', () => {
  it.each([
    ['2026-11-25T11:43:23Z', '2026-11-25T11:43:23.000Z'],
    ['2026-11-25T11:43:23.5Z', '2026-11-25T11:43:23.500Z'],
    ['2026-11-25T11:43:23.123456Z', '2026-11-25T11:43:23.123Z'],
    ['2026-11-25T13:43:23+02:00', '2026-11-25T11:43:23.000Z'],
    ['2026-11-25T06:43:23-05:00', '2026-11-25T11:43:23.000Z'],
    ['2026-11-25T11:43:23.250+00:00', '2026-11-25T11:43:23.250Z'],
  ])('parses %s', (text, iso) => {
    expect(parseXep82DateTime(text)?.toISOString()).toBe(iso);
  });

  it.each([
    ['undefined', undefined],
    ['an empty string', ''],
    ['a date without time', '2026-11-25'],
    ['a time without zone', '2026-11-25T11:43:23'],
    ['a time without seconds', '2026-11-25T11:43Z'],
    ['a space instead of T', '2026-11-25 11:43:23Z'],
    ['a compact zone offset', '2026-11-25T11:43:23+0200'],
    ['a lower-case z', '2026-11-25T11:43:23z'],
    ['surrounding whitespace', ' 2026-11-25T11:43:23Z'],
    ['a trailing newline', '2026-11-25T11:43:23Z\n'],
    ['an out-of-range month', '2026-13-01T00:00:00Z'],
    ['an out-of-range hour', '2026-11-25T25:00:00Z'],
    ['a free-text date', 'Wed Nov 25 2026'],
    ['a Unix time', '1795607001'],
  ])('refuses %s', (_what, text) => {
    expect(parseXep82DateTime(text)).toBeUndefined();
  });
});
