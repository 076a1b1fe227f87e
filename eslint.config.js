// ESLint (flat config): typescript-eslint's type-aware rules, and the layers of README's
// "Development" section as import restrictions, so that a call running back up fails CI.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

/** Imports of these folders of src, from a file of another folder (relative: ../app/…, ../../cli/…). */
const folders = (...names) => ({
  regex: `^(\\.\\./)+(${names.join('|')})/`,
  message: `this layer may not import ${names.join(', ')} (README, Development: layers)`,
});
/** Types may cross layers (an Element, a PublicKey travel as data); the libraries' code may not. */
const openpgp = {
  group: ['openpgp', 'openpgp/*'],
  allowTypeImports: true,
  message: 'openpgp is imported in src/crypto only',
};
const xmpp = {
  group: ['@xmpp/*'],
  allowTypeImports: true,
  message: 'xmpp.js is imported in src/xmpp and src/protocol only',
};

/** What each folder of src may not import. */
const LAYERS = {
  // the library: the use cases for code, beside the CLI (which it never imports)
  'src/lib': [folders('cli', 'protocol', 'xmpp', 'crypto', 'ui'), openpgp, xmpp],
  'src/cli': [openpgp, xmpp],
  'src/app': [folders('cli'), openpgp, xmpp],
  'src/protocol': [folders('app', 'cli', 'store', 'ui'), openpgp],
  'src/xmpp': [folders('app', 'cli', 'store', 'ui'), openpgp],
  'src/crypto': [folders('app', 'cli', 'protocol', 'xmpp'), xmpp],
  'src/store': [folders('app', 'cli', 'protocol', 'xmpp'), openpgp, xmpp],
  'src/ui': [folders('app', 'cli', 'protocol', 'xmpp'), openpgp, xmpp],
};

export default defineConfig(
  { ignores: ['dist/**', 'node_modules/**', 'test-results/**', '*.config.ts', 'src/types/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['eslint.config.js', 'examples/*.mjs'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { caughtErrors: 'none', argsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },
  {
    // openpgp 6's overloaded signatures type some results as any (narrowed by assertions); the worker's message handler
    // is async by nature and catches its own errors
    files: ['src/crypto/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unnecessary-type-assertion': 'off',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
    },
  },
  {
    // tests read the binary's JSON output (any) and stub async interfaces with sync bodies
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/unbound-method': 'off',
      'no-control-regex': 'off',
    },
  },
  { files: ['eslint.config.js'], ...tseslint.configs.disableTypeChecked },
  {
    // the README's examples: plain Node scripts that import the packed library
    files: ['examples/**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { globals: { process: 'readonly', console: 'readonly', AbortSignal: 'readonly' } },
  },
  ...Object.entries(LAYERS).map(([folder, patterns]) => ({
    files: [`${folder}/**/*.ts`],
    rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns }] },
  })),
  {
    // a command handler takes its arguments typed as the command declares them (cli/runtime.ts action)
    files: ['src/cli/commands/**/*.ts'],
    rules: {
      'no-restricted-syntax': [
        'error',
        {
          selector:
            'FunctionDeclaration[id.name="run"] > Identifier[typeAnnotation.typeAnnotation.type="TSUnknownKeyword"]',
          message:
            'type the argument as the command declares it (one options interface per command), not unknown',
        },
      ],
    },
  },
);
