// Items recorded from the real Libervia 0.9 (GnuPG-made: SKESK v4 without encrypted session key,
// SHA-1, count 65,011,712, ZIP-compressed) decrypt with decryptItem and the secrets Libervia sent.
// The samples are recordings of the shared interop harness, kept in test/fixtures/libervia-samples/;
// they are required: if the folder is missing, these tests fail.
import { readdir, readFile } from 'node:fs/promises';
import { beforeAll, describe, expect, it } from 'vitest';
import { decryptItem, ItemDecryptError } from '../../../src/crypto/itemCipher.js';
import { parseEncrypted } from '../../../src/protocol/oxps/encrypted.js';
import { parseItem } from '../../../src/protocol/pubsub/items.js';
import { NS } from '../../../src/protocol/namespaces.js';
import { parseXmlElement, type Element } from '../../../src/protocol/xml.js';

const SAMPLES = new URL('../../fixtures/libervia-samples/', import.meta.url);

async function readSample(name: string): Promise<string> {
  return readFile(new URL(name, SAMPLES), 'utf8');
}

interface RecordedItem {
  file: string;
  id: string;
  secretId: string;
  ciphertext: Uint8Array;
}

function itemsOf(stanza: Element): Element[] {
  const pubsub = stanza.getChild('pubsub', NS.pubsub);
  const container = pubsub?.getChild('publish') ?? pubsub?.getChild('items');
  return container?.getChildren('item') ?? [];
}

async function encryptedItems(file: string): Promise<RecordedItem[]> {
  const stanza = parseXmlElement(await readSample(file), file);
  return itemsOf(stanza).map((element) => {
    const item = parseItem(element);
    if (!item.payload) throw new Error(`${file}: ${item.problem}`);
    const { secretId, ciphertext } = parseEncrypted(item.payload);
    return { file, id: item.id, secretId, ciphertext };
  });
}

/** <shared-secret … id='ID'>KEY</shared-secret> from the decrypted signcrypt texts. */
async function sharedSecrets(files: string[]): Promise<Map<string, string>> {
  const secrets = new Map<string, string>();
  for (const file of files.filter((f) => /\.ox-message-\d+\.txt$/.test(f))) {
    const text = await readSample(file);
    for (const match of text.matchAll(/<shared-secret\b[^>]*>[^<]*<\/shared-secret>/g)) {
      const element = parseXmlElement(match[0], file);
      expect(element.attrs.xmlns).toBe(NS.oxps);
      const id = element.attrs.id!;
      const key = element.text();
      if (secrets.has(id)) expect(secrets.get(id)).toBe(key);
      secrets.set(id, key);
    }
  }
  return secrets;
}

/** The plaintexts gpg printed after "-- decrypted payload:" in the *.packets.txt files. */
async function recordedPayloads(files: string[]): Promise<Set<string>> {
  const payloads = new Set<string>();
  for (const file of files.filter((f) => f.endsWith('.packets.txt'))) {
    const match = /^-- decrypted payload:\n(.*)$/m.exec(await readSample(file));
    if (match) payloads.add(match[1]!);
  }
  return payloads;
}

describe('Libervia-made items (recorded samples)', () => {
  let files: string[];
  let secrets: Map<string, string>;
  let payloads: Set<string>;

  beforeAll(async () => {
    files = (await readdir(SAMPLES)).sort();
    secrets = await sharedSecrets(files);
    payloads = await recordedPayloads(files);
  });

  it('finds the samples, the shared secrets and the recorded plaintexts', () => {
    expect(files).toContain('02-blog-set-encrypt.xml');
    expect(secrets.get('Q6PDRqVtvWww7WHCieM4Df')).toBe(
      'oEIeczt0agWD7nnkXtktDlzAIodntNskTUhrt3srri_8McqijLgHDTN-ShI-CmRQZgPVSfn69kURZfCV7obgjQ',
    );
    expect(secrets.size).toBeGreaterThanOrEqual(3);
    for (const key of secrets.values()) expect(key).toMatch(/^[A-Za-z0-9_-]{86}$/);
    expect(payloads.size).toBeGreaterThanOrEqual(3);
  });

  it.each([
    ['02-blog-set-encrypt.xml', 'post-one-npsI', 'Q6PDRqVtvWww7WHCieM4Df', 'post one'],
    ['09-blog-set-after-rotate.xml', 'post-two-M3Vg', 'T8AvFeMa7YrVXEA8rBBuBw', 'post two'],
    ['20-component-blog-set.xml', 'component-post-2Mf2', 'j6yY6XYGbHZ4vAhWMdFEfJ', 'component post'],
  ])('decrypts the item published in %s to an Atom entry', async (file, itemId, secretId, title) => {
    const items = await encryptedItems(file);
    expect(items).toHaveLength(1);
    const [item] = items as [RecordedItem];
    expect(item.id).toBe(itemId);
    expect(item.secretId).toBe(secretId);
    const secret = secrets.get(secretId);
    expect(secret, `no <shared-secret id='${secretId}'> in the samples`).toBeDefined();

    const plaintext = Buffer.from(await decryptItem(item.ciphertext, secret!)).toString('utf8');
    const entry = parseXmlElement(plaintext, `${file} item ${itemId}`);
    expect(entry.name).toBe('entry');
    expect(entry.attrs.xmlns).toBe(NS.atom);
    expect(entry.getChildText('title')).toBe(title);
    expect(entry.getChild('author')?.getChildText('uri')).toBe('xmpp:alice@localhost');
    expect(payloads.has(plaintext), 'the plaintext equals what gpg printed when recording').toBe(true);
  });

  it('refuses each of those items with another node secret', async () => {
    const item = (await encryptedItems('09-blog-set-after-rotate.xml'))[0]!;
    const other = secrets.get('Q6PDRqVtvWww7WHCieM4Df')!;
    await expect(decryptItem(item.ciphertext, other)).rejects.toBeInstanceOf(ItemDecryptError);
  });

  it('decrypts every recorded item whose secret was shared, as a reader received it too', async () => {
    const withItems: string[] = [];
    for (const file of files.filter((f) => f.endsWith('.xml')))
      if ((await readSample(file)).includes('<encrypted ')) withItems.push(file);
    const all = (await Promise.all(withItems.map(encryptedItems))).flat();
    const readable = all.filter((item) => secrets.has(item.secretId));
    // 02, 04, 05, 09, 10 (two items), 20, 22: what was published and what readers fetched
    expect(readable.length).toBeGreaterThanOrEqual(8);
    expect(new Set(readable.map((item) => item.file))).toEqual(
      new Set([
        '02-blog-set-encrypt.xml',
        '04-bob-get.xml',
        '05-mallory-get.xml',
        '09-blog-set-after-rotate.xml',
        '10-bob-get-after-rotate.xml',
        '20-component-blog-set.xml',
        '22-component-bob-get.xml',
      ]),
    );
    for (const item of readable) {
      const plaintext = Buffer.from(await decryptItem(item.ciphertext, secrets.get(item.secretId)!)).toString(
        'utf8',
      );
      expect(payloads.has(plaintext), `${item.file} ${item.id}`).toBe(true);
    }
    // the item published after the last revocation uses a secret never shared: no known secret opens it
    const unreadable = all.filter((item) => !secrets.has(item.secretId));
    expect(unreadable.map((item) => item.file)).toEqual(['14-alice-publish-after-revoke.xml']);
    for (const secret of secrets.values()) {
      await expect(decryptItem(unreadable[0]!.ciphertext, secret)).rejects.toBeInstanceOf(ItemDecryptError);
    }
  });
});
