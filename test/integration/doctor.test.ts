// `oxps doctor` against the real servers of the global setup.
//
// What they advertise (disco#info, seen with `oxps -v doctor`):
// - Prosody (test/harness/prosody.ts: mod_pep, mod_mam, mod_offline, mod_time): the account is
//   account/registered + pubsub/pep with urn:xmpp:mam:2 and …pubsub#publish-options among the
//   pubsub features, but no pubsub#access-* feature at all; "whitelist" is among the options of
//   pubsub#access_model in its default node configuration (XEP-0060 §8.3), which is what doctor
//   falls back to. The domain is server/im with msgoffline and urn:xmpp:time.
// - ejabberd (test/harness/ejabberd.ts: mod_pubsub with the pep plugin, mod_mam, mod_offline,
//   mod_time): the account is pubsub/pep + account/registered with urn:xmpp:mam:2, msgoffline,
//   …#publish-options; the domain is pubsub/pep + server/im with the full pubsub feature list,
//   …#access-whitelist included, plus urn:xmpp:mam:2, msgoffline and urn:xmpp:time.
import { describe, expect, it } from 'vitest';
import { TestUser, json, ok, serverInfo, type ServerKind } from '../helpers/cli.js';

interface Check {
  name: string;
  ok: boolean;
  detail: string;
  hint?: string;
  skipped?: true;
}

const NAMES = [
  'keystore',
  'profile',
  'login',
  'openpgp-key',
  'pep',
  'mam',
  'offline-storage',
  'publish-options',
  'whitelist',
  'clock',
  'state',
];

async function doctor(user: TestUser): Promise<{ code: number; checks: Check[]; stderr: string }> {
  const result = await user.run(['--json', 'doctor']);
  return { code: result.code, checks: json<{ checks: Check[] }>(result).checks, stderr: result.stderr };
}

function failing(checks: Check[]): string[] {
  return checks.filter((c) => !c.ok).map((c) => c.name);
}

describe.each<ServerKind>(['prosody', 'ejabberd'])('oxps doctor on %s', (server) => {
  it(
    'fails only the key check before `key generate`, then passes everything',
    { timeout: 120_000 },
    async () => {
      const user = await TestUser.create(server === 'prosody' ? 'doc' : 'x', { server });
      await user.addProfile();

      const before = await doctor(user);
      expect(before.checks.map((c) => c.name)).toEqual(NAMES);
      expect(failing(before.checks), JSON.stringify(before.checks, null, 1)).toEqual(['openpgp-key']);
      expect(before.code).toBe(9);
      const key = before.checks.find((c) => c.name === 'openpgp-key')!;
      expect(key.detail).toContain('has no OpenPGP key');
      expect(key.hint).toContain('oxps key generate');
      expect(JSON.parse(before.stderr).error.code).toBe('PARTIAL');

      expect(before.checks.find((c) => c.name === 'state')!.detail).toMatch(
        /state: none yet \(made on first use\)$/,
      );

      const generated = await user.run(['key', 'generate']);
      expect(generated.code, generated.stderr).toBe(0);
      const encrypted = await user.run(['encrypt-node', '-n', 'doctor']);
      expect(encrypted.code, encrypted.stderr).toBe(0);

      const after = await doctor(user);
      expect(failing(after.checks), JSON.stringify(after.checks, null, 1)).toEqual([]);
      expect(after.code).toBe(0);
      const byName = Object.fromEntries(after.checks.map((c) => [c.name, c]));
      expect(byName.login!.detail).toMatch(
        new RegExp(`logged in as ${user.jid}/oxps-[0-9a-f]+ over TLS \\(certificate verified`),
      );
      expect(byName['openpgp-key']!.detail).toContain(`on the public keys list of ${user.jid}`);
      expect(byName.clock!.detail).toMatch(/^our clock is \d+\.\d s (ahead of|behind) localhost's$/);
      expect(byName.state!.detail).toMatch(/state: 1 node, 1 secret, 0 pending notifications$/);
    },
  );
});

describe('oxps doctor, what fails', () => {
  it('says that the key is not on the published list (and what to run)', async () => {
    const user = await TestUser.create('doc');
    await user.addProfile();
    expect((await user.run(['key', 'generate', '--no-publish'])).code).toBe(0);
    const { code, checks } = await doctor(user);
    expect(code).toBe(9);
    const key = checks.find((c) => c.name === 'openpgp-key')!;
    expect(key.ok).toBe(false);
    expect(key.detail).toContain('is not on the public keys list');
    expect(key.hint).toContain('oxps key publish');
  });

  it('skips the server checks when the login fails, and prints one line per check', async () => {
    const user = await TestUser.create('doc');
    await user.addProfile();
    const result = await user.run(['doctor'], { env: { OXPS_PASSWORD: 'wrong password' } });
    expect(result.code).toBe(9);
    const lines = result.stdout
      .trim()
      .split('\n')
      .filter((l) => !l.startsWith(' '));
    expect(lines.map((l) => l.split(/\s+/)[1])).toEqual(NAMES);
    expect(lines[0]).toMatch(/^✔ keystore/);
    expect(lines[2]).toMatch(/^✘ login/);
    expect(lines[3]).toMatch(/^✘ openpgp-key +profile "[^"]+" has no OpenPGP key/);
    expect(lines[4]).toMatch(/^· pep +not checked: login failed/);
    expect(lines[10]).toMatch(/^✔ state/);
    expect(result.stderr).toMatch(/2 of 11 checks failed: login, openpgp-key; 6 not checked/);
  });
});

describe('oxps doctor: where the server address comes from', () => {
  it('#17.4 names the host given, or the domain when there is no SRV record, never a made-up SRV lookup', async () => {
    const [given, fallback] = await TestUser.createMany(['docaddr', 'docaddr']);
    await given!.addProfile();
    const withHost = (await doctor(given!)).checks.find((c) => c.name === 'profile')!;
    expect(withHost.detail).toMatch(/via 127\.0\.0\.1:\d+ \(host given/);

    // no --host: localhost has no SRV record (none is looked up for it), the domain itself is used
    const port = String(serverInfo().port);
    ok(
      await fallback!.run(['profile', 'add', fallback!.jid, '--port', port, '--no-verify'], {
        env: { OXPS_PASSWORD: 'unused' },
      }),
    );
    const fromDomain = (await doctor(fallback!)).checks.find((c) => c.name === 'profile')!;
    expect(fromDomain.detail).toContain(`via localhost:${port} (the domain`);
    expect(fromDomain.detail).not.toMatch(/via DNS SRV/);
  });
});
