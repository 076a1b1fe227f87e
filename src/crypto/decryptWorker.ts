// Worker thread of decryptPool.ts: decrypts items off the main thread (the S2K of GnuPG-made
// items is ~70 ms of hashing each; several cores take several at once). It says when it is
// loaded: until then the main thread decrypts the items waiting.
import { parentPort } from 'node:worker_threads';
import { decryptItem, type DecryptOptions } from './itemCipher.js';

interface Job {
  id: number;
  ciphertext: Uint8Array;
  secret: string;
  options: DecryptOptions;
}

parentPort!.on('message', async ({ id, ciphertext, secret, options }: Job) => {
  try {
    const plaintext = await decryptItem(ciphertext, secret, options);
    parentPort!.postMessage({ id, plaintext }, [plaintext.buffer as ArrayBuffer]);
  } catch (error) {
    parentPort!.postMessage({ id, error: (error as Error).message });
  }
});

parentPort!.postMessage({ ready: true });
