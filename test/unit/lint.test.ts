// The layer rules of eslint.config.js, on small offending files: a violation fails `npm run lint`.
import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';

// the layer rules read imports only: no type information needed for these snippets
const eslint = new ESLint({ overrideConfig: [tseslint.configs.disableTypeChecked] });

async function problems(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  return result!.messages.map((m) => `${m.ruleId}: ${m.message}`);
}

describe('layer rules', () => {
  it('#16.5 protocol may not import app, cli, store or ui', async () => {
    expect(
      await problems(
        'src/protocol/ox/bad.ts',
        "import { AppContext } from '../../app/context.js';\nexport const x = AppContext;\n",
      ),
    ).toEqual([
      expect.stringMatching(
        /^@typescript-eslint\/no-restricted-imports: .*this layer may not import app, cli, store, ui/,
      ),
    ]);
    expect(
      await problems(
        'src/protocol/bad.ts',
        "import { paths } from '../store/paths.js';\nexport const x = paths;\n",
      ),
    ).toHaveLength(1);
  });

  it('#16.5 openpgp is imported in src/crypto only (types may cross)', async () => {
    const code = "import * as openpgp from 'openpgp';\nexport const x = openpgp;\n";
    expect(await problems('src/app/bad.ts', code)).toEqual([
      expect.stringMatching(/openpgp is imported in src\/crypto only/),
    ]);
    expect(await problems('src/crypto/fine.ts', code)).toEqual([]);
    expect(
      await problems(
        'src/app/fine.ts',
        "import type * as openpgp from 'openpgp';\nexport type K = openpgp.Key;\n",
      ),
    ).toEqual([]);
  });

  it('#16.5 xmpp.js is imported in src/xmpp and src/protocol only', async () => {
    const code = "import xml from '@xmpp/xml';\nexport const x = xml('a');\n";
    expect(await problems('src/app/bad.ts', code)).toEqual([
      expect.stringMatching(/xmpp.js is imported in src\/xmpp and src\/protocol only/),
    ]);
    expect(await problems('src/protocol/fine.ts', code)).toEqual([]);
  });

  it('#16.5 app may not import cli; xmpp, crypto and store may not import app', async () => {
    expect(
      await problems(
        'src/app/bad.ts',
        "import { action } from '../cli/runtime.js';\nexport const x = action;\n",
      ),
    ).toHaveLength(1);
    expect(
      await problems(
        'src/xmpp/bad.ts',
        "import { AppContext } from '../app/context.js';\nexport const x = AppContext;\n",
      ),
    ).toHaveLength(1);
    expect(
      await problems(
        'src/store/keystore/bad.ts',
        "import { AppContext } from '../../app/context.js';\nexport const x = AppContext;\n",
      ),
    ).toHaveLength(1);
  });

  it('#16.3 a command handler does not take unknown to cast', async () => {
    const code =
      "import type { Runtime } from '../runtime.js';\nexport async function run(rt: Runtime, options: unknown): Promise<void> {\n  await rt.context();\n  void options;\n}\n";
    expect(await problems('src/cli/commands/bad.ts', code)).toEqual([
      expect.stringMatching(/^no-restricted-syntax: type the argument/),
    ]);
  });
});
