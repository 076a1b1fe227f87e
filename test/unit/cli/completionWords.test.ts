// The options completion reads from the words typed so far (`oxps __complete nodes WORD…`).
import { describe, expect, it } from 'vitest';
import { typedOptions } from '../../../src/cli/completion/words.js';

describe('#17.15 typedOptions', () => {
  it('reads -p, -s, --keystore and --passphrase-file in every form commander takes', () => {
    expect(typedOptions(['-p', 'work', 'fetch', '-s', 'pubsub.example.org', '-n'])).toEqual({
      profile: 'work',
      service: 'pubsub.example.org',
    });
    expect(typedOptions(['--profile=work', '--keystore', 'vault', '--passphrase-file=/run/p'])).toEqual({
      profile: 'work',
      keystore: 'vault',
      passphraseFile: '/run/p',
    });
    // bash splits --profile=work into three words; commander also takes -pwork
    expect(typedOptions(['--profile', '=', 'work', 'fetch', '-spubsub.example.org'])).toEqual({
      profile: 'work',
      service: 'pubsub.example.org',
    });
  });

  it('ignores a flag without its value yet, and other options', () => {
    expect(typedOptions(['fetch', '-n', 'x', '--json', '-p'])).toEqual({});
  });
});
