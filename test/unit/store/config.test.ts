// The configuration file's profile names: checked when read (a hand-edited ".." must not reach a
// path), and kept as plain keys whatever they are called.
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig, updateConfig } from '../../../src/store/config.js';
import { paths } from '../../../src/store/paths.js';
import { OxpsError } from '../../../src/errors.js';
import { rejected } from '../../helpers/thrown.js';

let home: string;
const saved = process.env.XDG_CONFIG_HOME;

beforeEach(async () => {
  home = await mkdtemp(join(tmpdir(), 'oxps-config-'));
  process.env.XDG_CONFIG_HOME = home;
});

afterEach(async () => {
  process.env.XDG_CONFIG_HOME = saved;
  await rm(home, { recursive: true, force: true });
});

async function writeConfig(config: unknown): Promise<void> {
  await mkdir(paths.configDir(), { recursive: true });
  await writeFile(paths.configFile(), JSON.stringify(config), { mode: 0o600 });
}

describe('loadConfig', () => {
  it.each([
    [{ profiles: { '..': { jid: 'a@example.org' } } }, '".."', 'it is only dots'],
    [{ profiles: { 'a/b': { jid: 'a@example.org' } } }, '"a/b"', 'it contains "/"'],
    [{ defaultProfile: '.', profiles: {} }, '"."', 'it is only dots'],
  ])(
    '#12.2 refuses a configuration naming a profile that is not allowed (%j)',
    async (content, name, problem) => {
      await writeConfig({ version: 1, ...content });
      const error = await rejected(OxpsError, () => loadConfig());
      expect(error.code).toBe('INPUT_INVALID');
      expect(error.message).toBe(
        `the configuration file ${paths.configFile()} names a profile ${name}, which is not allowed: ${problem}`,
      );
    },
  );

  it('#12.2 keeps profiles named like Object properties as plain keys', async () => {
    expect((await loadConfig()).profiles.constructor).toBeUndefined();
    await updateConfig((config) => {
      config.profiles['__proto__'] = { jid: 'proto@example.org' };
    });
    expect(JSON.parse(await readFile(paths.configFile(), 'utf8')).profiles).toEqual(
      JSON.parse('{"__proto__":{"jid":"proto@example.org"}}'),
    );
    const loaded = await loadConfig();
    expect(Object.keys(loaded.profiles)).toEqual(['__proto__']);
    expect(loaded.profiles.toString).toBeUndefined();
  });
});
