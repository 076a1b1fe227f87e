// How a key's trust is shown on a terminal (key list, doctor).
import type { ChalkInstance } from 'chalk';
import type { KeyListEntry } from '../app/ox/keys.js';

export function trustLabel(trust: KeyListEntry['trust'], color: ChalkInstance): string {
  if (trust === 'verified' || trust === 'own') return color.green(trust);
  return trust === 'distrusted' ? color.red(trust) : color.yellow(trust);
}
