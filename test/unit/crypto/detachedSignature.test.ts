import { describe, expect, it } from 'vitest';
import xml from '@xmpp/xml';
import {
  MAX_SIGNATURE_PACKETS,
  signDetached,
  verifyDetached,
} from '../../../src/crypto/detachedSignature.js';
import { generateKey, readArmoredPublicKey } from '../../../src/crypto/keys.js';
import { parseSignatureElement, signedBytes } from '../../../src/protocol/signing/signData.js';
import { parseXmlElement } from '../../../src/protocol/xml.js';
import { liberviaSignature, signingFixture as fixture } from '../../helpers/signingFixtures.js';
const ALICE_FINGERPRINT = 'A53002B12EC4326F4EDEE80E7E0F0C87AA6D4921';

describe('#13.2 detached OpenPGP signatures (XEP-0476)', () => {
  const signedData = Buffer.from(fixture('signed-data.c14n2.xml'), 'utf8');
  const liberviaBase64 = () => parseSignatureElement(liberviaSignature()).signatureBase64;

  it('#13.2 verifies the signature Libervia made, with the key that made it', async () => {
    const alice = await readArmoredPublicKey(fixture('alice-public-key.asc'));
    const result = await verifyDetached(signedData, liberviaBase64(), [alice]);
    expect(result).toEqual({ ok: true, fingerprint: ALICE_FINGERPRINT });
  });

  it("#13.2 verifies Libervia's signature over the signed data rebuilt from the plaintext", async () => {
    const alice = await readArmoredPublicKey(fixture('alice-public-key.asc'));
    const item = xml(
      'item',
      { id: 'signed-sealed-6-5N' },
      parseXmlElement(fixture('plaintext.xml'), 'plaintext'),
    );
    const bytes = signedBytes({
      service: 'alice@localhost',
      stamp: new Date('2026-12-05T06:51:57Z'),
      signer: 'alice@localhost',
      item,
    });
    expect(await verifyDetached(bytes, liberviaBase64(), [alice])).toMatchObject({ ok: true });
  });

  it('#13.2 one changed character in the data is a bad signature', async () => {
    const alice = await readArmoredPublicKey(fixture('alice-public-key.asc'));
    const changed = Buffer.from(
      fixture('signed-data.c14n2.xml').replace('Second paragraph', 'Second paragraqh'),
      'utf8',
    );
    expect(await verifyDetached(changed, liberviaBase64(), [alice])).toMatchObject({
      ok: false,
      reason: 'bad',
    });
  });

  it('#13.2 a signature by a key that is not among the candidates is told apart', async () => {
    const mallory = (await generateKey('mallory@localhost', 'curve25519')).toPublic();
    expect(await verifyDetached(signedData, liberviaBase64(), [mallory])).toMatchObject({
      ok: false,
      reason: 'no-key',
    });
    expect(await verifyDetached(signedData, liberviaBase64(), [])).toMatchObject({
      ok: false,
      reason: 'no-key',
    });
  });

  it('#13.2 signs, and verifies what it signed', async () => {
    const bob = await generateKey('bob@localhost', 'curve25519');
    const other = await generateKey('carol@localhost', 'curve25519');
    const data = Buffer.from('<sign-data/>');
    const signature = await signDetached(data, bob);
    expect(await verifyDetached(data, signature, [other.toPublic(), bob.toPublic()])).toMatchObject({
      ok: true,
      fingerprint: bob.getFingerprint().toUpperCase(),
    });
  });

  it('#13.2 refuses malformed, oversized and many-packet signatures before openpgp.js parses them', async () => {
    const alice = await readArmoredPublicKey(fixture('alice-public-key.asc'));
    const one = Buffer.from(liberviaBase64(), 'base64');
    const many = Buffer.concat(Array.from({ length: MAX_SIGNATURE_PACKETS + 1 }, () => one)).toString(
      'base64',
    );
    expect(await verifyDetached(signedData, many, [alice])).toMatchObject({
      ok: false,
      reason: 'malformed',
      message: expect.stringContaining('packets'),
    });
    expect(
      await verifyDetached(signedData, Buffer.alloc(7000, 0x88).toString('base64'), [alice]),
    ).toMatchObject({ ok: false, reason: 'malformed', message: expect.stringContaining('larger') });
    expect(
      await verifyDetached(signedData, Buffer.from('not a signature').toString('base64'), [alice]),
    ).toMatchObject({ ok: false, reason: 'malformed' });
    expect(await verifyDetached(signedData, one.subarray(0, 40).toString('base64'), [alice])).toMatchObject({
      ok: false,
      reason: 'malformed',
    });
    // a public key packet is not a signature
    expect(
      await verifyDetached(signedData, Buffer.from(alice.write()).toString('base64'), [alice]),
    ).toMatchObject({ ok: false, reason: 'malformed' });
    expect(await verifyDetached(signedData, '', [alice])).toMatchObject({ ok: false, reason: 'malformed' });
  });
});
