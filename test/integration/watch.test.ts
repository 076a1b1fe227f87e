// `oxps sync --watch`: stays online, advertises XEP-0473 in disco, takes secrets as they come,
// and lets other oxps runs of the same profile work meanwhile.
import { describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import xml, { type Element } from '@xmpp/xml';
import { BIN, TestUser, json, ok } from '../helpers/cli.js';
import { cleanEnv } from '../harness/process.js';
import { rawSession } from '../helpers/inProcess.js';
import { NS } from '../../src/protocol/namespaces.js';

describe('sync --watch', () => {
  it(
    'advertises the OXPS feature and processes a secret shared while it runs',
    { timeout: 120_000 },
    async () => {
      const [alice, bob] = (await TestUser.createMany(['alice', 'bob'])) as [TestUser, TestUser];
      for (const user of [alice, bob]) {
        await user.addProfile();
        ok(await user.run(['key', 'generate']));
      }
      const node = `urn:example:watch:${Date.now()}`;
      ok(await alice.run(['encrypt-node', '-n', node]));

      const watcher = spawn(process.execPath, [BIN, '--json', 'sync', '--watch'], {
        env: cleanEnv(bob.env),
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let stdout = '';
      let stderr = '';
      watcher.stdout.on('data', (d) => (stdout += d));
      watcher.stderr.on('data', (d) => (stderr += d));
      const exited = new Promise<number | null>((resolve) => watcher.on('close', resolve));
      try {
        const deadline = Date.now() + 30_000;
        while (!/watching/.test(stderr)) {
          if (Date.now() > deadline) throw new Error(`watch did not start: ${stderr}`);
          await new Promise((r) => setTimeout(r, 100));
        }

        // another client of bob sees the watcher's presence, then asks it what it supports
        const other = await rawSession(bob.name);
        const resources = new Set<string>();
        other.onStanza('presence', (p) => {
          if (
            p.attrs.from?.includes('/oxps-') &&
            p.attrs.from !== other.fullJid &&
            p.attrs.type !== 'unavailable'
          )
            resources.add(p.attrs.from);
        });
        await other.send(xml('presence'));
        await other.roundTrip();
        expect(resources.size).toBe(1);
        const info: Element = await other.iq(
          xml('iq', { type: 'get', to: [...resources][0] }, xml('query', { xmlns: NS.discoInfo })),
          'disco',
        );
        const features = info
          .getChild('query', NS.discoInfo)!
          .getChildren('feature')
          .map((f) => f.attrs.var);
        expect(features).toEqual(expect.arrayContaining([NS.oxps, NS.ox]));
        await other.close();

        // while the watcher runs, the profile is not locked: alice shares, bob's other commands work
        ok(await alice.run(['secret', 'share', '-n', node, bob.jid]));
        const seen = Date.now() + 30_000;
        while (!/"accepted":\[\{/.test(stdout)) {
          if (Date.now() > seen)
            throw new Error(`the watcher did not report the secret: ${stdout}\n${stderr}`);
          await new Promise((r) => setTimeout(r, 100));
        }
        const listed = json<{ secrets: unknown[] }>(
          await bob.run(['--json', '--no-sync', 'secret', 'list', '-s', alice.jid, '-n', node]),
        );
        expect(listed.secrets).toHaveLength(1);
      } finally {
        watcher.kill('SIGINT');
      }
      // Ctrl-C is how a watch ends: a clean stop
      expect(await exited).toBe(0);
    },
  );
});
