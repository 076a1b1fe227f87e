// The headless vault: all profiles' secret entries in one file, sealed with AES-256-GCM under a
// key derived from a passphrase with scrypt (node:crypto). For cron, CI and machines without
// a keychain; the passphrase comes from OXPS_PASSPHRASE, --passphrase-file or a prompt.
import { randomBytes, scrypt as scryptCallback } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { OxpsError } from '../../errors.js';
import { assertPrivateFile, writeFileAtomic } from '../atomicFile.js';
import { acquireLock } from '../lock.js';
import { seal, unseal, SealError } from '../sealed.js';
import { entryAccount, type Keystore, type SecretEntry } from './keystore.js';

const scrypt = promisify(scryptCallback) as (
  password: string,
  salt: Buffer,
  keylen: number,
  options: object,
) => Promise<Buffer>;

const MAGIC = 'OXPSVLT1';
/** Passphrases asked for before giving up (a prompt allows that many tries). */
export const PASSPHRASE_TRIES = 3;
// scrypt N=2^15, r=8 (32 MiB, ~100 ms): RFC 7914's interactive-use parameters.
const KDF: ScryptParams = { N: 1 << 15, r: 8, p: 1 };

interface ScryptParams {
  N: number;
  r: number;
  p: number;
}

interface DerivedKey {
  key: Buffer;
  salt: Buffer;
  params: ScryptParams;
}

/**
 * Gives the vault passphrase. `attempt` counts from 1; after a wrong one the vault asks again
 * (attempt 2, 3…) and the source answers undefined when it cannot offer another (a file or the
 * environment gives the same one; a prompt allows three tries).
 */
export type PassphraseSource = (purpose: {
  creating: boolean;
  path: string;
  attempt: number;
}) => Promise<string | undefined>;

interface VaultFile {
  format: 'oxps-vault';
  version: 1;
  kdf: { name: 'scrypt'; N: number; r: number; p: number; salt: string };
  sealed: string;
}

export class VaultStore implements Keystore {
  readonly kind = 'vault' as const;
  /** The key of the file last read or written, with the salt and parameters it was derived with. */
  private derived: DerivedKey | undefined;
  private reading: Promise<Record<string, string> | undefined> | undefined;

  constructor(
    readonly path: string,
    private readonly passphrase: PassphraseSource,
    private readonly lockWaitMs = 30_000,
  ) {}

  get description(): string {
    return `the vault ${this.path}`;
  }

  async get(profile: string, entry: SecretEntry): Promise<string | undefined> {
    const entries = await this.read();
    return entries?.[entryAccount(profile, entry)];
  }

  async set(profile: string, entry: SecretEntry, value: string): Promise<void> {
    await this.update((entries) => {
      entries[entryAccount(profile, entry)] = value;
    });
  }

  async delete(profile: string, entry: SecretEntry): Promise<void> {
    await this.update((entries) => {
      delete entries[entryAccount(profile, entry)];
    });
  }

  private async update(change: (entries: Record<string, string>) => void): Promise<void> {
    const lock = await acquireLock(`${this.path}.lock`, this.lockWaitMs, `the vault ${this.path}`);
    try {
      const entries = (await this.read()) ?? {};
      change(entries);
      await this.write(entries);
    } finally {
      await lock.release();
    }
  }

  /**
   * The entries, read and unsealed once for calls made while a read is under way (the state and
   * the login ask at once: one passphrase, one scrypt), each caller with its own copy.
   */
  private async read(): Promise<Record<string, string> | undefined> {
    this.reading ??= this.readFile().finally(() => {
      this.reading = undefined;
    });
    const entries = await this.reading;
    return entries && { ...entries };
  }

  private async readFile(): Promise<Record<string, string> | undefined> {
    let file: VaultFile;
    try {
      await assertPrivateFile(this.path, 'the vault');
      file = JSON.parse(await readFile(this.path, 'utf8')) as VaultFile;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      if (error instanceof OxpsError) throw error;
      throw new OxpsError(
        'STATE_CORRUPT',
        `the vault ${this.path} is not readable: ${(error as Error).message}`,
        'restore it from a backup, or move it away to start a new one',
      );
    }
    if (file.format !== 'oxps-vault' || file.version !== 1 || file.kdf?.name !== 'scrypt') {
      throw new OxpsError('STATE_CORRUPT', `the vault ${this.path} has an unknown format`, 'upgrade oxps');
    }
    const { N, r, p } = file.kdf;
    if (!plausibleScrypt({ N, r, p })) {
      throw new OxpsError(
        'STATE_CORRUPT',
        `the vault ${this.path} names implausible scrypt parameters (N=${N}, r=${r}, p=${p})`,
        'restore it from a backup, or move it away to start a new one',
      );
    }
    const salt = Buffer.from(file.kdf.salt, 'base64');
    for (let attempt = 1; ; attempt++) {
      const derived =
        attempt <= PASSPHRASE_TRIES
          ? await this.deriveKey(salt, { N, r, p }, { creating: false, attempt })
          : undefined;
      if (!derived) throw this.wrongPassphrase(attempt - 1);
      try {
        return JSON.parse(
          unseal(derived.key, MAGIC, 'vault', Buffer.from(file.sealed, 'base64')).toString('utf8'),
        ) as Record<string, string>;
      } catch (error) {
        if (!(error instanceof SealError)) throw error;
        this.derived = undefined;
      }
    }
  }

  private wrongPassphrase(tries: number): OxpsError {
    return tries > 1
      ? new OxpsError(
          'PASSPHRASE_WRONG',
          `cannot open the vault ${this.path}: ${tries} wrong passphrases`,
          'run the command again with the passphrase the vault was made with',
        )
      : new OxpsError(
          'PASSPHRASE_WRONG',
          `cannot open the vault ${this.path}: wrong passphrase (or the file was altered)`,
          'check OXPS_PASSPHRASE or --passphrase-file',
        );
  }

  /** Seals with the key of the file just read (salt and parameters unchanged), or a new one. */
  private async write(entries: Record<string, string>): Promise<void> {
    const { key, salt, params } =
      this.derived ?? (await this.deriveKey(randomBytes(16), KDF, { creating: true, attempt: 1 }))!;
    const file: VaultFile = {
      format: 'oxps-vault',
      version: 1,
      kdf: { name: 'scrypt', ...params, salt: salt.toString('base64') },
      sealed: seal(key, MAGIC, 'vault', Buffer.from(JSON.stringify(entries), 'utf8')).toString('base64'),
    };
    await writeFileAtomic(this.path, JSON.stringify(file, null, 1));
  }

  /** The key for the passphrase the source gives; undefined when it has no other to offer after a wrong one. */
  private async deriveKey(
    salt: Buffer,
    params: ScryptParams,
    { creating, attempt }: { creating: boolean; attempt: number },
  ): Promise<DerivedKey | undefined> {
    const known = this.derived;
    if (known && known.salt.equals(salt) && sameParams(known.params, params)) return known;
    const passphrase = await this.passphrase({ creating, path: this.path, attempt });
    if (!passphrase && attempt > 1) return undefined;
    if (!passphrase) {
      throw new OxpsError(
        'PASSPHRASE_REQUIRED',
        `the vault ${this.path} needs a passphrase`,
        'set OXPS_PASSPHRASE or pass --passphrase-file FILE',
      );
    }
    const key = await scrypt(passphrase, salt, 32, { ...params, maxmem: 128 * params.N * params.r * 2 });
    this.derived = { key, salt, params };
    return this.derived;
  }
}

const sameParams = (a: ScryptParams, b: ScryptParams): boolean => a.N === b.N && a.r === b.r && a.p === b.p;

/** Bounds what a vault file may ask of scrypt (memory is 128·N·r bytes): at most 1 GiB, p ≤ 16. */
function plausibleScrypt({ N, r, p }: ScryptParams): boolean {
  const whole = (n: unknown, max: number): boolean =>
    Number.isInteger(n) && (n as number) >= 1 && (n as number) <= max;
  return (
    whole(N, 1 << 22) &&
    N > 1 &&
    (N & (N - 1)) === 0 &&
    whole(r, 32) &&
    whole(p, 16) &&
    128 * N * r <= 1 << 30
  );
}
