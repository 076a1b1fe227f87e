import { describe, expect, it } from 'vitest';
import xml from '@xmpp/xml';
import { buildEncrypted, MalformedItem, parseEncrypted } from '../../../../src/protocol/oxps/encrypted.js';
import { NS } from '../../../../src/protocol/namespaces.js';
import { parseXmlElement } from '../../../../src/protocol/xml.js';
import { thrown } from '../../../helpers/thrown.js';

const SECRET_ID = 'Q6PDRqVtvWww7WHCieM4Df';

const malformed = (element: ReturnType<typeof xml>): MalformedItem =>
  thrown(MalformedItem, () => parseEncrypted(element));

describe('buildEncrypted', () => {
  it('writes the XEP-0473 element with a key attribute and base64 content', () => {
    const element = buildEncrypted({
      secretId: SECRET_ID,
      ciphertext: new Uint8Array([0xff, 0x00, 0x10, 0xfb]),
    });
    expect(element.name).toBe('encrypted');
    expect(element.attrs.xmlns).toBe(NS.oxps);
    expect(element.attrs.key).toBe(SECRET_ID);
    expect(element.attrs.secret).toBeUndefined();
    expect(element.text()).toBe('/wAQ+w==');
    expect(element.getChildElements()).toHaveLength(0);
  });
});

describe('parseEncrypted', () => {
  it('round-trips what buildEncrypted makes, for every byte value and several lengths', () => {
    for (const length of [1, 2, 3, 4, 255, 256, 1000]) {
      const ciphertext = Uint8Array.from({ length }, (_, i) => (i * 37 + length) & 0xff);
      const parsed = parseEncrypted(buildEncrypted({ secretId: SECRET_ID, ciphertext }));
      expect(parsed.secretId).toBe(SECRET_ID);
      expect(Buffer.from(parsed.ciphertext).equals(Buffer.from(ciphertext))).toBe(true);
    }
  });

  it('round-trips through serialization and the strict parser', () => {
    const ciphertext = Uint8Array.from({ length: 300 }, (_, i) => i & 0xff);
    const text = buildEncrypted({ secretId: SECRET_ID, ciphertext }).toString();
    const parsed = parseEncrypted(parseXmlElement(text, 'item'));
    expect(parsed.secretId).toBe(SECRET_ID);
    expect(Buffer.from(parsed.ciphertext).equals(Buffer.from(ciphertext))).toBe(true);
  });

  it('reads a Libervia-style element (key attribute before xmlns, single quotes)', () => {
    const element = parseXmlElement(
      `<encrypted key='${SECRET_ID}' xmlns='urn:xmpp:openpgp:pubsub:0'>jA0ECQMC</encrypted>`,
      'item',
    );
    const parsed = parseEncrypted(element);
    expect(parsed.secretId).toBe(SECRET_ID);
    expect(Buffer.from(parsed.ciphertext).toString('hex')).toBe('8c0d04090302');
  });

  it('ignores whitespace inside the base64 text (line-wrapped content)', () => {
    const element = xml('encrypted', { xmlns: NS.oxps, key: SECRET_ID }, '\n  jA0E\r\n\tCQMC  \n');
    expect(Buffer.from(parseEncrypted(element).ciphertext).toString('hex')).toBe('8c0d04090302');
  });

  it('accepts the spec prose attribute name "secret" when "key" is absent', () => {
    const element = xml('encrypted', { xmlns: NS.oxps, secret: 'abc' }, 'AAAA');
    expect(parseEncrypted(element).secretId).toBe('abc');
  });

  it('refuses an element without a key attribute', () => {
    const error = malformed(xml('encrypted', { xmlns: NS.oxps }, 'AAAA'));
    expect(error.message).toMatch(/no 'key' attribute/);
  });

  it('refuses an empty key attribute', () => {
    const error = malformed(xml('encrypted', { xmlns: NS.oxps, key: '' }, 'AAAA'));
    expect(error.message).toMatch(/'key' attribute/);
  });

  it('refuses empty content', () => {
    expect(malformed(xml('encrypted', { xmlns: NS.oxps, key: SECRET_ID })).message).toMatch(/is empty/);
  });

  it('refuses whitespace-only content', () => {
    expect(malformed(xml('encrypted', { xmlns: NS.oxps, key: SECRET_ID }, ' \n\t ')).message).toMatch(
      /is empty/,
    );
  });

  it.each([
    ['a character outside the base64 alphabet', 'AAA*'],
    ['base64url characters', 'AB-_'],
    ['a non-ASCII character', 'AAé='],
    ['padding in the middle', 'AA==AAAA'],
    ['three padding characters', 'A==='],
    ['a length that is not a multiple of 4', 'AAAAA'],
    ['missing padding', 'AAA'],
    ['a single character', 'A'],
  ])('refuses invalid base64: %s', (_what, content) => {
    const error = malformed(xml('encrypted', { xmlns: NS.oxps, key: SECRET_ID }, content));
    expect(error.message).toMatch(/not valid base64/);
  });

  it('refuses an element with another name', () => {
    const error = malformed(xml('entry', { xmlns: NS.atom }, 'AAAA'));
    expect(error.message).toMatch(/<entry> is not an OXPS <encrypted> element/);
  });

  it('refuses <encrypted> in another namespace', () => {
    const error = malformed(xml('encrypted', { xmlns: 'urn:xmpp:openpgp:0', key: SECRET_ID }, 'AAAA'));
    expect(error.message).toMatch(/not an OXPS <encrypted> element/);
  });

  it('refuses <encrypted> without any namespace', () => {
    expect(() => parseEncrypted(xml('encrypted', { key: SECRET_ID }, 'AAAA'))).toThrow(MalformedItem);
  });
});
