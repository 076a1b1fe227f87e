// A command pays only for the round trips it needs (#14.3): `-v` ends every command with one line
// saying what it asked of the server. The counts are deterministic (the times are not): they pin
// down what each command costs, so that an extra request shows up here.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { TestUser, ok } from '../helpers/cli.js';
import { startLatencyProxy, type LatencyProxy } from '../helpers/latencyProxy.js';

const NODE = 'urn:example:round-trips';

function networkLine(stderr: string): string {
  const lines = stderr.split('\n').filter((line) => line.includes('network: '));
  expect(lines, stderr).toHaveLength(1);
  return lines[0]!.slice(lines[0]!.indexOf('network: '));
}

describe('round trips of one-shot commands (#14.3)', () => {
  let alice: TestUser;
  let bob: TestUser;
  let proxy: LatencyProxy;

  beforeAll(async () => {
    const users = await TestUser.createMany(['alice', 'bob']);
    alice = users[0]!;
    bob = users[1]!;
    // a distant server's round trip: requests share one only when sent before the first answer
    proxy = await startLatencyProxy(inject('prosody').port, 150);
    for (const user of users)
      await user.addProfile([], { port: proxy.port, certFile: inject('prosody').certFile });
    ok(await alice.run(['key', 'generate']));
    ok(await bob.run(['key', 'generate']));
    ok(await alice.run(['encrypt-node', '-n', NODE]));
    ok(
      await alice.run(['publish', '-n', NODE, '--jsonl', '-'], {
        input: Array.from({ length: 12 }, (_, i) =>
          JSON.stringify({
            id: `i${i}`,
            payload: `<entry xmlns='http://www.w3.org/2005/Atom'><title>${i}</title></entry>`,
          }),
        ).join('\n'),
      }),
    );
  }, 300_000);

  afterAll(async () => {
    await proxy?.close();
  });

  const line = async (user: TestUser, args: string[]) =>
    networkLine(ok(await user.run(['-v', ...args])).stderr);

  it('#14.3 commands that need nothing online do not log in', async () => {
    expect(await line(alice, ['profile', 'list'])).toBe('network: none');
    expect(await line(alice, ['profile', 'show'])).toBe('network: none');
    expect(await line(alice, ['config', 'set', 'keystore', 'auto'])).toBe('network: none');
  });

  it('#14.3 one-shot commands: the requests they make, and the round trips the quick sync shares with them', async () => {
    const counts = {
      fetch: await line(alice, ['fetch', '-n', NODE, '-m', '10']),
      secretList: await line(alice, ['secret', 'list', '-n', NODE]),
      publish: networkLine(
        ok(
          await alice.run(['-v', 'publish', '-n', NODE, '-i', 'one', '-'], {
            input: "<entry xmlns='http://www.w3.org/2005/Atom'><title>one</title></entry>",
          }),
        ).stderr,
      ),
      share: await line(alice, ['secret', 'share', '-n', NODE, bob.jid]),
    };
    const parsed = Object.fromEntries(
      Object.entries(counts).map(([command, text]) => {
        const [, requests, roundTrips] =
          /login, then (\d+) request\(s\) in (\d+) round trip\(s\)/.exec(text) ?? [];
        return [command, { requests: Number(requests), roundTrips: Number(roundTrips) }];
      }),
    );
    // every networked command first reads our own key list and the message archive (the quick
    // sync): these two, and fetch's items (with the service's node listing, which tells which
    // items are signed) or secret list's readers, go out together; share lists the service's
    // nodes once, for the attachments nodes whose whitelist follows the node's
    expect(
      Object.fromEntries(Object.entries(parsed).map(([command, { requests }]) => [command, requests])),
    ).toEqual({ fetch: 4, secretList: 3, publish: 4, share: 11 });
    // sequentially they would take 4, 3, 4 and 11 round trips
    expect(parsed.fetch!.roundTrips).toBeLessThanOrEqual(2);
    expect(parsed.secretList!.roundTrips).toBeLessThanOrEqual(2);
    expect(parsed.publish!.roundTrips).toBeLessThanOrEqual(3);
    expect(parsed.share!.roundTrips).toBeLessThanOrEqual(10);
  });

  it("#14.3 the connection starts beside the vault's unlocking; a wrong passphrase is still said as such", async () => {
    const { code, stderr } = await alice.run(['-v', 'secret', 'list', '-n', NODE], {
      env: { OXPS_PASSPHRASE: 'not the passphrase' },
    });
    expect(code, stderr).toBe(10);
    expect(stderr).toMatch(/cannot open the vault .*: wrong passphrase/);
    expect(stderr).not.toMatch(/connection|cannot reach|online as/);
  });
});
