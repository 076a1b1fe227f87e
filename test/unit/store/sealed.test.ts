import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { seal, SealError, unseal } from '../../../src/store/sealed.js';
import { thrown } from '../../helpers/thrown.js';

const KEY = randomBytes(32);
const MAGIC = 'OXPSTST1';
const CONTEXT = 'state:alice';
const PLAINTEXT = Buffer.from(JSON.stringify({ secrets: ['é🎉'], n: 1 }), 'utf8');
const HEADER = 8;
const NONCE = 12;
const TAG = 16;

const sealError = (action: () => unknown): SealError => thrown(SealError, action);

describe('seal / unseal', () => {
  it('round-trips', () => {
    const sealed = seal(KEY, MAGIC, CONTEXT, PLAINTEXT);
    expect(unseal(KEY, MAGIC, CONTEXT, sealed).equals(PLAINTEXT)).toBe(true);
  });

  it('round-trips an empty plaintext and a large one', () => {
    expect(unseal(KEY, MAGIC, CONTEXT, seal(KEY, MAGIC, CONTEXT, Buffer.alloc(0)))).toHaveLength(0);
    const large = randomBytes(1024 * 1024);
    expect(unseal(KEY, MAGIC, CONTEXT, seal(KEY, MAGIC, CONTEXT, large)).equals(large)).toBe(true);
  });

  it('lays out magic | nonce | tag | ciphertext, without the plaintext in clear', () => {
    const sealed = seal(KEY, MAGIC, CONTEXT, PLAINTEXT);
    expect(sealed.subarray(0, HEADER).toString('ascii')).toBe(MAGIC);
    expect(sealed).toHaveLength(HEADER + NONCE + TAG + PLAINTEXT.length);
    expect(sealed.includes(PLAINTEXT.subarray(0, 8))).toBe(false);
  });

  it('pads a short magic to 8 bytes', () => {
    const sealed = seal(KEY, 'VAULT', 'vault', PLAINTEXT);
    expect(sealed.subarray(0, HEADER).toString('ascii')).toBe('VAULT   ');
    expect(unseal(KEY, 'VAULT', 'vault', sealed).equals(PLAINTEXT)).toBe(true);
  });

  it('uses a fresh nonce every time', () => {
    const a = seal(KEY, MAGIC, CONTEXT, PLAINTEXT);
    const b = seal(KEY, MAGIC, CONTEXT, PLAINTEXT);
    expect(a.subarray(HEADER, HEADER + NONCE).equals(b.subarray(HEADER, HEADER + NONCE))).toBe(false);
    expect(a.equals(b)).toBe(false);
  });

  it('refuses the wrong key', () => {
    const sealed = seal(KEY, MAGIC, CONTEXT, PLAINTEXT);
    const error = sealError(() => unseal(randomBytes(32), MAGIC, CONTEXT, sealed));
    expect(error.message).toMatch(/authentication failed/);
  });

  it('refuses any altered byte after the header (nonce, tag or ciphertext)', () => {
    const sealed = seal(KEY, MAGIC, CONTEXT, PLAINTEXT);
    for (let i = HEADER; i < sealed.length; i++) {
      const altered = Buffer.from(sealed);
      altered[i]! ^= 0x01;
      expect(sealError(() => unseal(KEY, MAGIC, CONTEXT, altered)).message).toMatch(/authentication failed/);
    }
  });

  it('refuses an altered header byte', () => {
    const sealed = seal(KEY, MAGIC, CONTEXT, PLAINTEXT);
    for (let i = 0; i < HEADER; i++) {
      const altered = Buffer.from(sealed);
      altered[i]! ^= 0x01;
      expect(sealError(() => unseal(KEY, MAGIC, CONTEXT, altered)).message).toMatch(/bad header/);
    }
  });

  it('refuses the wrong context (a file swapped for another profile’s)', () => {
    const sealed = seal(KEY, MAGIC, 'state:alice', PLAINTEXT);
    expect(sealError(() => unseal(KEY, MAGIC, 'state:bob', sealed)).message).toMatch(/authentication failed/);
    sealError(() => unseal(KEY, MAGIC, '', sealed));
  });

  it('refuses the wrong magic (a file of another kind)', () => {
    const sealed = seal(KEY, 'OXPSVLT1', CONTEXT, PLAINTEXT);
    expect(sealError(() => unseal(KEY, MAGIC, CONTEXT, sealed)).message).toMatch(/bad header/);
  });

  it('refuses truncated, extended and empty input', () => {
    const sealed = seal(KEY, MAGIC, CONTEXT, PLAINTEXT);
    sealError(() => unseal(KEY, MAGIC, CONTEXT, sealed.subarray(0, sealed.length - 1)));
    sealError(() => unseal(KEY, MAGIC, CONTEXT, sealed.subarray(0, HEADER + NONCE + TAG - 1)));
    sealError(() => unseal(KEY, MAGIC, CONTEXT, sealed.subarray(0, HEADER)));
    sealError(() => unseal(KEY, MAGIC, CONTEXT, Buffer.concat([sealed, Buffer.from([0])])));
    sealError(() => unseal(KEY, MAGIC, CONTEXT, Buffer.alloc(0)));
  });

  it('refuses a ciphertext spliced onto the header and tag of another file', () => {
    const a = seal(KEY, MAGIC, CONTEXT, Buffer.from('first document'));
    const b = seal(KEY, MAGIC, CONTEXT, Buffer.from('other document'));
    const spliced = Buffer.concat([a.subarray(0, HEADER + NONCE + TAG), b.subarray(HEADER + NONCE + TAG)]);
    sealError(() => unseal(KEY, MAGIC, CONTEXT, spliced));
  });
});
