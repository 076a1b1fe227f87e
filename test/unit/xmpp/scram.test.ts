import { describe, expect, it } from 'vitest';
import { ScramClient, ScramError } from '../../../src/xmpp/scram.js';
import { rejected } from '../../helpers/thrown.js';

// RFC 5802 §5
const SHA1 = {
  nonce: 'fyko+d2lbbFgONRv9qkxdawL',
  clientFirst: 'n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL',
  serverFirst: 'r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096',
  clientFinal: 'c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=',
  serverFinal: 'v=rmF9pqV8S7suAoZWja4dJRkFsKQ=',
};

// RFC 7677 §3
const SHA256 = {
  nonce: 'rOprNGfwEbeRWgbNEkqO',
  clientFirst: 'n,,n=user,r=rOprNGfwEbeRWgbNEkqO',
  serverFirst: 'r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096',
  clientFinal:
    'c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=',
  serverFinal: 'v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=',
};

async function sha1AfterClientFinal(): Promise<ScramClient> {
  const client = new ScramClient('SCRAM-SHA-1', 'user', 'pencil', SHA1.nonce);
  client.clientFirst();
  await client.clientFinal(SHA1.serverFirst);
  return client;
}

const scramError = (action: () => unknown): Promise<ScramError> => rejected(ScramError, action);

describe('ScramClient test vectors', () => {
  it('matches the RFC 5802 SCRAM-SHA-1 exchange', async () => {
    const client = new ScramClient('SCRAM-SHA-1', 'user', 'pencil', SHA1.nonce);
    expect(client.clientFirst()).toBe(SHA1.clientFirst);
    expect(await client.clientFinal(SHA1.serverFirst)).toBe(SHA1.clientFinal);
    expect(() => client.verifyServerFinal(SHA1.serverFinal)).not.toThrow();
  });

  it('matches the RFC 7677 SCRAM-SHA-256 exchange', async () => {
    const client = new ScramClient('SCRAM-SHA-256', 'user', 'pencil', SHA256.nonce);
    expect(client.clientFirst()).toBe(SHA256.clientFirst);
    expect(await client.clientFinal(SHA256.serverFirst)).toBe(SHA256.clientFinal);
    expect(() => client.verifyServerFinal(SHA256.serverFinal)).not.toThrow();
  });

  it('makes a random client nonce when none is given', () => {
    const a = new ScramClient('SCRAM-SHA-1', 'user', 'pencil').clientFirst();
    const b = new ScramClient('SCRAM-SHA-1', 'user', 'pencil').clientFirst();
    expect(a).toMatch(/^n,,n=user,r=[A-Za-z0-9+/=]{24,}$/);
    expect(a).not.toBe(b);
    expect(a).not.toMatch(/r=.*,/);
  });

  it('escapes "=" and "," in the user name (RFC 5802 saslname)', () => {
    expect(new ScramClient('SCRAM-SHA-1', 'a=b,c', 'p', 'nonce').clientFirst()).toBe(
      'n,,n=a=3Db=2Cc,r=nonce',
    );
  });
});

describe('ScramClient refusals', () => {
  it('throws when the server signature is wrong', async () => {
    const client = await sha1AfterClientFinal();
    const error = await scramError(() => client.verifyServerFinal('v=AAAAAAAAAAAAAAAAAAAAAAAAAAA='));
    expect(error.message).toMatch(/server signature/);
  });

  it('throws when the server signature is the SHA-256 one (wrong length)', async () => {
    const client = await sha1AfterClientFinal();
    await scramError(() => client.verifyServerFinal(SHA256.serverFinal));
  });

  it('throws when the server signature is missing or empty', async () => {
    const client = await sha1AfterClientFinal();
    await scramError(() => client.verifyServerFinal(''));
    await scramError(() => client.verifyServerFinal('v='));
  });

  it('throws when the server-final message is checked before client-final was made', async () => {
    const client = new ScramClient('SCRAM-SHA-1', 'user', 'pencil', SHA1.nonce);
    client.clientFirst();
    await scramError(() => client.verifyServerFinal(SHA1.serverFinal));
  });

  it('throws when the password is wrong (the real server signature no longer matches)', async () => {
    const client = new ScramClient('SCRAM-SHA-1', 'user', 'pencil2', SHA1.nonce);
    client.clientFirst();
    expect(await client.clientFinal(SHA1.serverFirst)).not.toBe(SHA1.clientFinal);
    await scramError(() => client.verifyServerFinal(SHA1.serverFinal));
  });

  it('throws on an e= error in the server-final message', async () => {
    const client = await sha1AfterClientFinal();
    const error = await scramError(() => client.verifyServerFinal('e=invalid-proof'));
    expect(error.message).toContain('invalid-proof');
  });

  it('throws on an e= error in the server-first message', async () => {
    const client = new ScramClient('SCRAM-SHA-1', 'user', 'pencil', SHA1.nonce);
    client.clientFirst();
    const error = await scramError(() => client.clientFinal('e=other-error'));
    expect(error.message).toContain('other-error');
  });

  it('throws when the server nonce does not start with the client nonce', async () => {
    const client = new ScramClient('SCRAM-SHA-1', 'user', 'pencil', SHA1.nonce);
    client.clientFirst();
    const error = await scramError(() =>
      client.clientFinal('r=XXXXd2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096'),
    );
    expect(error.message).toMatch(/nonce/);
  });

  it('throws when the server nonce only contains the client nonce further in', async () => {
    const client = new ScramClient('SCRAM-SHA-1', 'user', 'pencil', SHA1.nonce);
    client.clientFirst();
    await scramError(() => client.clientFinal(`r=abc${SHA1.nonce},s=QSXCR+Q6sek8bf92,i=4096`));
  });

  it('throws when the server nonce equals the client nonce (no server part)', async () => {
    const client = new ScramClient('SCRAM-SHA-1', 'user', 'pencil', SHA1.nonce);
    client.clientFirst();
    const error = await scramError(() => client.clientFinal(`r=${SHA1.nonce},s=QSXCR+Q6sek8bf92,i=4096`));
    expect(error.message).toMatch(/nonce/);
  });

  it.each([4095, 1, 0])('throws when the server asks for %i iterations', async (iterations) => {
    const client = new ScramClient('SCRAM-SHA-256', 'user', 'pencil', SHA256.nonce);
    client.clientFirst();
    const error = await scramError(() =>
      client.clientFinal(SHA256.serverFirst.replace('i=4096', `i=${iterations}`)),
    );
    expect(error.message).toContain(String(iterations));
  });

  it('accepts more than 4096 iterations', async () => {
    const client = new ScramClient('SCRAM-SHA-256', 'user', 'pencil', SHA256.nonce);
    client.clientFirst();
    const final = await client.clientFinal(SHA256.serverFirst.replace('i=4096', 'i=4097'));
    expect(final).toMatch(/^c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj\)hNlF\$k0,p=/);
    expect(final).not.toBe(SHA256.clientFinal);
  });

  it.each([
    ['no salt', 'r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,i=4096'],
    ['no nonce', 's=QSXCR+Q6sek8bf92,i=4096'],
    ['no iteration count', 'r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92'],
    [
      'a non-numeric iteration count',
      'r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=lots',
    ],
    [
      'a fractional iteration count',
      'r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096.5',
    ],
    ['an empty message', ''],
  ])('throws on a malformed server-first message: %s', async (_what, serverFirst) => {
    const client = new ScramClient('SCRAM-SHA-1', 'user', 'pencil', SHA1.nonce);
    client.clientFirst();
    await scramError(() => client.clientFinal(serverFirst));
  });
});
