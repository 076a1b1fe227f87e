// The items the benchmark publishes: Atom entries (XEP-0277, what Libervia's blog makes too)
// of about 600 bytes, each different.
import { randomBytes } from 'node:crypto';

const WORDS =
  'lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor incididunt ut labore et dolore magna aliqua ut enim ad minim veniam quis nostrud exercitation ullamco laboris nisi'.split(
    ' ',
  );

function text(words: number): string {
  return Array.from({ length: words }, () => WORDS[randomBytes(1)[0]! % WORDS.length]).join(' ');
}

export function atomEntry(index: number): string {
  const published = new Date(Date.UTC(2026, 0, 1) + index * 60_000).toISOString().replace(/\.\d+Z$/, 'Z');
  return (
    `<entry xmlns='http://www.w3.org/2005/Atom'><title>Bench post ${index}</title>` +
    `<id>urn:uuid:${randomBytes(16).toString('hex')}</id><published>${published}</published><updated>${published}</updated>` +
    `<author><name>carol</name></author><content type='text'>${text(60)}</content></entry>`
  );
}

/** `oxps publish --jsonl` input: one {"payload": …} per line. */
export function jsonl(count: number, offset = 0): string {
  return (
    Array.from({ length: count }, (_, i) => JSON.stringify({ payload: atomEntry(offset + i) })).join('\n') +
    '\n'
  );
}

/** A body for `li blog set` (text on stdin). */
export function blogBody(index: number): string {
  return `Libervia bench post ${index}: ${text(60)}\n`;
}
