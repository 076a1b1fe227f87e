// Costly items (GnuPG-made, iterated S2K over 65 MB) use every core from the first one (#14.2):
// the workers start at the first such item and the main thread decrypts beside them. Speed is
// measured by the bench (BENCHMARKS.md); here, that both kinds of thread take items and that
// each item gets its own answer. The pool's worker is the built one (dist/), as in the binary.
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import type { Decryptor as DecryptorType } from '../../src/crypto/decryptPool.js';
import { parseEncrypted } from '../../src/protocol/oxps/encrypted.js';
import { parseItem } from '../../src/protocol/pubsub/items.js';
import { NS } from '../../src/protocol/namespaces.js';
import { parseXmlElement } from '../../src/protocol/xml.js';

const SAMPLES = new URL('../fixtures/libervia-samples/', import.meta.url);
const { Decryptor } = (await import(
  new URL('../../dist/src/crypto/decryptPool.js', import.meta.url).href
)) as { Decryptor: typeof DecryptorType };

async function liberviaItem(): Promise<{ ciphertext: Uint8Array; secret: string }> {
  const stanza = parseXmlElement(
    await readFile(new URL('02-blog-set-encrypt.xml', SAMPLES), 'utf8'),
    'sample',
  );
  const item = parseItem(stanza.getChild('pubsub', NS.pubsub)!.getChild('publish')!.getChild('item')!);
  const { secretId, ciphertext } = parseEncrypted(item.payload!);
  const message = await readFile(new URL('03-secret-share.ox-message-1.txt', SAMPLES), 'utf8');
  const secret = new RegExp(`<shared-secret [^>]*id='${secretId}'[^>]*>([^<]+)</shared-secret>`).exec(
    message,
  )![1]!;
  return { ciphertext, secret };
}

describe('decrypting costly items on every core (#14.2)', () => {
  it('#14.2 the workers start with the first GnuPG-made item; every item gets its own answer, a wrong secret fails only its item', async () => {
    const { ciphertext, secret } = await liberviaItem();
    const decryptor = new Decryptor({ maxWorkers: 1 });
    try {
      expect(Buffer.from(await decryptor.decrypt(ciphertext.slice(), secret)).toString('utf8')).toContain(
        '<entry',
      );
      expect(decryptor.startedWorkers).toBe(1);
      const results = await Promise.allSettled(
        Array.from({ length: 6 }, (_, i) =>
          decryptor.decrypt(ciphertext.slice(), i === 3 ? `${secret}x` : secret),
        ),
      );
      const plaintexts = results
        .filter((r): r is PromiseFulfilledResult<Uint8Array> => r.status === 'fulfilled')
        .map((r) => Buffer.from(r.value).toString('utf8'));
      expect(plaintexts).toHaveLength(5);
      for (const text of plaintexts) expect(text).toContain('<entry');
      expect(results[3]).toMatchObject({
        status: 'rejected',
        reason: { message: expect.stringMatching(/integrity check failed/) },
      });
      // which thread took which item depends on when the worker finished loading
      expect(decryptor.costly.main + decryptor.costly.workers).toBe(7);
    } finally {
      await decryptor.close();
    }
  }, 60_000);
});
