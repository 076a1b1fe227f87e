import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as openpgp from 'openpgp';
import { decryptItem, encryptItem, ItemDecryptError } from '../../../src/crypto/itemCipher.js';
import { GpgHome } from '../../helpers/gpg.js';
import { rejected } from '../../helpers/thrown.js';

const SECRET = 'SiDgL6vB4cf0tVyroiC2uUlzqxNvzk-8ejCXm7fJRVKkzh6wMDmbcx9Zx6prpo-naclRBU79PwOyKXfruu7aYA';
const PAYLOAD = Buffer.from(
  `<entry xmlns='http://www.w3.org/2005/Atom'><title>H&#233;llo &#127881;</title></entry>`,
  'utf8',
);

const decryptError = (ciphertext: Uint8Array, secret = SECRET): Promise<ItemDecryptError> =>
  rejected(ItemDecryptError, () => decryptItem(ciphertext, secret));

describe('encryptItem / decryptItem', () => {
  it.each([
    ['an XML payload', PAYLOAD],
    ['an empty payload', Buffer.alloc(0)],
    ['one byte', Buffer.from([0])],
    ['100 KiB of random bytes', randomBytes(100 * 1024)],
  ])('round-trips %s', async (_what, plaintext) => {
    const ciphertext = await encryptItem(plaintext, SECRET);
    expect(ciphertext).toBeInstanceOf(Uint8Array);
    expect(
      Buffer.from(ciphertext).includes(
        plaintext.length > 8 ? plaintext.subarray(0, 8) : Buffer.from('<entry'),
      ),
    ).toBe(false);
    const decrypted = await decryptItem(ciphertext, SECRET);
    expect(Buffer.from(decrypted).equals(plaintext)).toBe(true);
  });

  it('makes a different ciphertext each time (random salt and session key)', async () => {
    const a = Buffer.from(await encryptItem(PAYLOAD, SECRET));
    const b = Buffer.from(await encryptItem(PAYLOAD, SECRET));
    expect(a.equals(b)).toBe(false);
  });

  it('writes SKESK v4 (iterated S2K, count byte 0) + SEIPD v1, AES-256, no AEAD, no compression', async () => {
    const message = await openpgp.readMessage({ binaryMessage: await encryptItem(PAYLOAD, SECRET) });
    const packets = [...message.packets] as unknown as Array<{
      constructor: { tag: number };
      version?: number;
      sessionKeyEncryptionAlgorithm?: number;
      encrypted?: Uint8Array | null;
      s2k?: { type: string; c: number };
    }>;
    expect(packets.map((p) => p.constructor.tag)).toEqual([
      openpgp.enums.packet.symEncryptedSessionKey,
      openpgp.enums.packet.symEncryptedIntegrityProtectedData,
    ]);
    const [skesk, seipd] = packets as [(typeof packets)[0], (typeof packets)[0]];
    expect(skesk.version).toBe(4);
    expect(skesk.sessionKeyEncryptionAlgorithm).toBe(openpgp.enums.symmetric.aes256);
    expect(skesk.encrypted).not.toBeNull();
    expect(skesk.s2k?.type).toBe('iterated');
    expect(skesk.s2k?.c).toBe(0);
    expect(seipd.version).toBe(1);

    const [sessionKey] = await openpgp.decryptSessionKeys({ message, passwords: [SECRET] });
    expect(sessionKey?.algorithm).toBe('aes256');
    expect(sessionKey?.data).toHaveLength(32);
    const { data } = await openpgp.decrypt({ message, passwords: [SECRET], format: 'binary' });
    expect(Buffer.from(data as Uint8Array).equals(PAYLOAD)).toBe(true);
  });

  it('refuses the wrong secret', async () => {
    const ciphertext = await encryptItem(PAYLOAD, SECRET);
    const error = await decryptError(ciphertext, `${SECRET.slice(0, -1)}B`);
    expect(error.message.length).toBeGreaterThan(0);
    await decryptError(ciphertext, '');
  });

  it('refuses the ciphertext with any single byte altered, never returning data', async () => {
    const ciphertext = await encryptItem(PAYLOAD, SECRET);
    for (let i = 0; i < ciphertext.length; i++) {
      for (const mask of [0x01, 0x80]) {
        const altered = Uint8Array.from(ciphertext);
        altered[i]! ^= mask;
        await decryptError(altered);
      }
    }
  });

  it('refuses a truncated ciphertext', async () => {
    const ciphertext = await encryptItem(PAYLOAD, SECRET);
    for (const length of [
      ciphertext.length - 1,
      ciphertext.length - 22,
      Math.floor(ciphertext.length / 2),
      20,
      1,
    ]) {
      await decryptError(ciphertext.subarray(0, length));
    }
  });

  it('refuses extra bytes appended to the ciphertext', async () => {
    const ciphertext = await encryptItem(PAYLOAD, SECRET);
    await decryptError(Buffer.concat([ciphertext, Buffer.from([0x00, 0x01, 0x02])]));
  });

  it('refuses garbage as "not an OpenPGP message"', async () => {
    const error = await decryptError(Buffer.from('this is not an OpenPGP message at all', 'utf8'));
    expect(error.message).toMatch(/^not an OpenPGP message/);
  });

  it('refuses an empty input', async () => {
    await decryptError(new Uint8Array(0));
  });

  it('refuses a message encrypted to a public key instead of a secret', async () => {
    const { privateKey } = await openpgp.generateKey({
      userIDs: [{ name: 'xmpp:alice@localhost' }],
      type: 'ecc',
      curve: 'curve25519Legacy',
      format: 'object',
    });
    const encrypted = await openpgp.encrypt({
      message: await openpgp.createMessage({ binary: PAYLOAD }),
      encryptionKeys: privateKey.toPublic(),
      format: 'binary',
    });
    await decryptError(encrypted as Uint8Array);
  });

  it('refuses a message without integrity protection (SED, no MDC)', async () => {
    const sessionKey = randomBytes(32);
    const literal = new openpgp.LiteralDataPacket();
    (literal as unknown as { setBytes(bytes: Uint8Array, format: openpgp.enums.literal): void }).setBytes(
      PAYLOAD,
      openpgp.enums.literal.binary,
    );
    const sed = new openpgp.SymmetricallyEncryptedDataPacket() as unknown as {
      packets: openpgp.PacketList<openpgp.AnyPacket>;
      encrypt(algorithm: number, key: Uint8Array, config?: Partial<openpgp.Config>): Promise<void>;
    };
    sed.packets = new openpgp.PacketList<openpgp.AnyPacket>();
    sed.packets.push(literal);
    await sed.encrypt(openpgp.enums.symmetric.aes256, sessionKey, {
      ...openpgp.config,
      allowUnauthenticatedMessages: true,
    });
    const skesk = new openpgp.SymEncryptedSessionKeyPacket() as unknown as {
      version: number;
      sessionKey: Uint8Array;
      sessionKeyAlgorithm: number;
      encrypt(passphrase: string, config?: Partial<openpgp.Config>): Promise<void>;
    };
    skesk.version = 4;
    skesk.sessionKey = sessionKey;
    skesk.sessionKeyAlgorithm = openpgp.enums.symmetric.aes256;
    await skesk.encrypt(SECRET, { ...openpgp.config, s2kIterationCountByte: 0 });
    const list = new openpgp.PacketList<openpgp.AnyPacket>();
    list.push(skesk as unknown as openpgp.AnyPacket, sed as unknown as openpgp.AnyPacket);
    const binary = list.write();
    // the forged message is readable by openpgp.js when unauthenticated messages are allowed…
    const { data } = await openpgp.decrypt({
      message: await openpgp.readMessage({ binaryMessage: binary }),
      passwords: [SECRET],
      format: 'binary',
      config: { allowUnauthenticatedMessages: true },
    });
    expect(Buffer.from(data as Uint8Array).equals(PAYLOAD)).toBe(true);
    // …but decryptItem refuses it
    await decryptError(binary);
  });

  it('reads a compressed plaintext below the limit', async () => {
    const plaintext = Buffer.alloc(1024 * 1024, 'a');
    const compressed = await openpgp.encrypt({
      message: await openpgp.createMessage({ binary: plaintext }),
      passwords: [SECRET],
      format: 'binary',
      config: {
        preferredCompressionAlgorithm: openpgp.enums.compression.zip,
        s2kIterationCountByte: 0,
        aeadProtect: false,
      },
    });
    expect(Buffer.from(await decryptItem(compressed as Uint8Array, SECRET)).equals(plaintext)).toBe(true);
  });
});

/** An OpenPGP packet with a new-format header and a five-octet length (RFC 4880 §4.2.2.3). */
function packet(tag: number, body: Uint8Array | number[]): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(body.length);
  return Buffer.concat([Buffer.from([0xc0 | tag, 0xff]), length, Buffer.from(body)]);
}

/** An oxps item with its SKESK replaced by `skesks` (the encrypted data packet kept). */
async function withSessionKeyPackets(skesks: Buffer[]): Promise<Buffer> {
  const item = await encryptItem(PAYLOAD, SECRET);
  expect(item[0]).toBe(0xc3); // new-format SKESK with a one-octet length
  return Buffer.concat([...skesks, item.subarray(2 + item[1]!)]);
}

/** What GnuPG writes (v4, AES-256, no encrypted session key) with the given S2K specifier. */
const gpgStyleSkesk = (s2k: number[]): Buffer => packet(3, [4, 9, ...s2k]);
const ITERATED_MAX = [3, 2, ...randomBytes(8), 255]; // SHA-1, 65,011,712 octets
const argon2 = (passes: number, parallelism: number, memoryExponent: number): number[] => [
  4,
  ...randomBytes(16),
  passes,
  parallelism,
  memoryExponent,
];

describe('items that would cost unbounded CPU or memory (#12.5)', () => {
  it('#12.5 refuses an item with 40 SKESK packets before deriving any key', async () => {
    const item = await withSessionKeyPackets(Array.from({ length: 40 }, () => gpgStyleSkesk(ITERATED_MAX)));
    expect((await decryptError(item)).message).toMatch(
      /40 password-encrypted session keys \(oxps reads items with one\)/,
    );
  });

  it('#12.5 refuses an item with two SKESK packets (oxps, GnuPG and Libervia write one)', async () => {
    const item = await openpgp.encrypt({
      message: await openpgp.createMessage({ binary: PAYLOAD }),
      passwords: [SECRET, 'another'],
      format: 'binary',
      config: { s2kIterationCountByte: 0, aeadProtect: false },
    });
    expect((await decryptError(item as Uint8Array)).message).toMatch(/2 password-encrypted session keys/);
  });

  it('#12.5 refuses an Argon2 S2K asking for 2 GiB (m=21) before deriving it', async () => {
    const item = await withSessionKeyPackets([gpgStyleSkesk(argon2(1, 4, 21))]);
    expect((await decryptError(item)).message).toMatch(
      /Argon2 S2K asks for 2 GiB of memory \(oxps allows at most 64 MiB\)/,
    );
  });

  it('#12.5 refuses an Argon2 S2K with more passes or lanes than openpgp.js writes', async () => {
    expect(
      (await decryptError(await withSessionKeyPackets([gpgStyleSkesk(argon2(200, 4, 10))]))).message,
    ).toMatch(/Argon2 S2K asks for 200 passes \(oxps allows at most 3\)/);
    expect(
      (await decryptError(await withSessionKeyPackets([gpgStyleSkesk(argon2(1, 255, 16))]))).message,
    ).toMatch(/Argon2 S2K asks for 255 lanes \(oxps allows at most 4\)/);
  });

  it('#12.5 refuses a costly iterated S2K that oxps would leave to openpgp.js (CAST5: not derived natively)', async () => {
    const item = await withSessionKeyPackets([packet(3, [4, 3, ...ITERATED_MAX])]);
    expect((await decryptError(item)).message).toBe(
      'iterated S2K of 65011712 octets with a cipher or hash oxps does not derive natively (allowed up to 1048576 octets)',
    );
  });

  it('#12.5 derives natively the S2K of an SKESK with an encrypted session key (openpgp.js, sqop), the costliest one too', async () => {
    const item = await openpgp.encrypt({
      message: await openpgp.createMessage({ binary: PAYLOAD }),
      passwords: [SECRET],
      format: 'binary',
      config: { s2kIterationCountByte: 255, aeadProtect: false },
    });
    expect(Buffer.from(await decryptItem(item as Uint8Array, SECRET)).equals(PAYLOAD)).toBe(true);
    expect((await decryptError(item as Uint8Array, `${SECRET}x`)).message).toMatch(
      /wrong secret|integrity check failed/,
    );
  });

  it('#12.5 still reads an item with a modest Argon2 S2K (openpgp.js with Argon2 configured)', async () => {
    const item = await openpgp.encrypt({
      message: await openpgp.createMessage({ binary: PAYLOAD }),
      passwords: [SECRET],
      format: 'binary',
      config: {
        s2kType: openpgp.enums.s2k.argon2,
        s2kArgon2Params: { passes: 1, parallelism: 1, memoryExponent: 10 },
        aeadProtect: false,
      },
    });
    expect(Buffer.from(await decryptItem(item as Uint8Array, SECRET)).equals(PAYLOAD)).toBe(true);
  });
});

describe('the size of a decrypted item (#12.6)', () => {
  const MiB = 1024 * 1024;
  const compressedItem = async (size: number): Promise<Uint8Array> => {
    const item = await openpgp.encrypt({
      message: await openpgp.createMessage({ binary: new Uint8Array(size) }),
      passwords: [SECRET],
      format: 'binary',
      config: {
        preferredCompressionAlgorithm: openpgp.enums.compression.zlib,
        s2kIterationCountByte: 0,
        aeadProtect: false,
      },
    });
    return item as Uint8Array;
  };

  it('#12.6 refuses by default an item that decompresses to 15 MiB (20 KB on the wire)', async () => {
    const bomb = await compressedItem(15 * MiB);
    expect(bomb.length).toBeLessThan(20_000);
    expect((await decryptError(bomb)).message).toBe(
      'decrypted item larger than 1048576 bytes (the item size limit)',
    );
  });

  it('#12.6 refuses an uncompressed item over the limit too', async () => {
    const item = await encryptItem(randomBytes(MiB + 1), SECRET);
    expect((await decryptError(item)).message).toBe(
      'decrypted item larger than 1048576 bytes (the item size limit)',
    );
  });

  it('#12.6 takes the limit from the caller', async () => {
    const item = await compressedItem(3 * MiB);
    expect(await decryptItem(item, SECRET, { maxPlaintextBytes: 3 * MiB })).toHaveLength(3 * MiB);
    const error = await rejected(ItemDecryptError, () =>
      decryptItem(item, SECRET, { maxPlaintextBytes: 2 * MiB }),
    );
    expect(error.message).toBe('decrypted item larger than 2097152 bytes (the item size limit)');
  });
});

describe('encryptItem output read by GnuPG 2.2', () => {
  let gnupg: GpgHome;
  let file: string;

  beforeAll(async () => {
    gnupg = await GpgHome.create();
    file = join(gnupg.dir, 'item.gpg');
    await writeFile(file, await encryptItem(PAYLOAD, SECRET));
  });

  afterAll(async () => {
    await gnupg?.dispose();
  });

  it('gpg --decrypt gives back the plaintext', async () => {
    const result = await gnupg.run(['--passphrase-fd', '0', '--decrypt', file], `${SECRET}\n`);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.equals(PAYLOAD)).toBe(true);
  });

  it('gpg --decrypt with the wrong passphrase fails', async () => {
    const result = await gnupg.run(['--passphrase-fd', '0', '--decrypt', file], 'not the secret\n');
    expect(result.code).not.toBe(0);
    expect(result.stdout.length).toBe(0);
  });

  it('gpg --list-packets shows SKESK v4, AES-256, count 1024, and an MDC-protected encrypted data packet', async () => {
    const result = await gnupg.run(['--passphrase-fd', '0', '--list-packets', file], `${SECRET}\n`);
    expect(result.code, result.stderr).toBe(0);
    const listing = result.stdout.toString('utf8');
    expect(listing).toMatch(/:symkey enc packet: version 4, cipher 9, aead 0,s2k 3, hash \d+/);
    expect(listing).toMatch(/count 1024 \(0\)/);
    expect(listing).toMatch(/tag=18 [\s\S]*:encrypted data packet:[\s\S]*mdc_method: 2/);
    expect(listing).not.toMatch(/aead encrypted packet|tag=20\b/);
    expect(listing).toMatch(/:literal data packet:/);
    expect(
      listing.match(/^# off=\d+ ctb=[0-9a-f]+ tag=(\d+)/gm)?.map((line) => line.replace(/.*tag=/, '')),
    ).toEqual(['3', '18', '11']);
  });
});
