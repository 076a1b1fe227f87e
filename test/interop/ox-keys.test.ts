// XEP-0373 keys across implementations: oxps finds and uses Libervia's keys (RSA-3072, made by
// GnuPG at first connect), Libervia finds and uses the key oxps published.
import { describe, expect, it } from 'vitest';
import {
  OxpsDevice,
  deliveredOxMessages,
  freshNode,
  jidOf,
  liberviaGpgKeys,
  listPackets,
  waitForLiberviaSecrets,
} from './helpers.js';

const RSA = 1;

interface KeyList {
  jid: string;
  keys: Array<{ fingerprint: string; created: string; published?: string; trust: string }>;
}

describe('OX keys between oxps and Libervia', () => {
  const carol = new OxpsDevice('carol');

  it('oxps finds the RSA-3072 keys Libervia published for alice and bob', async () => {
    for (const name of ['alice', 'bob']) {
      // Libervia's GnuPG home also holds the keys it imported from the account's PEP list: an
      // oxps device of the same account (test/interop/moving-in.test.ts) adds its curve25519 key
      const keys = (await liberviaGpgKeys(name)).filter((k) => k.userIds.includes(`xmpp:${jidOf(name)}`));
      const rsa = keys.filter((k) => k.algorithm === RSA);
      expect(rsa.map((k) => k.bits)).toEqual([3072]);
      const listed = await carol.json<KeyList>(['key', 'list', jidOf(name)]);
      expect(listed.jid).toBe(jidOf(name));
      expect(listed.keys.map((k) => k.fingerprint).sort()).toEqual(keys.map((k) => k.fingerprint).sort());
      // Blind Trust Before Verification: usable, not verified
      const libervias = listed.keys.find((k) => k.fingerprint === rsa[0]!.fingerprint)!;
      expect(libervias.trust).not.toBe('distrusted');
    }
  });

  it("oxps encrypts to bob's RSA key; bob's Libervia imports carol's key and verifies her signature", async () => {
    const node = freshNode('ox-keys');
    await carol.json(['encrypt-node', '-n', node]);
    const before = (await deliveredOxMessages(carol.jid, jidOf('bob'))).length;
    const shared = await carol.json<{ secrets: string[] }>(['secret', 'share', '-n', node, jidOf('bob')]);

    // bob's Libervia stores a secret only from a signcrypt whose signature it verified with a key
    // of the sender, imported from the sender's PEP (plugin_xep_0373 → plugin_sec_oxps): the
    // secret's origin is carol, and carol's published key is now in bob's OX GnuPG home.
    const known = await waitForLiberviaSecrets('bob', carol.jid, node, (list) => list.length > 0);
    expect(known.map((s) => [s.id, s.origin])).toEqual([[shared.secrets[0], carol.jid]]);
    const carolKey = (await carol.json<KeyList>(['key', 'list'])).keys[0]!;
    const imported = (await liberviaGpgKeys('bob')).filter((k) => k.userIds.includes(`xmpp:${carol.jid}`));
    expect(imported.map((k) => k.fingerprint)).toEqual([carolKey.fingerprint]);

    // on the wire: the OX message Prosody delivered to bob is encrypted to bob's RSA key (the
    // primary key: Libervia's GnuPG key has no subkey) and to carol's own encryption key
    const bobKey = (await liberviaGpgKeys('bob')).find((k) => k.userIds.includes(`xmpp:${jidOf('bob')}`))!;
    const [message] = (await deliveredOxMessages(carol.jid, jidOf('bob'))).slice(before);
    expect(message, 'no OX message from carol to bob in the stanza log').toBeDefined();
    const recipients = [
      ...(await listPackets(message!)).matchAll(
        /:pubkey enc packet: version 3, algo (\d+), keyid ([0-9A-F]{16})/g,
      ),
    ].map((m) => [Number(m[1]), m[2]]);
    const carolEncryptionKey = imported[0]!.subkeys.find((s) => s.capabilities.includes('e'))!;
    expect(recipients.sort()).toEqual(
      [
        [RSA, bobKey.keyId],
        [carolEncryptionKey.algorithm, carolEncryptionKey.keyId],
      ].sort(),
    );
  });
});
