// Worker thread of decryptPool.ts: derives the iterated S2K keys of costly items (~70 ms of SHA
// each for GnuPG-made ones), the only costly part of decrypting them. It loads node:crypto and
// s2k.ts only (no openpgp.js), so it is ready in a few tens of milliseconds; it says when.
import { parentPort } from 'node:worker_threads';
import { deriveIteratedS2K, type IteratedS2KRequest } from './s2k.js';

// one job at a time: the pool sends the next one when this one's answer arrives
parentPort!.on('message', (request: IteratedS2KRequest) => {
  try {
    parentPort!.postMessage({ key: deriveIteratedS2K(request) });
  } catch (error) {
    parentPort!.postMessage({ error: (error as Error).message });
  }
});

parentPort!.postMessage({ ready: true });
