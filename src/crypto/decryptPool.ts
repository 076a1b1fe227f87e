// Decrypts costly items on every core: GnuPG-made items (Libervia's) and sqop's hash 65 MB of
// S2K input each (~70 ms). From the first such item, worker threads start and the main thread
// decrypts beside them: it takes the queued items while the workers load openpgp.js (~100 ms),
// then whatever is left when it is free, so a node of 20 such items already uses every core.
// Items with a cheap S2K (oxps-made ones: 1,024 octets) decrypt inline: openpgp.js takes ~0.2 ms
// for one, about what handing it to a worker and back costs, and each worker would first load
// openpgp.js and warm up its JIT (measured on 10,000 oxps-made items: inline 0.2 ms of CPU per
// item, two workers 0.4 ms).
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { decryptItem, ItemDecryptError, type DecryptOptions } from './itemCipher.js';
import { skeskS2KOctets } from './sessionKeyPacket.js';

/** S2K input (octets hashed) from which an item is worth a worker: about a millisecond of SHA. */
const COSTLY_S2K_OCTETS = 1 << 20;

interface Job {
  id: number;
  ciphertext: Uint8Array;
  secret: string;
  resolve: (plaintext: Uint8Array) => void;
  reject: (error: Error) => void;
}

interface PoolWorker {
  worker: Worker;
  /** Loaded and waiting for a job. */
  idle: boolean;
  job?: Job;
}

export interface DecryptorOptions extends DecryptOptions {
  /** Worker threads beside the main thread (default: one per core but the main thread's); 0: all inline. */
  maxWorkers?: number;
}

export class Decryptor {
  /** Costly items decrypted on the main thread and on workers (for -v and tests). */
  readonly costly = { main: 0, workers: 0 };
  private workers: PoolWorker[] = [];
  private readonly queue: Job[] = [];
  private nextJob = 0;
  private mainScheduled = false;

  private readonly maxWorkers: number;
  private readonly options: DecryptOptions;

  constructor({ maxWorkers = Math.max(1, availableParallelism() - 1), ...options }: DecryptorOptions = {}) {
    this.maxWorkers = maxWorkers;
    this.options = options;
  }

  /** Worker threads started (they start with the first costly item). */
  get startedWorkers(): number {
    return this.workers.length;
  }

  async decrypt(ciphertext: Uint8Array, secret: string): Promise<Uint8Array> {
    // items refused before any derivation (see sessionKeyPacket.ts) count as cheap: never worth a worker
    if (this.maxWorkers < 1 || (skeskS2KOctets(ciphertext) ?? 0) < COSTLY_S2K_OCTETS)
      return decryptItem(ciphertext, secret, this.options);
    if (this.workers.length === 0) this.start();
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextJob++, ciphertext, secret, resolve, reject });
      this.dispatch();
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map(({ worker }) => worker.terminate()));
    this.workers = [];
  }

  /** Idle workers take the next jobs; the main thread takes one when the event loop is free. */
  private dispatch(): void {
    for (const slot of this.workers) {
      if (!slot.idle || this.queue.length === 0) continue;
      const job = this.queue.shift()!;
      slot.idle = false;
      slot.job = job;
      // a worker holds the process open only while it has a job
      slot.worker.ref();
      slot.worker.postMessage({
        id: job.id,
        ciphertext: job.ciphertext,
        secret: job.secret,
        options: this.options,
      });
    }
    if (this.queue.length > 0 && !this.mainScheduled) {
      this.mainScheduled = true;
      // after the I/O and worker messages already waiting, so that idle workers are served first
      setImmediate(() => void this.runOnMain());
    }
  }

  private async runOnMain(): Promise<void> {
    const job = this.queue.shift();
    try {
      if (job) {
        this.costly.main++;
        job.resolve(await decryptItem(job.ciphertext, job.secret, this.options));
      }
    } catch (error) {
      job!.reject(error as Error);
    } finally {
      this.mainScheduled = false;
      this.dispatch();
    }
  }

  private start(): void {
    for (let i = 0; i < this.maxWorkers; i++) {
      const slot: PoolWorker = {
        worker: new Worker(new URL('./decryptWorker.js', import.meta.url)),
        idle: false,
      };
      slot.worker.on(
        'message',
        (message: { ready?: true; id?: number; plaintext?: Uint8Array; error?: string }) => {
          const job = slot.job;
          slot.job = undefined;
          slot.idle = true;
          slot.worker.unref();
          if (!message.ready && job) {
            this.costly.workers++;
            if (message.error !== undefined) job.reject(new ItemDecryptError(message.error));
            else job.resolve(message.plaintext!);
          }
          this.dispatch();
        },
      );
      slot.worker.on('error', (error) => {
        // a dead worker takes no more jobs: the others and the main thread carry on
        slot.idle = false;
        slot.job?.reject(error);
        slot.job = undefined;
        this.dispatch();
      });
      slot.worker.unref();
      this.workers.push(slot);
    }
  }
}
