// Crash-safe file replacement: write a temp file beside the target, fsync it, rename it over
// the target, fsync the directory. A crash at any point leaves either the old or the new file.
import { open, rename, mkdir, unlink, stat, chmod } from 'node:fs/promises';
import { dirname, basename, join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { OxpsError } from '../errors.js';

export const PRIVATE_FILE_MODE = 0o600;
export const PRIVATE_DIR_MODE = 0o700;

export async function ensurePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
}

/**
 * `durable: false` skips the fsyncs, for disposable files (the item cache): a crash may then
 * leave an empty or partial file, which their reader must take as missing.
 */
export async function writeFileAtomic(
  path: string,
  data: string | Uint8Array,
  mode = PRIVATE_FILE_MODE,
  { durable = true } = {},
): Promise<void> {
  const dir = dirname(path);
  await ensurePrivateDir(dir);
  const temp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const handle = await open(temp, 'wx', mode);
  try {
    await handle.writeFile(data);
    if (durable) await handle.sync();
  } catch (error) {
    await handle.close();
    await unlink(temp).catch(() => undefined);
    throw error;
  }
  await handle.close();
  await chmod(temp, mode);
  await rename(temp, path);
  if (durable) await fsyncDir(dir);
}

async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Refuses a file holding secrets (or settings) that other users can read or write. */
export async function assertPrivateFile(path: string, what: string): Promise<void> {
  let mode: number;
  try {
    mode = (await stat(path)).mode;
  } catch {
    return;
  }
  if (mode & 0o077) {
    throw new OxpsError(
      'FILE_PERMISSIONS',
      `${what} ${path} is accessible to other users (mode ${(mode & 0o777).toString(8)})`,
      `make it private: chmod 600 ${path}`,
    );
  }
}
