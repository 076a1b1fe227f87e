// SCRAM (RFC 5802, RFC 7677) client side, with node:crypto's PBKDF2. xmpp.js's own SCRAM-SHA-1
// computes Hi() as 10,000 sequential WebCrypto HMAC calls (about 1 s per login) and ignores
// the server's final signature; this one takes ~10 ms and authenticates the server too.
import { createHash, createHmac, pbkdf2, randomBytes, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';

const pbkdf2Async = promisify(pbkdf2);

export const SCRAM_MECHANISMS = {
  'SCRAM-SHA-512': { hash: 'sha512', length: 64 },
  'SCRAM-SHA-256': { hash: 'sha256', length: 32 },
  'SCRAM-SHA-1': { hash: 'sha1', length: 20 },
} as const;

export type ScramMechanism = keyof typeof SCRAM_MECHANISMS;

// RFC 7677 §4: fewer than 4096 iterations is too weak to be worth the risk of a downgrade.
const MIN_ITERATIONS = 4096;

export class ScramError extends Error {}

export class ScramClient {
  private readonly hash: string;
  private readonly length: number;
  private readonly clientNonce: string;
  private clientFirstBare = '';
  private expectedServerSignature: Buffer | undefined;

  constructor(
    readonly mechanism: ScramMechanism,
    private readonly username: string,
    private readonly password: string,
    clientNonce?: string,
  ) {
    ({ hash: this.hash, length: this.length } = SCRAM_MECHANISMS[mechanism]);
    this.clientNonce = clientNonce ?? randomBytes(24).toString('base64');
  }

  clientFirst(): string {
    this.clientFirstBare = `n=${saslName(this.username)},r=${this.clientNonce}`;
    return `n,,${this.clientFirstBare}`;
  }

  async clientFinal(serverFirst: string): Promise<string> {
    const fields = parseFields(serverFirst);
    const nonce = fields.get('r');
    const salt = fields.get('s');
    const iterations = Number(fields.get('i'));
    if (fields.has('e')) throw new ScramError(`server refused: ${fields.get('e')}`);
    if (!nonce || !salt || !Number.isInteger(iterations))
      throw new ScramError('malformed server-first-message');
    if (!nonce.startsWith(this.clientNonce) || nonce.length === this.clientNonce.length) {
      throw new ScramError('server nonce does not extend the client nonce');
    }
    if (iterations < MIN_ITERATIONS) throw new ScramError(`server asks for only ${iterations} iterations`);

    const saltedPassword = await pbkdf2Async(
      this.password.normalize('NFKC'),
      Buffer.from(salt, 'base64'),
      iterations,
      this.length,
      this.hash,
    );
    const clientKey = this.hmac(saltedPassword, 'Client Key');
    const storedKey = createHash(this.hash).update(clientKey).digest();
    const withoutProof = `c=biws,r=${nonce}`;
    const authMessage = `${this.clientFirstBare},${serverFirst},${withoutProof}`;
    const clientSignature = this.hmac(storedKey, authMessage);
    const proof = Buffer.alloc(clientKey.length);
    for (let i = 0; i < proof.length; i++) proof[i] = clientKey[i]! ^ clientSignature[i]!;
    this.expectedServerSignature = this.hmac(this.hmac(saltedPassword, 'Server Key'), authMessage);
    return `${withoutProof},p=${proof.toString('base64')}`;
  }

  /** Checks the server-final-message: the server proves it knows the password too. */
  verifyServerFinal(serverFinal: string): void {
    const fields = parseFields(serverFinal);
    if (fields.has('e')) throw new ScramError(`server refused: ${fields.get('e')}`);
    const signature = Buffer.from(fields.get('v') ?? '', 'base64');
    const expected = this.expectedServerSignature;
    if (!expected || signature.length !== expected.length || !timingSafeEqual(signature, expected)) {
      throw new ScramError(
        'the server could not prove it knows the password (SCRAM server signature mismatch)',
      );
    }
  }

  private hmac(key: Buffer, data: string): Buffer {
    return createHmac(this.hash, key).update(data).digest();
  }
}

function saslName(name: string): string {
  return name.replace(/=/g, '=3D').replace(/,/g, '=2C');
}

function parseFields(message: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const part of message.split(',')) {
    const eq = part.indexOf('=');
    if (eq === 1) fields.set(part[0]!, part.slice(2));
  }
  return fields;
}
