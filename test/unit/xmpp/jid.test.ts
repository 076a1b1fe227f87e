import { describe, expect, it } from 'vitest';
import {
  bareJid,
  checkBareJid,
  domainOf,
  isAccountService,
  localOf,
  normalizeJid,
  parseBareJid,
  sameJid,
} from '../../../src/xmpp/jid.js';
import { OxpsError } from '../../../src/errors.js';
import { thrown } from '../../helpers/thrown.js';

describe('JIDs', () => {
  it('#16.1 parses a bare JID given by the user, lower-casing local part and domain', () => {
    expect(parseBareJid(' Alice@Example.ORG ')).toEqual({ local: 'alice', domain: 'example.org' });
    expect(checkBareJid('Alice@Example.ORG')).toBe('alice@example.org');
  });

  it('#16.1 refuses anything but user@domain with one clear usage error', () => {
    for (const bad of ['alice', 'alice@example.org/res', 'a@b@c', 'al ice@example.org', '@example.org', '']) {
      const error = thrown(OxpsError, () => parseBareJid(bad));
      expect(error).toMatchObject({ code: 'USAGE', message: `"${bad}" is not a bare JID (user@domain)` });
    }
  });

  it('#16.1 compares local part and domain without case, the resource exactly (RFC 7622)', () => {
    expect(bareJid('Bob@Example.org/Phone')).toBe('bob@example.org');
    expect(bareJid('')).toBe('');
    expect(normalizeJid('Bob@Example.org/Phone')).toBe('bob@example.org/Phone');
    expect(sameJid('bob@example.org/Phone', 'BOB@example.ORG/Phone')).toBe(true);
    expect(sameJid('bob@example.org/Phone', 'bob@example.org/phone')).toBe(false);
  });

  it('#16.1 takes local part and domain out of any address', () => {
    expect(domainOf('alice@example.org')).toBe('example.org');
    expect(domainOf('alice@example.org/res')).toBe('example.org');
    expect(domainOf('pubsub.example.org')).toBe('pubsub.example.org');
    expect(localOf('alice@example.org/res')).toBe('alice');
    expect(localOf('pubsub.example.org')).toBe('');
    expect(isAccountService('alice@example.org')).toBe(true);
    expect(isAccountService('pubsub.example.org')).toBe(false);
  });
});
