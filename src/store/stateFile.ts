// A profile's state file: a JSON document sealed with AES-256-GCM (key in the keystore),
// replaced atomically, guarded by the profile lock for as long as the handle is open. The last
// good copy is kept beside it (FILE.prev), and a file that cannot be read is never overwritten.
import { copyFile, readFile } from 'node:fs/promises';
import { randomBytes } from 'node:crypto';
import { OxpsError } from '../errors.js';
import { assertPrivateFile, writeFileAtomic } from './atomicFile.js';
import { acquireLock, type Lock } from './lock.js';
import { seal, unseal, SealError } from './sealed.js';
import type { Keystore } from './keystore/keystore.js';

const MAGIC = 'OXPSST01';

export interface StateFileOptions {
  path: string;
  profile: string;
  keystore: Keystore;
  lockWaitMs: number;
}

export class StateFile {
  private constructor(
    private readonly options: StateFileOptions,
    private readonly key: Buffer,
    private lock: Lock | undefined,
    private existed: boolean,
  ) {}

  private saving: Promise<void> = Promise.resolve();

  /** Locks the profile and reads its state; the document is undefined for a new profile. */
  static async open(options: StateFileOptions): Promise<{ file: StateFile; document: unknown }> {
    const lock = await acquireLock(
      `${options.path}.lock`,
      options.lockWaitMs,
      `profile "${options.profile}"`,
    );
    try {
      const sealed = await readExisting(options.path);
      const key = await stateKey(options, sealed !== undefined);
      const document = sealed === undefined ? undefined : parse(options, key, sealed);
      return { file: new StateFile(options, key, lock, sealed !== undefined), document };
    } catch (error) {
      await lock.release();
      throw error;
    }
  }

  /**
   * Saves run one after the other (steps of one command may save at once): two copies to
   * FILE.prev at the same time could interleave into a file that is no good copy at all.
   */
  save(document: unknown): Promise<void> {
    const sealed = seal(
      this.key,
      MAGIC,
      `state:${this.options.profile}`,
      Buffer.from(JSON.stringify(document), 'utf8'),
    );
    const saved = this.saving.then(() => this.write(sealed));
    this.saving = saved.catch(() => undefined);
    return saved;
  }

  private async write(sealed: Buffer): Promise<void> {
    if (!this.lock) throw new Error('state file saved after release');
    const { path } = this.options;
    if (this.existed) await copyFile(path, `${path}.prev`);
    await writeFileAtomic(path, sealed);
    this.existed = true;
  }

  async release(): Promise<void> {
    await this.saving;
    await this.lock?.release();
    this.lock = undefined;
  }
}

/**
 * The document without taking the lock nor writing anything (shell completion): files are
 * replaced atomically, so an unlocked read sees a whole one. Undefined when there is no file or
 * its key is not in the keystore; throws when it cannot be read.
 */
export async function peekStateDocument({
  path,
  profile,
  keystore,
}: Omit<StateFileOptions, 'lockWaitMs'>): Promise<unknown> {
  const sealed = await readExisting(path);
  const stored = sealed && (await keystore.get(profile, 'state-key'));
  if (!sealed || !stored) return undefined;
  return parse({ path, profile, keystore, lockWaitMs: 0 }, Buffer.from(stored, 'base64'), sealed);
}

async function readExisting(path: string): Promise<Buffer | undefined> {
  try {
    await assertPrivateFile(path, 'the state file');
    return await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}

async function stateKey({ keystore, profile, path }: StateFileOptions, fileExists: boolean): Promise<Buffer> {
  const stored = await keystore.get(profile, 'state-key');
  if (stored) return Buffer.from(stored, 'base64');
  if (fileExists) {
    throw new OxpsError(
      'STATE_CORRUPT',
      `the state file ${path} exists but its key is not in ${keystore.description}`,
      'use the keystore that holds it (--keystore keychain|vault); the file was left untouched',
    );
  }
  const key = randomBytes(32);
  await keystore.set(profile, 'state-key', key.toString('base64'));
  return key;
}

function parse({ path, profile }: StateFileOptions, key: Buffer, sealed: Buffer): unknown {
  try {
    return JSON.parse(unseal(key, MAGIC, `state:${profile}`, sealed).toString('utf8'));
  } catch (error) {
    const reason =
      error instanceof SealError ? error.message : `invalid content (${(error as Error).message})`;
    throw new OxpsError(
      'STATE_CORRUPT',
      `the state file ${path} cannot be read: ${reason}; it was left untouched`,
      `the last good copy is ${path}.prev: cp ${path}.prev ${path}`,
    );
  }
}
