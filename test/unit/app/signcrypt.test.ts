// OX <signcrypt/> messages (XEP-0373 §3) between oxps and GnuPG 2.2, and the checks
// unpackOxMessage makes before trusting one. No server: the app contexts use an in-memory
// keystore and a state whose contacts already hold the sender's key; a refresh of a contact's
// keys (after a failed signature check) is answered by a fake PEP service in memory.
import { describe, expect, it, beforeAll, afterAll } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import xml, { type Element } from '@xmpp/xml';
import type * as openpgp from 'openpgp';
import { AppContext } from '../../../src/app/context.js';
import { buildOxMessage, unpackOxMessage, UnreadableMessage } from '../../../src/app/ox/messaging.js';
import { generateKey, armorPublic, fingerprintOf, publicKeyBytes } from '../../../src/crypto/keys.js';
import { encryptAndSign } from '../../../src/crypto/signcrypt.js';
import { buildSigncrypt } from '../../../src/protocol/ox/signcrypt.js';
import { buildOpenpgpElement, parseOpenpgpElement } from '../../../src/protocol/ox/openpgpElement.js';
import {
  PUBLIC_KEYS_LIST_NODE,
  buildPubkey,
  buildPublicKeysList,
  publicKeyNode,
} from '../../../src/protocol/ox/publicKeys.js';
import { xep82DateTime } from '../../../src/protocol/datetime.js';
import { NS } from '../../../src/protocol/namespaces.js';
import { parseXmlElement, serializeForEncryption } from '../../../src/protocol/xml.js';
import { entryAccount, type Keystore, type SecretEntry } from '../../../src/store/keystore/keystore.js';
import { silentReporter } from '../../../src/ui/reporter.js';
import type { TrustPolicy } from '../../../src/store/config.js';
import { IqError, type Session } from '../../../src/xmpp/session.js';
import { GpgHome } from '../../helpers/gpg.js';
import { rejected } from '../../helpers/thrown.js';

const SENDER = 'alice@example.org';
const RECIPIENT = 'bob@example.org';
const MALLORY = 'mallory@example.org';

class MemoryKeystore implements Keystore {
  readonly kind = 'vault' as const;
  readonly description = 'the in-memory test keystore';
  private readonly entries = new Map<string, string>();

  async get(profile: string, entry: SecretEntry): Promise<string | undefined> {
    return this.entries.get(entryAccount(profile, entry));
  }

  async set(profile: string, entry: SecretEntry, value: string): Promise<void> {
    this.entries.set(entryAccount(profile, entry), value);
  }

  async delete(profile: string, entry: SecretEntry): Promise<void> {
    this.entries.delete(entryAccount(profile, entry));
  }
}

/** Answers XEP-0373 key requests from the keys "published" here; counts the requests. */
class FakePep {
  requests = 0;
  constructor(private readonly published: Map<string, openpgp.PrivateKey[]>) {}

  async iq(stanza: Element): Promise<Element> {
    this.requests++;
    const jid = stanza.attrs.to as string;
    const node = stanza.getChild('pubsub', NS.pubsub)?.getChild('items')?.attrs.node as string;
    const keys = this.published.get(jid) ?? [];
    const answer = (id: string, payload: Element) =>
      xml(
        'iq',
        { type: 'result', from: jid },
        xml('pubsub', { xmlns: NS.pubsub }, xml('items', { node }, xml('item', { id }, payload))),
      );
    if (keys.length && node === PUBLIC_KEYS_LIST_NODE) {
      return answer(
        'current',
        buildPublicKeysList(
          keys.map((key) => ({
            fingerprint: fingerprintOf(key),
            date: xep82DateTime(key.getCreationTime()),
          })),
        ),
      );
    }
    const key = keys.find((k) => node === publicKeyNode(fingerprintOf(k)));
    if (key) return answer(xep82DateTime(key.getCreationTime()), buildPubkey(publicKeyBytes(key)));
    throw new IqError('item-not-found', 'cancel', `no node ${node} on ${jid}`);
  }
}

class OfflineContext extends AppContext {
  constructor(
    jid: string,
    keystore: Keystore,
    readonly pep: FakePep,
    trust: TrustPolicy = 'btbv',
  ) {
    super({ profile: jid, jid, trust }, keystore, silentReporter, {
      timeoutSeconds: 5,
      lockWaitMs: 5000,
      confirm: async () => false,
    });
  }

  override session(): Promise<Session> {
    return Promise.resolve(this.pep as unknown as Session);
  }
}

describe('OX signcrypt messages with GnuPG 2.2, and what unpackOxMessage refuses', () => {
  const saved = { XDG_DATA_HOME: process.env.XDG_DATA_HOME, XDG_CACHE_HOME: process.env.XDG_CACHE_HOME };
  let home: string;
  let gpg: GpgHome;
  let keys: Record<'sender' | 'recipient' | 'mallory', openpgp.PrivateKey>;
  let sender: OfflineContext;
  let recipient: OfflineContext;
  let mallory: OfflineContext;

  async function contextFor(
    jid: string,
    key: openpgp.PrivateKey,
    contacts: Array<[string, openpgp.PrivateKey]>,
  ): Promise<OfflineContext> {
    const keystore = new MemoryKeystore();
    await keystore.set(jid, 'openpgp-key', key.armor());
    const pep = new FakePep(
      new Map([
        [SENDER, [keys.sender]],
        [RECIPIENT, [keys.recipient]],
        [MALLORY, [keys.mallory]],
      ]),
    );
    const ctx = new OfflineContext(jid, keystore, pep);
    const state = (await ctx.state()).data;
    for (const [contact, contactKey] of contacts) {
      state.contacts[contact] = {
        jid: contact,
        keys: [
          {
            fingerprint: fingerprintOf(contactKey),
            armored: armorPublic(contactKey),
            created: xep82DateTime(contactKey.getCreationTime()),
            trust: 'undecided',
          },
        ],
        fetched: xep82DateTime(new Date()),
      };
    }
    return ctx;
  }

  /** An OX message as it arrives from `from`, carrying these OpenPGP bytes. */
  function incoming(ciphertext: Uint8Array, from = `${SENDER}/gajim`): Element {
    return xml(
      'message',
      { from, to: `${RECIPIENT}/oxps` },
      buildOpenpgpElement(ciphertext),
      xml('store', { xmlns: NS.hints }),
    );
  }

  /** Signs (as the sender) and encrypts (to the recipient and the sender) this content. */
  async function signcrypted(content: Element | string): Promise<Uint8Array> {
    const text = typeof content === 'string' ? content : serializeForEncryption(content);
    return encryptAndSign(
      Buffer.from(text, 'utf8'),
      [keys.recipient.toPublic(), keys.sender.toPublic()],
      keys.sender,
    );
  }

  const note = (text: string) => xml('note', { xmlns: 'urn:example:notes' }, text);

  const refusal = (message: Element): Promise<UnreadableMessage> =>
    rejected(UnreadableMessage, () => unpackOxMessage(recipient, message));

  beforeAll(async () => {
    home = await mkdtemp(join(tmpdir(), 'oxps-signcrypt-'));
    process.env.XDG_DATA_HOME = join(home, 'data');
    process.env.XDG_CACHE_HOME = join(home, 'cache');
    const [s, r, m] = await Promise.all([
      generateKey(SENDER, 'curve25519'),
      generateKey(RECIPIENT, 'curve25519'),
      generateKey(MALLORY, 'curve25519'),
    ]);
    keys = { sender: s, recipient: r, mallory: m };
    sender = await contextFor(SENDER, keys.sender, [[RECIPIENT, keys.recipient]]);
    recipient = await contextFor(RECIPIENT, keys.recipient, [[SENDER, keys.sender]]);
    mallory = await contextFor(MALLORY, keys.mallory, [[RECIPIENT, keys.recipient]]);
    gpg = await GpgHome.create();
    // gpg plays both ends: the recipient's and the sender's secret keys
    await gpg.ok(['--import'], keys.recipient.armor());
    await gpg.ok(['--import'], keys.sender.armor());
  });

  afterAll(async () => {
    await Promise.all([sender, recipient, mallory].map((ctx) => ctx?.close()));
    await gpg?.dispose();
    await rm(home, { recursive: true, force: true });
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  });

  it("gpg decrypts a message packed by oxps and verifies the sender's signature", async () => {
    const message = await buildOxMessage(
      sender,
      RECIPIENT,
      [note('for gpg')],
      [keys.recipient.toPublic(), keys.sender.toPublic()],
    );
    expect(message.attrs.to).toBe(RECIPIENT);
    expect(message.getChild('encryption', NS.eme)?.attrs.namespace).toBe(NS.ox);
    const file = join(gpg.dir, 'from-oxps.gpg');
    await writeFile(file, parseOpenpgpElement(message.getChild('openpgp', NS.ox)!));

    const decrypted = await gpg.ok(['--trust-model', 'always', '--decrypt', file]);
    expect(decrypted.stderr).toContain(`Good signature from "xmpp:${SENDER}"`);
    expect(decrypted.stderr).not.toMatch(/not integrity protected|BAD signature/);
    const content = parseXmlElement(decrypted.stdout.toString('utf8'), 'gpg output');
    expect(content.is('signcrypt', NS.ox)).toBe(true);
    expect(content.getChildren('to').map((t) => t.attrs.jid)).toEqual([RECIPIENT]);
    expect(Math.abs(Date.parse(content.getChild('time')!.attrs.stamp as string) - Date.now())).toBeLessThan(
      60_000,
    );
    expect(content.getChild('rpad')).toBeDefined();
    expect(content.getChild('payload')?.getChild('note', 'urn:example:notes')?.text()).toBe('for gpg');
  });

  it('unpacks a message made by gpg --encrypt --sign, using only the cached key', async () => {
    const content =
      `<signcrypt xmlns='urn:xmpp:openpgp:0'><to jid='${RECIPIENT}'/><time stamp='${xep82DateTime(new Date())}'/>` +
      `<rpad>Zm9vYmFy</rpad><payload><note xmlns='urn:example:notes'>from gpg</note></payload></signcrypt>`;
    const file = join(gpg.dir, 'signcrypt.xml');
    await writeFile(file, content);
    const made = await gpg.ok([
      '--trust-model',
      'always',
      '--encrypt',
      '--sign',
      '-r',
      fingerprintOf(keys.recipient),
      '--local-user',
      fingerprintOf(keys.sender),
      '-o',
      '-',
      file,
    ]);

    const requestsBefore = recipient.pep.requests;
    const unpacked = await unpackOxMessage(recipient, incoming(made.stdout));
    expect(unpacked.sender).toBe(SENDER);
    expect(unpacked.signer).toBe(fingerprintOf(keys.sender));
    expect(unpacked.to).toEqual([RECIPIENT]);
    expect(unpacked.payload).toHaveLength(1);
    expect(unpacked.payload[0]!.is('note', 'urn:example:notes')).toBe(true);
    expect(unpacked.payload[0]!.text()).toBe('from gpg');
    expect(recipient.pep.requests).toBe(requestsBefore); // the cached contact sufficed
  });

  it('also unpacks what oxps packs (the reference for the refusals below)', async () => {
    const message = await buildOxMessage(
      sender,
      RECIPIENT,
      [note('hello')],
      [keys.recipient.toPublic(), keys.sender.toPublic()],
    );
    message.attrs.from = `${SENDER}/oxps-1`;
    const unpacked = await unpackOxMessage(recipient, message);
    expect([unpacked.sender, unpacked.payload[0]?.text()]).toEqual([SENDER, 'hello']);
  });

  it('refuses a message from the sender signed by another key (wrong signer)', async () => {
    const forged = await buildOxMessage(mallory, RECIPIENT, [note('forged')], [keys.recipient.toPublic()]);
    forged.attrs.from = `${SENDER}/gajim`;
    const requestsBefore = recipient.pep.requests;
    const error = await refusal(forged);
    expect(error.message).toMatch(/^signature check failed \(.*signing key/);
    expect(error.retryLater).toBe(false);
    // it looked for a newer key of the sender once before refusing
    expect(recipient.pep.requests).toBeGreaterThan(requestsBefore);
  });

  it('refuses an encrypted message without a signature', async () => {
    const content = buildSigncrypt({ to: [RECIPIENT], time: new Date(), payload: [note('unsigned')] });
    const file = join(gpg.dir, 'unsigned.xml');
    await writeFile(file, serializeForEncryption(content));
    const made = await gpg.ok([
      '--trust-model',
      'always',
      '--encrypt',
      '-r',
      fingerprintOf(keys.recipient),
      '-o',
      '-',
      file,
    ]);
    const error = await refusal(incoming(made.stdout));
    expect(error.message).toMatch(/^signature check failed \(.*not signed/);
  });

  it('refuses content whose <to/> does not name us', async () => {
    const ciphertext = await signcrypted(
      buildSigncrypt({ to: ['carol@example.org'], time: new Date(), payload: [note('not for bob')] }),
    );
    const error = await refusal(incoming(ciphertext));
    expect(error.message).toContain(`our JID ${RECIPIENT} is not among the recipients (carol@example.org)`);
  });

  it('refuses a <time/> one hour in the future', async () => {
    const ciphertext = await signcrypted(
      buildSigncrypt({
        to: [RECIPIENT],
        time: new Date(Date.now() + 3600_000),
        payload: [note('from the future')],
      }),
    );
    const error = await refusal(incoming(ciphertext));
    expect(error.message).toMatch(/<time\/> \S+ is in the future/);
  });

  it('refuses two <payload/> elements', async () => {
    const content = buildSigncrypt({ to: [RECIPIENT], time: new Date(), payload: [note('first')] });
    content.append(xml('payload', {}, note('second')));
    const error = await refusal(incoming(await signcrypted(content)));
    expect(error.message).toContain('expected exactly one <payload/>, found 2');
  });

  it('refuses an <openpgp/> element that is not base64', async () => {
    const message = xml(
      'message',
      { from: `${SENDER}/gajim`, to: RECIPIENT },
      xml('openpgp', { xmlns: NS.ox }, 'this is *not* base64!'),
    );
    const error = await refusal(message);
    expect(error.message).toContain('not valid base64');
  });

  it('refuses decrypted content with a DOCTYPE (no entity is ever expanded)', async () => {
    const content =
      `<?xml version='1.0'?><!DOCTYPE signcrypt [<!ENTITY who '${RECIPIENT}'>]>` +
      `<signcrypt xmlns='urn:xmpp:openpgp:0'><to jid='&who;'/><time stamp='${xep82DateTime(new Date())}'/><rpad/>` +
      `<payload><note xmlns='urn:example:notes'>entity</note></payload></signcrypt>`;
    const error = await refusal(incoming(await signcrypted(content)));
    expect(error.message).toContain('DOCTYPE declarations are not allowed');
  });

  it('#12.3 under manual trust, refuses a message "from us" signed by another key on our own list until it is verified', async () => {
    // dave's own list also holds a key this device did not make (another device, or an intruder's)
    const dave = 'dave@example.org';
    const [mine, other] = await Promise.all([
      generateKey(dave, 'curve25519'),
      generateKey(dave, 'curve25519'),
    ]);
    const keystore = new MemoryKeystore();
    await keystore.set(dave, 'openpgp-key', mine.armor());
    const self = new OfflineContext(dave, keystore, new FakePep(new Map([[dave, [mine, other]]])), 'manual');
    try {
      const content = buildSigncrypt({ to: [dave], time: new Date(), payload: [note('from the other key')] });
      const ciphertext = await encryptAndSign(
        Buffer.from(serializeForEncryption(content), 'utf8'),
        [mine.toPublic()],
        other,
      );
      const message = xml(
        'message',
        { from: `${dave}/elsewhere`, to: dave },
        buildOpenpgpElement(ciphertext),
      );
      const error = await rejected(UnreadableMessage, () => unpackOxMessage(self, message));
      expect(error.message).toContain(`signed by ${dave}'s key ${fingerprintOf(other)}`);
      expect(error.retryLater).toBe(true);
      // nor is a copy of what we send encrypted to it
      expect((await (await self.keyring()).ownEncryptionKeys()).map(fingerprintOf)).toEqual([
        fingerprintOf(mine),
      ]);

      await (await self.keyring()).setTrust(dave, fingerprintOf(other), 'verified');
      expect((await unpackOxMessage(self, message)).signer).toBe(fingerprintOf(other));
    } finally {
      await self.close();
    }
  });
});
