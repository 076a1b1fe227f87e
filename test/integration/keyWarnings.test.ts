// A contact's published key that cannot be used is warned about once, not on every run, and
// again when the published entry changes (#12.16).
import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import xml from '@xmpp/xml';
import { TestUser, json, ok } from '../helpers/cli.js';
import { withUser } from '../helpers/inProcess.js';
import {
  buildPublicKeysList,
  publicKeyNode,
  PUBLIC_KEYS_LIST_NODE,
  PUBLIC_KEY_PUBLISH_OPTIONS,
} from '../../src/protocol/ox/publicKeys.js';
import { publishWithOptions } from '../../src/app/pubsubNode.js';
import { NS } from '../../src/protocol/namespaces.js';

describe('bad published keys (#12.16)', () => {
  it('#12.16 a key that does not parse is warned about once per change of its list entry', async () => {
    const [mallory, bob] = (await TestUser.createMany(['mallory', 'bob'])) as [TestUser, TestUser];
    for (const user of [mallory, bob]) await user.addProfile();
    ok(await mallory.run(['key', 'generate']));
    const real = json<{ keys: Array<{ fingerprint: string; created: string }> }>(
      await mallory.run(['--json', 'key', 'list']),
    ).keys[0]!;
    const garbage = randomBytes(20).toString('hex').toUpperCase();
    const announce = (date: string) =>
      withUser(mallory, async (ctx) => {
        const session = await ctx.session();
        await publishWithOptions(
          session,
          mallory.jid,
          publicKeyNode(garbage),
          date,
          xml('pubkey', { xmlns: NS.ox }, xml('data', {}, randomBytes(300).toString('base64'))),
          PUBLIC_KEY_PUBLISH_OPTIONS,
        );
        await publishWithOptions(
          session,
          mallory.jid,
          PUBLIC_KEYS_LIST_NODE,
          'current',
          buildPublicKeysList([
            { fingerprint: real.fingerprint, date: real.created },
            { fingerprint: garbage, date },
          ]),
          PUBLIC_KEY_PUBLISH_OPTIONS,
        );
      });
    const warning = `key ${garbage} ignored`;

    await announce('2026-01-01T00:00:00Z');
    const first = ok(await bob.run(['key', 'list', mallory.jid]));
    expect(first.stderr).toContain(warning);
    const second = ok(await bob.run(['-v', 'key', 'list', mallory.jid]));
    expect(second.stderr).not.toMatch(new RegExp(`warning: .*${warning}`));
    expect(second.stderr).toMatch(new RegExp(`${warning}: .*\\(as warned before\\)`));
    expect(ok(await bob.run(['key', 'list', mallory.jid])).stderr).not.toContain(warning);

    await announce('2026-02-01T00:00:00Z');
    expect(ok(await bob.run(['key', 'list', mallory.jid])).stderr).toContain(warning);
    expect(ok(await bob.run(['key', 'list', mallory.jid])).stderr).not.toContain(warning);
  });
});
