import { describe, expect, it } from 'vitest';
import {
  currentSecret,
  generateSecret,
  latestSecret,
  mayGenerateSecret,
  origins,
  type NodeSecret,
} from '../../../../src/protocol/oxps/secrets.js';

const SHORTUUID_ALPHABET = '23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

function secret(id: string, timestamp: string, extra: Partial<NodeSecret> = {}): NodeSecret {
  return {
    id,
    key: `key-${id}`,
    timestamp,
    origin: 'alice@localhost',
    revoked: false,
    sharedWith: [],
    ...extra,
  };
}

describe('generateSecret', () => {
  it('makes a secret shaped like Libervia’s', () => {
    const s = generateSecret('alice@localhost', new Date('2026-11-25T11:43:23.789Z'));
    expect(s.key).toMatch(/^[A-Za-z0-9_-]{86}$/);
    expect(Buffer.from(s.key, 'base64url')).toHaveLength(64);
    expect(s.id).toHaveLength(22);
    expect(s.id).toMatch(/^[2-9A-HJ-NP-Za-km-z]{22}$/);
    expect(s.timestamp).toBe('2026-11-25T11:43:23Z');
    expect(s.origin).toBe('alice@localhost');
    expect(s.revoked).toBe(false);
    expect(s.sharedWith).toEqual([]);
  });

  it('stamps the current time by default, as XEP-0082 UTC without fraction', () => {
    const before = Math.floor(Date.now() / 1000) * 1000;
    const s = generateSecret('alice@localhost');
    const after = Date.now();
    expect(s.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const stamped = new Date(s.timestamp).getTime();
    expect(stamped).toBeGreaterThanOrEqual(before);
    expect(stamped).toBeLessThanOrEqual(after);
  });

  it('makes a fresh id, key and sharedWith list every time', () => {
    const secrets = Array.from({ length: 500 }, () => generateSecret('alice@localhost'));
    expect(new Set(secrets.map((s) => s.id)).size).toBe(500);
    expect(new Set(secrets.map((s) => s.key)).size).toBe(500);
    secrets[0]!.sharedWith.push('bob@localhost');
    expect(secrets[1]!.sharedWith).toEqual([]);
  });

  it('draws ids from the whole shortuuid alphabet and nothing else', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 500; i++) for (const c of generateSecret('a@b').id) seen.add(c);
    expect([...seen].sort().join('')).toBe([...SHORTUUID_ALPHABET].sort().join(''));
  });
});

describe('currentSecret', () => {
  it('returns undefined when there is no secret', () => {
    expect(currentSecret([])).toBeUndefined();
  });

  it('returns undefined when every secret is revoked', () => {
    expect(
      currentSecret([
        secret('a', '2026-01-01T00:00:00Z', { revoked: true }),
        secret('b', '2026-02-01T00:00:00Z', { revoked: true }),
      ]),
    ).toBeUndefined();
  });

  it('picks the newest non-revoked secret, whatever the order', () => {
    const a = secret('a', '2026-01-01T00:00:00Z');
    const b = secret('b', '2026-03-01T00:00:00Z');
    const c = secret('c', '2026-02-01T00:00:00Z');
    expect(currentSecret([a, b, c])).toBe(b);
    expect(currentSecret([b, c, a])).toBe(b);
    expect(currentSecret([c, a, b])).toBe(b);
  });

  it('skips a newer revoked secret', () => {
    const old = secret('old', '2026-01-01T00:00:00Z');
    const revoked = secret('new', '2026-06-01T00:00:00Z', { revoked: true });
    expect(currentSecret([old, revoked])).toBe(old);
    expect(currentSecret([revoked, old])).toBe(old);
  });

  it('orders by time, down to the second', () => {
    const a = secret('a', '2026-11-25T11:43:23Z');
    const b = secret('b', '2026-11-25T11:43:24Z');
    expect(currentSecret([b, a])).toBe(b);
  });
});

describe('latestSecret', () => {
  it('returns the newest secret, revoked or not', () => {
    const old = secret('old', '2026-01-01T00:00:00Z');
    const revoked = secret('new', '2026-06-01T00:00:00Z', { revoked: true });
    expect(latestSecret([old, revoked])).toBe(revoked);
    expect(latestSecret([])).toBeUndefined();
  });
});

describe('mayGenerateSecret', () => {
  it('lets anyone generate the first secret of a node', () => {
    expect(mayGenerateSecret([], 'alice@localhost')).toBe(true);
    expect(mayGenerateSecret([], 'mallory@localhost')).toBe(true);
  });

  it('lets the origin of every previous secret generate a new one', () => {
    const secrets = [
      secret('a', '2026-01-01T00:00:00Z', { revoked: true }),
      secret('b', '2026-02-01T00:00:00Z', { revoked: true }),
    ];
    expect(mayGenerateSecret(secrets, 'alice@localhost')).toBe(true);
  });

  it('refuses anyone who is not the origin of the previous secrets', () => {
    const secrets = [secret('a', '2026-01-01T00:00:00Z', { revoked: true })];
    expect(mayGenerateSecret(secrets, 'bob@localhost')).toBe(false);
  });

  it('refuses everyone when the previous secrets have different origins', () => {
    const secrets = [
      secret('a', '2026-01-01T00:00:00Z'),
      secret('b', '2026-02-01T00:00:00Z', { origin: 'bob@localhost' }),
    ];
    expect(mayGenerateSecret(secrets, 'alice@localhost')).toBe(false);
    expect(mayGenerateSecret(secrets, 'bob@localhost')).toBe(false);
  });

  it('compares bare JIDs exactly', () => {
    const secrets = [secret('a', '2026-01-01T00:00:00Z')];
    expect(mayGenerateSecret(secrets, 'alice@localhost/phone')).toBe(false);
    expect(mayGenerateSecret(secrets, 'alice@otherhost')).toBe(false);
  });
});

describe('origins', () => {
  it('lists each origin once, in first-seen order', () => {
    const secrets = [
      secret('a', '2026-01-01T00:00:00Z', { origin: 'bob@localhost' }),
      secret('b', '2026-02-01T00:00:00Z'),
      secret('c', '2026-03-01T00:00:00Z', { origin: 'bob@localhost' }),
    ];
    expect(origins(secrets)).toEqual(['bob@localhost', 'alice@localhost']);
    expect(origins([])).toEqual([]);
  });
});
