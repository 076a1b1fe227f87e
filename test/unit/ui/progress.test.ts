// #17.13: long work shows its rate and the time left on a terminal, and nothing on a pipe.
import { describe, expect, it } from 'vitest';
import { TerminalReporter } from '../../../src/ui/terminal.js';

function fakeStream(isTTY: boolean): { stream: NodeJS.WriteStream; written: () => string } {
  let text = '';
  const stream = {
    isTTY,
    columns: 100,
    write: (chunk: string) => {
      text += chunk;
      return true;
    },
  } as unknown as NodeJS.WriteStream;
  return { stream, written: () => text };
}

describe('progress', () => {
  it('#17.13 shows the rate and the time left on a terminal', () => {
    let now = 1_000_000;
    const { stream, written } = fakeStream(true);
    const progress = new TerminalReporter('normal', stream, () => now).progress('publishing', 100);
    now += 2000;
    progress.tick(50);
    expect(written()).toMatch(/publishing .*50\/100 · 25\/s · 2 s left/);
    now += 2000;
    progress.tick(50);
    expect(written()).toMatch(/100\/100 · 25\/s(?! ·)/);
    progress.done();
  });

  it('#17.13 shows minutes for long work and fits one line', () => {
    let now = 0;
    const { stream, written } = fakeStream(true);
    const progress = new TerminalReporter('normal', stream, () => now).progress('notifying', 1000);
    now += 10_000;
    progress.tick(10);
    const line = written().split('\r').at(-1)!;
    expect(line).toMatch(/10\/1000 · 1\.0\/s · 16 min 30 s left/);
    expect(line.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '').length).toBeLessThanOrEqual(100);
  });

  it('#17.13 draws nothing on a pipe, nor with -q', () => {
    for (const [tty, verbosity] of [
      [false, 'normal'],
      [true, 'quiet'],
    ] as const) {
      const { stream, written } = fakeStream(tty);
      const progress = new TerminalReporter(verbosity, stream).progress('publishing', 10);
      progress.tick(5);
      progress.done();
      expect(written()).toBe('');
    }
  });
});
