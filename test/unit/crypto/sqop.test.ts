// Cross-implementation checks with Sequoia's sqop (Stateless OpenPGP): what oxps encrypts is read
// by sqop, and what sqop makes is read by oxps — items (password) and signcrypt messages (keys).
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as openpgp from 'openpgp';
import { decryptItem, encryptItem } from '../../../src/crypto/itemCipher.js';
import { decryptAndVerify, encryptAndSign } from '../../../src/crypto/signcrypt.js';
import { fingerprintOf, generateKey } from '../../../src/crypto/keys.js';

const exec = promisify(execFile);

/** Runs sqop with stdin, returning stdout bytes; fails with its stderr. */
function sqop(args: string[], input: Uint8Array | string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = spawn('sqop', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolve(Buffer.concat(out))
        : reject(new Error(`sqop ${args.join(' ')} exited ${code}: ${err}`)),
    );
    // a child that exits without reading its input must not fail the run with EPIPE
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}

describe('sqop interoperability', () => {
  let dir: string;
  const secret = 'oEIeczt0agWD7nnkXtktDlzAIodntNskTUhrt3srri_8McqijLgHDTN-ShI-CmRQZgPVSfn69kURZfCV7obgjQ';
  const payload = `<entry xmlns="http://www.w3.org/2005/Atom"><title>h&#233;llo</title></entry>`;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'oxps-sqop-'));
    await writeFile(join(dir, 'password'), secret);
    expect((await exec('sqop', ['version'])).stdout).toMatch(/sqop/);
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('sqop decrypts an item oxps encrypted', async () => {
    const ciphertext = await encryptItem(Buffer.from(payload), secret);
    const plaintext = await sqop(['decrypt', '--with-password', join(dir, 'password')], ciphertext);
    expect(plaintext.toString()).toBe(payload);
  });

  it('oxps decrypts an item sqop encrypted', async () => {
    const ciphertext = await sqop(
      ['encrypt', '--no-armor', '--with-password', join(dir, 'password')],
      payload,
    );
    expect(Buffer.from(await decryptItem(ciphertext, secret)).toString()).toBe(payload);
    await expect(decryptItem(ciphertext, 'wrong secret')).rejects.toThrow();
  });

  it('sqop decrypts and verifies a signcrypt oxps made for a sqop key', async () => {
    const recipientKey = await sqop(['generate-key', 'xmpp:bob@example.org'], '');
    await writeFile(join(dir, 'bob.key'), recipientKey);
    const recipientCert = await openpgp.readKey({
      armoredKey: (await sqop(['extract-cert'], recipientKey)).toString(),
    });
    const sender = await generateKey('alice@example.org', 'curve25519');
    await writeFile(join(dir, 'alice.cert'), sender.toPublic().armor());
    const content = `<signcrypt xmlns="urn:xmpp:openpgp:0"><to jid="bob@example.org"/><time stamp="2026-11-25T12:00:00Z"/><rpad>x</rpad><payload/></signcrypt>`;
    const message = await encryptAndSign(Buffer.from(content), [recipientCert, sender.toPublic()], sender);
    const verifications = join(dir, 'verifications');
    const plaintext = await sqop(
      [
        'decrypt',
        '--verify-with',
        join(dir, 'alice.cert'),
        '--verifications-out',
        verifications,
        join(dir, 'bob.key'),
      ],
      message,
    );
    expect(plaintext.toString()).toBe(content);
    expect((await readFile(verifications, 'utf8')).toUpperCase()).toContain(fingerprintOf(sender));
  });

  it('oxps decrypts and verifies a signcrypt sqop made, and refuses it with the wrong sender key', async () => {
    const senderKey = await sqop(['generate-key', 'xmpp:alice@example.org'], '');
    await writeFile(join(dir, 'alice.key'), senderKey);
    const senderCert = await openpgp.readKey({
      armoredKey: (await sqop(['extract-cert'], senderKey)).toString(),
    });
    const recipient = await generateKey('bob@example.org', 'curve25519');
    await writeFile(join(dir, 'bob.cert'), recipient.toPublic().armor());
    const content = `<signcrypt xmlns="urn:xmpp:openpgp:0"><to jid="bob@example.org"/><time stamp="2026-11-25T12:00:00Z"/><payload/></signcrypt>`;
    const message = await sqop(
      ['encrypt', '--no-armor', '--sign-with', join(dir, 'alice.key'), join(dir, 'bob.cert')],
      content,
    );
    const { plaintext, signer } = await decryptAndVerify(message, recipient, [senderCert]);
    expect(Buffer.from(plaintext).toString()).toBe(content);
    expect(signer).toBe(fingerprintOf(senderCert));
    const impostor = await generateKey('alice@example.org', 'curve25519');
    await expect(decryptAndVerify(message, recipient, [impostor.toPublic()])).rejects.toThrow(/signature/);
  });
});
