// The map of README's "Development" section, checked: folders hold what their names say.
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const files = (dir: string) =>
  readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.ts'))
    .map((f) => `${dir}/${f}`);

describe('source layout', () => {
  it('#16.4 protocol/pubsub holds XEP-0060 only (MAM, RSM and data forms have their own files)', () => {
    const strangers = files('src/protocol/pubsub').filter(
      (f) => !readFileSync(f, 'utf8').split('\n', 1)[0]!.includes('XEP-0060'),
    );
    expect(strangers).toEqual([]);
  });

  it('#16.4 every secret use case sits in app/secrets', () => {
    expect(readdirSync('src/app').filter((f) => /^secret.*\.ts$/i.test(f))).toEqual([]);
  });

  it('#16.4 no two rules share the name MAX_CLOCK_SKEW', () => {
    expect(files('src').filter((f) => readFileSync(f, 'utf8').includes('MAX_CLOCK_SKEW'))).toEqual([]);
  });

  it('#16.3 command handlers take their arguments and options typed, never unknown to cast', () => {
    const untyped = files('src/cli/commands').filter((f) =>
      /\(rt: Runtime[^)]*: unknown/.test(readFileSync(f, 'utf8')),
    );
    expect(untyped).toEqual([]);
  });

  it('#16.3 one file per subcommand of key, as for profile and secret', () => {
    expect(files('src/cli/commands/key').sort()).toEqual(
      ['backup', 'generate', 'index', 'list', 'publish', 'restore', 'trust'].map(
        (f) => `src/cli/commands/key/${f}.ts`,
      ),
    );
  });

  it('#16.6 tests import the shapes the code defines instead of declaring their own copies', () => {
    const copies = files('test').filter((f) =>
      /^(export )?interface (SyncReport|SecretView|OxpsSecret|FetchedItem)\b/m.test(readFileSync(f, 'utf8')),
    );
    expect(copies).toEqual([]);
  });
});
