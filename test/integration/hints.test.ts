// What oxps tells a newcomer after a slip: hints that name only what exists and fits the
// situation (issue 17).
import { describe, expect, it } from 'vitest';
import { TestUser, json, ok, serverInfo } from '../helpers/cli.js';

describe('hints after a slip', () => {
  it('#17.9 a bare name where a JID is wanted: the hint names no option the command lacks', async () => {
    const alice = await TestUser.create('alice');
    await alice.addProfile();
    const result = await alice.run(['blog', 'share', 'bob']);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('"bob" is not a bare JID');
    expect(result.stderr).not.toMatch(/--jid/);
  });

  it('#17.9 profile show with an account from OXPS_JID shows that account instead of asking to set OXPS_JID', async () => {
    const ci = await TestUser.create('ci');
    const server = serverInfo();
    const env = {
      OXPS_JID: ci.jid,
      OXPS_PASSWORD: `${ci.name}pass`,
      OXPS_HOST: '127.0.0.1',
      OXPS_PORT: String(server.port),
    };
    const shown = await ci.run(['--json', 'profile', 'show'], { env });
    expect(shown.code, shown.stderr).toBe(0);
    expect(json(shown)).toMatchObject({
      jid: ci.jid,
      host: '127.0.0.1',
      port: server.port,
      source: 'environment',
    });
    const text = await ci.run(['profile', 'show'], { env });
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain('OXPS_JID');
    expect(text.stderr).toBe('');
  });

  it('#17.14 encrypt-node calls what it prints the secret id, the id secret list shows', async () => {
    const alice = await TestUser.create('alice');
    await alice.addProfile();
    const made = ok(await alice.run(['encrypt-node', '-n', 'urn:example:hints']));
    const id = /secret id (\S+)/.exec(made.stdout)?.[1];
    expect(id, made.stdout).toBeDefined();
    const listed = json<{ secrets: Array<{ id: string }> }>(
      ok(await alice.run(['--json', 'secret', 'list', '-n', 'urn:example:hints'])),
    );
    expect(listed.secrets.map((s) => s.id)).toEqual([id]);
  });
});
