import { describe, expect, it } from 'vitest';
import { parseLiberviaSecrets, MAX_IMPORT_BYTES } from '../../../src/app/secrets/importParse.js';
import { thrown } from '../../helpers/thrown.js';
import { OxpsError } from '../../../src/errors.js';

const entry = (extra: Record<string, unknown> = {}) => ({
  id: 'C9S4NtArRuyrXm93PRbZVJ',
  key: 'k'.repeat(86),
  timestamp: 1764892800.5,
  origin: 'alice@localhost',
  revoked: false,
  shared_with: ['bob@localhost'],
  ...extra,
});

describe('#15.3 parsing `libervia-cli pubsub secret list -O json -v`', () => {
  it("#15.3 reads Libervia's list: Unix timestamps, origin, revoked, shared_with", () => {
    expect(
      parseLiberviaSecrets(
        JSON.stringify([
          entry(),
          entry({ id: 'B', revoked: true, shared_with: [], origin: 'Alice@LocalHost' }),
        ]),
        'f.json',
      ),
    ).toEqual([
      {
        id: 'C9S4NtArRuyrXm93PRbZVJ',
        key: 'k'.repeat(86),
        timestamp: '2025-12-05T00:00:00Z',
        origin: 'alice@localhost',
        revoked: false,
        sharedWith: ['bob@localhost'],
      },
      {
        id: 'B',
        key: 'k'.repeat(86),
        timestamp: '2025-12-05T00:00:00Z',
        origin: 'alice@localhost',
        revoked: true,
        sharedWith: [],
      },
    ]);
  });

  it("#15.3 refuses what is not Libervia's list, saying where", () => {
    const cases: Array<[string, RegExp]> = [
      ['not json', /f\.json is not JSON/],
      ['{"id": 1}', /f\.json: expected a list of secrets/],
      [JSON.stringify([entry({ key: 5 })]), /secret 1 of f\.json: "key" must be a non-empty string/],
      [JSON.stringify([entry({ key: '' })]), /secret 1 of f\.json: "key"/],
      [JSON.stringify([entry(), entry({ id: 'has space' })]), /secret 2 of f\.json: "id"/],
      [JSON.stringify([entry({ timestamp: 'yesterday' })]), /"timestamp"/],
      [JSON.stringify([entry({ origin: 'not a jid' })]), /"origin"/],
      [JSON.stringify([entry({ revoked: 'no' })]), /"revoked"/],
      [JSON.stringify([entry({ shared_with: 'bob@localhost' })]), /"shared_with"/],
      [JSON.stringify([entry({ key: 'k'.repeat(5000) })]), /"key"/],
      [JSON.stringify([entry(), entry()]), /secret 2 of f\.json: id C9S4NtArRuyrXm93PRbZVJ twice/],
      [
        JSON.stringify(Array.from({ length: 257 }, (_, i) => entry({ id: `s${i}` }))),
        /more than 256 secrets/,
      ],
    ];
    for (const [text, message] of cases) {
      const error = thrown(OxpsError, () => parseLiberviaSecrets(text, 'f.json'));
      expect(error, text.slice(0, 40)).toMatchObject({
        code: 'INPUT_INVALID',
        message: expect.stringMatching(message),
      });
    }
    expect(
      thrown(OxpsError, () => parseLiberviaSecrets(' '.repeat(MAX_IMPORT_BYTES + 1), 'f.json')),
    ).toMatchObject({ code: 'INPUT_INVALID', message: expect.stringMatching(/larger than/) });
  });

  it('#15.3 keeps a short key (the import warns, node audit flags it)', () => {
    expect(parseLiberviaSecrets(JSON.stringify([entry({ key: 'short' })]), 'f.json')[0]!.key).toBe('short');
  });
});
