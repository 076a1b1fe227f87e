// Decrypts items on worker threads when there are enough of them to pay for starting the
// workers (each loads openpgp.js, ~100 ms); small fetches decrypt inline.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { decryptItem, ItemDecryptError } from './itemCipher.js';

/** Items decrypted inline before the pool starts. */
const INLINE_BEFORE_POOL = 24;

interface Pending {
  resolve: (plaintext: Uint8Array) => void;
  reject: (error: Error) => void;
}

export class Decryptor {
  private workers: Worker[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextJob = 0;
  private inlineCount = 0;

  constructor(private readonly maxWorkers = Math.min(4, availableParallelism())) {}

  async decrypt(ciphertext: Uint8Array, secret: string): Promise<Uint8Array> {
    if (this.maxWorkers < 2 || this.inlineCount < INLINE_BEFORE_POOL) {
      this.inlineCount++;
      return decryptItem(ciphertext, secret);
    }
    if (this.workers.length === 0) this.start();
    const id = this.nextJob++;
    const worker = this.workers[id % this.workers.length]!;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ id, ciphertext, secret });
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
