// Files holding a secret (--passphrase-file, --password-file, --backup-code-file) are refused when
// other users can read them, as the configuration and the vault are; pipes and descriptors
// (/dev/fd/N) belong to the process and are read as they are.
import { describe, expect, it } from 'vitest';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSync, closeSync } from 'node:fs';
import { readSecretFile } from '../../../src/cli/secretInput.js';
import { OxpsError } from '../../../src/errors.js';
import { rejected } from '../../helpers/thrown.js';

async function secretFile(mode: number): Promise<string> {
  const file = join(await mkdtemp(join(tmpdir(), 'oxps-secret-file-')), 'passphrase');
  await writeFile(file, 'the passphrase\n', { mode });
  return file;
}

describe('readSecretFile', () => {
  it('#17.16 refuses a passphrase file that other users can read (exit 10, naming the chmod)', async () => {
    for (const mode of [0o644, 0o640, 0o604]) {
      const file = await secretFile(mode);
      const error = await rejected(OxpsError, () => readSecretFile(file, '--passphrase-file'));
      expect(error.code).toBe('FILE_PERMISSIONS');
      expect(error.hint).toContain(`chmod 600 ${file}`);
    }
  });

  it('#17.16 reads a private file, and a descriptor whatever its mode', async () => {
    expect(await readSecretFile(await secretFile(0o600), '--passphrase-file')).toBe('the passphrase');
    expect(await readSecretFile(await secretFile(0o400), '--passphrase-file')).toBe('the passphrase');
    const fd = openSync(await secretFile(0o600), 'r');
    try {
      expect(await readSecretFile(`/dev/fd/${fd}`, '--passphrase-file')).toBe('the passphrase');
    } finally {
      closeSync(fd);
    }
  });
});
