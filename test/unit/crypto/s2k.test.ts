import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as openpgp from 'openpgp';
import {
  decodeS2KCount,
  deriveIteratedS2K,
  deriveIteratedS2KInSlices,
  isSupportedS2KHash,
} from '../../../src/crypto/s2k.js';
import { passwordSessionKey } from '../../../src/crypto/sessionKeyPacket.js';
import { decryptItem, encryptItem, ItemDecryptError } from '../../../src/crypto/itemCipher.js';
import { GpgHome } from '../../helpers/gpg.js';

const HASH = { md5: 1, sha1: 2, ripemd160: 3, sha256: 8, sha384: 9, sha512: 10, sha224: 11 } as const;
const NODE_NAME: Record<number, string> = {
  1: 'md5',
  2: 'sha1',
  3: 'ripemd160',
  8: 'sha256',
  9: 'sha384',
  10: 'sha512',
  11: 'sha224',
};

/** RFC 4880 §3.7.1.3 written out plainly: hash the whole repeated salt+passphrase string. */
function referenceS2K(
  hashAlgorithm: number,
  salt: Uint8Array,
  passphrase: string,
  codedCount: number,
  keyLength: number,
): Buffer {
  const unit = Buffer.concat([salt, Buffer.from(passphrase, 'utf8')]);
  const count = Math.max((16 + (codedCount & 15)) << ((codedCount >> 4) + 6), unit.length);
  const data = Buffer.alloc(count);
  for (let i = 0; i < count; i++) data[i] = unit[i % unit.length]!;
  const parts: Buffer[] = [];
  for (let i = 0; Buffer.concat(parts).length < keyLength; i++) {
    parts.push(createHash(NODE_NAME[hashAlgorithm]!).update(Buffer.alloc(i)).update(data).digest());
  }
  return Buffer.concat(parts).subarray(0, keyLength);
}

interface Skesk {
  version: number;
  encrypted: Uint8Array | null;
  sessionKeyAlgorithm: number;
  s2k: { type: string; algorithm: number; salt: Uint8Array; c: number };
}

async function skeskOf(binary: Uint8Array): Promise<Skesk> {
  const message = await openpgp.readMessage({ binaryMessage: binary });
  const skesk = message.packets.findPacket(openpgp.enums.packet.symEncryptedSessionKey) as unknown as
    Skesk | undefined;
  if (!skesk) throw new Error('no SKESK packet');
  return skesk;
}

describe('decodeS2KCount', () => {
  it('decodes the extremes', () => {
    expect(decodeS2KCount(255)).toBe(65011712);
    expect(decodeS2KCount(0)).toBe(1024);
  });

  it('decodes a few known values', () => {
    expect(decodeS2KCount(0x60)).toBe(65536);
    expect(decodeS2KCount(0x10)).toBe(2048);
    expect(decodeS2KCount(0x0f)).toBe(1984);
    expect(decodeS2KCount(0xe0)).toBe(16 << 20);
  });

  it('follows the RFC 4880 formula for every coded value, and grows monotonically', () => {
    let previous = 0;
    for (let c = 0; c < 256; c++) {
      const expected = (16 + (c & 15)) * 2 ** ((c >> 4) + 6);
      expect(decodeS2KCount(c)).toBe(expected);
      expect(decodeS2KCount(c)).toBeGreaterThan(previous);
      previous = expected;
    }
  });
});

describe('isSupportedS2KHash', () => {
  it('knows the RFC 4880 hash ids and nothing else', () => {
    for (const id of Object.values(HASH)) expect(isSupportedS2KHash(id)).toBe(true);
    for (const id of [0, 4, 5, 6, 7, 12, 13, 14, 100]) expect(isSupportedS2KHash(id)).toBe(false);
  });
});

const derive = (
  hashAlgorithm: number,
  salt: Uint8Array,
  passphrase: string,
  codedCount: number,
  keyLength: number,
): Buffer => deriveIteratedS2K({ hashAlgorithm, salt, passphrase, codedCount, keyLength });

describe('deriveIteratedS2K', () => {
  const salt = Uint8Array.from([0xe2, 0x43, 0x29, 0x77, 0x65, 0x0a, 0x74, 0xb2]);

  it.each([
    ['sha1, 16-byte key', HASH.sha1, 'pencil', 0, 16],
    ['sha1, 32-byte key (two hash contexts)', HASH.sha1, 'pencil', 0x60, 32],
    ['sha1, 64-byte key (four hash contexts)', HASH.sha1, 'pencil', 0x10, 64],
    ['sha256, 32-byte key', HASH.sha256, 'a much longer passphrase than the salt, with ünïcödé 🎉', 0x65, 32],
    ['sha512, 24-byte key', HASH.sha512, 'x', 0x3f, 24],
    ['md5, 32-byte key', HASH.md5, 'pencil', 0x20, 32],
    ['sha224, 32-byte key', HASH.sha224, 'pencil', 0x21, 32],
    ['sha384, 32-byte key', HASH.sha384, 'pencil', 0x22, 32],
    ['ripemd160, 32-byte key', HASH.ripemd160, 'pencil', 0x23, 32],
    ['an empty passphrase', HASH.sha256, '', 0x11, 32],
    ['a passphrase longer than the count (hashed once, whole)', HASH.sha1, 'p'.repeat(3000), 0, 32],
    ['a unit that does not divide 64 KiB', HASH.sha1, 'abc', 0x9f, 32],
    ['a count that is a whole number of 64 KiB chunks', HASH.sha256, 'abcdefgh', 0x90, 32],
  ])('equals the plain RFC 4880 computation: %s', (_what, hash, passphrase, coded, length) => {
    const derived = derive(hash, salt, passphrase, coded, length);
    expect(derived).toHaveLength(length);
    expect(derived.equals(referenceS2K(hash, salt, passphrase, coded, length))).toBe(true);
  });

  it('depends on the salt, passphrase, count and hash', () => {
    const base = derive(HASH.sha1, salt, 'pencil', 0, 32);
    const otherSalt = Uint8Array.from(salt, (b, i) => (i === 0 ? b ^ 1 : b));
    expect(derive(HASH.sha1, otherSalt, 'pencil', 0, 32).equals(base)).toBe(false);
    expect(derive(HASH.sha1, salt, 'pencil!', 0, 32).equals(base)).toBe(false);
    expect(derive(HASH.sha1, salt, 'pencil', 1, 32).equals(base)).toBe(false);
    expect(derive(HASH.sha256, salt, 'pencil', 0, 32).equals(base)).toBe(false);
  });

  it('encodes the passphrase as UTF-8', () => {
    const derived = derive(HASH.sha1, salt, 'é', 0, 20);
    expect(derived.equals(referenceS2K(HASH.sha1, salt, 'é', 0, 20))).toBe(true);
    expect(derived.equals(derive(HASH.sha1, salt, '\u00e9'.normalize('NFD'), 0, 20))).toBe(false);
  });

  it('#14.2 gives the same key in slices, letting the event loop run between them', async () => {
    // 0xff: the 65,011,712 octets GnuPG writes, with a key of two SHA-1 contexts
    const request = { hashAlgorithm: HASH.sha1, salt, passphrase: 'pencil', codedCount: 0xff, keyLength: 32 };
    let turns = 0;
    const counting = setInterval(() => turns++, 0);
    try {
      const sliced = await deriveIteratedS2KInSlices(request);
      expect(sliced.equals(deriveIteratedS2K(request))).toBe(true);
    } finally {
      clearInterval(counting);
    }
    expect(turns).toBeGreaterThan(0);
  });

  it('refuses an unknown hash algorithm', () => {
    expect(() => derive(99, salt, 'pencil', 0, 32)).toThrow(/unsupported S2K hash algorithm 99/);
  });
});

describe('passwordSessionKey', () => {
  it('reads the S2K input length of an oxps-made item (new-format SKESK, 1,024 octets)', async () => {
    const binary = await encryptItem(Buffer.from("<a xmlns='urn:example'/>"), 'secret');
    expect(passwordSessionKey(binary).s2k).toMatchObject({ type: 'iterated', octets: 1024 });
  });
});

describe('S2K of messages made by GnuPG', () => {
  let gnupg: GpgHome;
  const secret = 'oEIeczt0agWD7nnkXtktDlzAIodntNskTUhrt3srri_8McqijLgHDTN-ShI-CmRQZgPVSfn69kURZfCV7obgjQ';
  const plaintext = `<entry xmlns='http://www.w3.org/2005/Atom'><title>gpg made me é🎉</title></entry>`;

  beforeAll(async () => {
    gnupg = await GpgHome.create();
  });

  afterAll(async () => {
    await gnupg?.dispose();
  });

  const cases = [
    {
      name: 'SHA1, AES256, count 65011712 (what Libervia sends)',
      options: ['--s2k-digest-algo', 'SHA1', '--s2k-count', '65011712', '--cipher-algo', 'AES256'],
      hash: HASH.sha1,
      cipher: 'aes256',
      coded: 255,
    },
    {
      name: 'SHA256, AES128, count 65536',
      options: ['--s2k-digest-algo', 'SHA256', '--s2k-count', '65536', '--cipher-algo', 'AES128'],
      hash: HASH.sha256,
      cipher: 'aes128',
      coded: 0x60,
    },
    {
      name: 'SHA512, AES192, count 1048576',
      options: ['--s2k-digest-algo', 'SHA512', '--s2k-count', '1048576', '--cipher-algo', 'AES192'],
      hash: HASH.sha512,
      cipher: 'aes192',
      coded: 0xa0,
    },
  ];

  it.each(cases)(
    'derives the key openpgp.js derives, and decryptItem reads the item: $name',
    async ({ options, hash, cipher, coded }) => {
      const binary = await gnupg.symmetric(plaintext, secret, options);
      const skesk = await skeskOf(binary);
      // GnuPG writes no encrypted session key: the S2K output is the session key (the native path).
      expect(skesk.version).toBe(4);
      expect(skesk.encrypted).toBeNull();
      expect(skesk.s2k.type).toBe('iterated');
      expect(skesk.s2k.algorithm).toBe(hash);
      expect(skesk.s2k.c).toBe(coded);
      // what decryptPool.ts reads to send costly items to worker threads
      expect(passwordSessionKey(binary).s2k).toMatchObject({ octets: decodeS2KCount(coded) });

      const [fromOpenpgp] = await openpgp.decryptSessionKeys({
        message: await openpgp.readMessage({ binaryMessage: binary }),
        passwords: [secret],
      });
      expect(fromOpenpgp?.algorithm).toBe(cipher);
      const native = derive(hash, skesk.s2k.salt, secret, skesk.s2k.c, fromOpenpgp!.data.length);
      expect(native.equals(Buffer.from(fromOpenpgp!.data))).toBe(true);

      expect(Buffer.from(await decryptItem(binary, secret)).toString('utf8')).toBe(plaintext);
    },
  );

  it('refuses a GnuPG item with the wrong secret (integrity error, no data)', async () => {
    const binary = await gnupg.symmetric(plaintext, secret, cases[0]!.options);
    await expect(decryptItem(binary, `${secret}x`)).rejects.toBeInstanceOf(ItemDecryptError);
  });

  it('refuses a GnuPG item whose ciphertext was altered', async () => {
    const binary = await gnupg.symmetric(plaintext, secret, cases[1]!.options);
    const altered = Uint8Array.from(binary);
    altered[altered.length - 5]! ^= 0x01;
    await expect(decryptItem(altered, secret)).rejects.toBeInstanceOf(ItemDecryptError);
  });
});
