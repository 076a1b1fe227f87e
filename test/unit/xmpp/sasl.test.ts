import { describe, expect, it } from 'vitest';
import { chooseMechanism } from '../../../src/xmpp/sasl.js';

describe('chooseMechanism', () => {
  it('prefers SCRAM-SHA-512 over everything else, whatever the offer order', () => {
    expect(chooseMechanism(['PLAIN', 'SCRAM-SHA-1', 'SCRAM-SHA-256', 'SCRAM-SHA-512'])).toBe('SCRAM-SHA-512');
    expect(chooseMechanism(['SCRAM-SHA-512', 'SCRAM-SHA-256', 'SCRAM-SHA-1', 'PLAIN'])).toBe('SCRAM-SHA-512');
  });

  it('prefers SCRAM-SHA-256 over SCRAM-SHA-1 and PLAIN', () => {
    expect(chooseMechanism(['PLAIN', 'SCRAM-SHA-1', 'SCRAM-SHA-256'])).toBe('SCRAM-SHA-256');
    expect(chooseMechanism(['SCRAM-SHA-256', 'SCRAM-SHA-1'])).toBe('SCRAM-SHA-256');
  });

  it('prefers SCRAM-SHA-1 over PLAIN', () => {
    expect(chooseMechanism(['PLAIN', 'SCRAM-SHA-1'])).toBe('SCRAM-SHA-1');
  });

  it('falls back to PLAIN when no SCRAM is offered', () => {
    expect(chooseMechanism(['DIGEST-MD5', 'PLAIN', 'X-OAUTH2'])).toBe('PLAIN');
  });

  it('returns undefined when nothing supported is offered', () => {
    expect(chooseMechanism([])).toBeUndefined();
    expect(chooseMechanism(['DIGEST-MD5', 'EXTERNAL', 'ANONYMOUS', 'X-OAUTH2'])).toBeUndefined();
  });

  it('does not take channel-binding variants for the plain SCRAM mechanisms', () => {
    expect(chooseMechanism(['SCRAM-SHA-256-PLUS', 'SCRAM-SHA-1-PLUS'])).toBeUndefined();
    expect(chooseMechanism(['SCRAM-SHA-256-PLUS', 'SCRAM-SHA-1'])).toBe('SCRAM-SHA-1');
  });
});
