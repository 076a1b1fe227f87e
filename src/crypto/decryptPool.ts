// Decrypts costly items on every core: GnuPG-made items (Libervia's) and sqop's hash 65 MB of
// S2K input each (~70 ms), and that S2K is all their cost: openpgp.js then takes ~0.2 ms. From
// the first such item, worker threads start that derive S2K keys only (s2kWorker.ts: ready in a
// few tens of milliseconds, no openpgp.js), and the main thread derives beside them in slices,
// giving the event loop a turn between slices so that a worker which finishes gets its next item
// at once. Everything else (parsing, the session key, the data) stays on the main thread.
// Items with a cheap S2K (oxps-made ones: 1,024 octets) derive inline: handing one to a worker and
// back would cost more than the derivation.
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { decryptItem, ItemDecryptError, type DecryptOptions } from './itemCipher.js';
import {
  decodeS2KCount,
  deriveIteratedS2K,
  deriveIteratedS2KInSlices,
  type IteratedS2KRequest,
} from './s2k.js';

/** S2K input (octets hashed) from which an item is worth a worker: about a millisecond of SHA. */
const COSTLY_S2K_OCTETS = 1 << 20;

interface Job {
  request: IteratedS2KRequest;
  resolve: (key: Buffer) => void;
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
  /** Costly items whose key was derived on the main thread and on workers (for -v and tests). */
  readonly costly = { main: 0, workers: 0 };
  private workers: PoolWorker[] = [];
  private readonly queue: Job[] = [];
  private mainBusy = false;

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
    return decryptItem(ciphertext, secret, this.options, (request) => this.deriveKey(request));
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map(({ worker }) => worker.terminate()));
    this.workers = [];
  }

  private deriveKey(request: IteratedS2KRequest): Buffer | Promise<Buffer> {
    if (this.maxWorkers < 1 || decodeS2KCount(request.codedCount) < COSTLY_S2K_OCTETS)
      return deriveIteratedS2K(request);
    if (this.workers.length === 0) this.start();
    return new Promise((resolve, reject) => {
      this.queue.push({ request, resolve, reject });
      this.dispatch();
    });
  }

  /** Idle workers take the next jobs; the main thread takes one when it has none. */
  private dispatch(): void {
    for (const slot of this.workers) {
      if (!slot.idle || this.queue.length === 0) continue;
      const job = this.queue.shift()!;
      slot.idle = false;
      slot.job = job;
      // a worker holds the process open only while it has a job
      slot.worker.ref();
      slot.worker.postMessage(job.request);
    }
    if (this.queue.length > 0 && !this.mainBusy) {
      this.mainBusy = true;
      // after the I/O and worker messages already waiting, so that idle workers are served first
      setImmediate(() => void this.runOnMain());
    }
  }

  private async runOnMain(): Promise<void> {
    const job = this.queue.shift();
    try {
      if (job) {
        this.costly.main++;
        job.resolve(await deriveIteratedS2KInSlices(job.request));
      }
    } catch (error) {
      job!.reject(error as Error);
    } finally {
      this.mainBusy = false;
      this.dispatch();
    }
  }

  private start(): void {
    for (let i = 0; i < this.maxWorkers; i++) {
      const slot: PoolWorker = {
        worker: new Worker(new URL('./s2kWorker.js', import.meta.url)),
        idle: false,
      };
      slot.worker.on('message', (message: { ready?: true; key?: Uint8Array; error?: string }) => {
        const job = slot.job;
        slot.job = undefined;
        slot.idle = true;
        slot.worker.unref();
        if (!message.ready && job) {
          this.costly.workers++;
          if (message.error !== undefined) job.reject(new ItemDecryptError(message.error));
          else job.resolve(Buffer.from(message.key!));
        }
        this.dispatch();
      });
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
