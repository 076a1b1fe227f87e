// Decrypts items on worker threads when they are costly: GnuPG-made items (Libervia's) and
// sqop's hash 65 MB of S2K input each (~70 ms), and several cores take several at once. Items
// with a cheap S2K (oxps-made ones: 1,024 octets) decrypt inline: openpgp.js takes ~0.2 ms for
// one, about what handing it to a worker and back costs, and each worker would first load
// openpgp.js and warm up its JIT (measured on 10,000 oxps-made items: inline 0.2 ms of CPU per
// item, two workers 0.4 ms). A few costly items also decrypt inline, before the pool pays for
// starting.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { decryptItem, ItemDecryptError, type DecryptOptions } from './itemCipher.js';
import { skeskS2KOctets } from './sessionKeyPacket.js';

/** Costly items decrypted inline before the pool starts. */
const INLINE_BEFORE_POOL = 24;

/** S2K input (octets hashed) from which an item is worth a worker: about a millisecond of SHA. */
const COSTLY_S2K_OCTETS = 1 << 20;

interface Pending {
  resolve: (plaintext: Uint8Array) => void;
  reject: (error: Error) => void;
}

export interface DecryptorOptions extends DecryptOptions {
  /** Worker threads at most; below 2 everything decrypts inline. */
  maxWorkers?: number;
}

export class Decryptor {
  private workers: Worker[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextJob = 0;
  private inlineCount = 0;

  private readonly maxWorkers: number;
  private readonly options: DecryptOptions;

  constructor({ maxWorkers = Math.min(4, availableParallelism()), ...options }: DecryptorOptions = {}) {
    this.maxWorkers = maxWorkers;
    this.options = options;
  }

  async decrypt(ciphertext: Uint8Array, secret: string): Promise<Uint8Array> {
    // items refused before any derivation (see sessionKeyPacket.ts) count as cheap: never worth a worker
    if (this.maxWorkers < 2 || (skeskS2KOctets(ciphertext) ?? 0) < COSTLY_S2K_OCTETS) return decryptItem(ciphertext, secret, this.options);
    if (this.inlineCount < INLINE_BEFORE_POOL) {
      this.inlineCount++;
      return decryptItem(ciphertext, secret, this.options);
    }
    if (this.workers.length === 0) this.start();
    const id = this.nextJob++;
    const worker = this.workers[id % this.workers.length]!;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ id, ciphertext, secret, options: this.options });
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((worker) => worker.terminate()));
    this.workers = [];
  }

  private start(): void {
    for (let i = 0; i < this.maxWorkers; i++) {
      const worker = new Worker(new URL('./decryptWorker.js', import.meta.url));
      worker.on('message', ({ id, plaintext, error }: { id: number; plaintext?: Uint8Array; error?: string }) => {
        const job = this.pending.get(id);
        this.pending.delete(id);
        if (error !== undefined) job?.reject(new ItemDecryptError(error));
        else job?.resolve(plaintext!);
      });
      worker.on('error', (error) => {
        for (const job of this.pending.values()) job.reject(error);
        this.pending.clear();
      });
      worker.unref();
      this.workers.push(worker);
    }
  }
}
