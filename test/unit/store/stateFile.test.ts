import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StateFile } from '../../../src/store/stateFile.js';
import type { Keystore, SecretEntry } from '../../../src/store/keystore/keystore.js';

function memoryKeystore(): Keystore {
  const entries = new Map<string, string>();
  return {
    kind: 'vault',
    description: 'memory',
    get: async (profile: string, entry: SecretEntry) => entries.get(`${profile}/${entry}`),
    set: async (profile: string, entry: SecretEntry, value: string) =>
      void entries.set(`${profile}/${entry}`, value),
    delete: async (profile: string, entry: SecretEntry) => void entries.delete(`${profile}/${entry}`),
  };
}

describe('state file', () => {
  it('#14.3 saves started together (the quick sync beside a command) leave a state and a .prev that both read back', async () => {
    const options = {
      path: join(mkdtempSync(join(tmpdir(), 'oxps-state-')), 'state'),
      profile: 'p',
      keystore: memoryKeystore(),
      lockWaitMs: 1000,
    };
    const { file } = await StateFile.open(options);
    await file.save({ n: 0, pad: 'x'.repeat(200_000) });
    await Promise.all(
      Array.from({ length: 20 }, (_, n) => file.save({ n: n + 1, pad: 'y'.repeat(100_000 + n * 5000) })),
    );
    await file.release();
    const reopened = await StateFile.open(options);
    expect(reopened.document).toMatchObject({ n: 20 });
    await reopened.file.release();
    const previous = await StateFile.open({ ...options, path: `${options.path}.prev` });
    expect(previous.document).toMatchObject({ n: 19 });
    await previous.file.release();
    expect(readFileSync(options.path).length).toBeGreaterThan(0);
  });
});
