// Which cached keys a trust policy uses (Keyring's one rule for contacts and our own other keys).
import { describe, expect, it } from 'vitest';
import { keysUnderPolicy } from '../../../src/app/ox/keyring.js';
import type { ContactKey, KeyTrust } from '../../../src/app/state.js';

function key(fingerprint: string, trust: KeyTrust, withdrawn?: string): ContactKey {
  return {
    fingerprint,
    armored: '',
    created: '2026-01-01T00:00:00Z',
    trust,
    ...(withdrawn ? { withdrawn } : {}),
  };
}

const used = (keys: ContactKey[], policy: 'btbv' | 'manual' | 'always') =>
  keysUnderPolicy(keys, policy).map((k) => k.fingerprint);

describe('keysUnderPolicy', () => {
  it('never uses a distrusted or a withdrawn key, whatever the policy', () => {
    const keys = [
      key('A', 'distrusted'),
      key('B', 'verified', '2026-02-01T00:00:00Z'),
      key('C', 'undecided', '2026-02-01T00:00:00Z'),
    ];
    for (const policy of ['btbv', 'manual', 'always'] as const) expect(used(keys, policy)).toEqual([]);
  });

  it('manual uses verified keys only; always every live key', () => {
    const keys = [key('A', 'verified'), key('B', 'undecided')];
    expect(used(keys, 'manual')).toEqual(['A']);
    expect(used(keys, 'always')).toEqual(['A', 'B']);
    expect(used([key('B', 'undecided')], 'manual')).toEqual([]);
  });

  it('btbv uses every live key until one is verified, then verified ones only', () => {
    expect(used([key('A', 'undecided'), key('B', 'undecided')], 'btbv')).toEqual(['A', 'B']);
    expect(used([key('A', 'verified'), key('B', 'undecided')], 'btbv')).toEqual(['A']);
  });

  it('#12.9 btbv does not fall back to a newly announced key once the verified one was withdrawn', () => {
    expect(used([key('A', 'verified', '2026-02-01T00:00:00Z'), key('NEW', 'undecided')], 'btbv')).toEqual([]);
  });
});
