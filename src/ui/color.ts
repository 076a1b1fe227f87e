// Colour only where a person reads it: a TTY, unless NO_COLOR is set (no-color.org);
// FORCE_COLOR overrides both (chalk's own detection ignores NO_COLOR).
import { Chalk, type ChalkInstance } from 'chalk';

export function colorLevel(stream: NodeJS.WriteStream, env = process.env): 0 | 1 | 2 | 3 {
  const force = env.FORCE_COLOR;
  if (force !== undefined) {
    if (force === '0' || force === 'false') return 0;
    const level = Number.parseInt(force, 10);
    return (Number.isInteger(level) ? Math.min(Math.max(level, 1), 3) : 1) as 1 | 2 | 3;
  }
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return 0;
  if (!stream.isTTY || env.TERM === 'dumb') return 0;
  return 1;
}

export function chalkFor(stream: NodeJS.WriteStream): ChalkInstance {
  return new Chalk({ level: colorLevel(stream) });
}
