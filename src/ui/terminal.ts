// The Reporter for a terminal: messages on stderr (stdout is for results), colour by
// color.ts, a progress bar only on a TTY, -q silences all but warnings, -v adds steps.
import type { ChalkInstance } from 'chalk';
import { chalkFor } from './color.js';
import type { Progress, Reporter } from './reporter.js';

export type Verbosity = 'quiet' | 'normal' | 'verbose';

export class TerminalReporter implements Reporter {
  private readonly color: ChalkInstance;

  constructor(
    private readonly verbosity: Verbosity,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {
    this.color = chalkFor(stream);
  }

  notice(message: string): void {
    if (this.verbosity !== 'quiet') this.stream.write(`${this.color.cyan('oxps:')} ${message}\n`);
  }

  warn(message: string): void {
    this.stream.write(`${this.color.yellow('oxps: warning:')} ${message}\n`);
  }

  verbose(message: string): void {
    if (this.verbosity === 'verbose') this.stream.write(`${this.color.dim(`oxps: ${message}`)}\n`);
  }

  progress(label: string, total: number): Progress {
    if (this.verbosity === 'quiet' || !this.stream.isTTY || total < 2) return { tick: () => undefined, done: () => undefined };
    return new ProgressBar(this.stream, this.color, label, total);
  }
}

class ProgressBar implements Progress {
  private count = 0;
  private lastDraw = 0;

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly color: ChalkInstance,
    private readonly label: string,
    private readonly total: number,
  ) {
    this.draw();
  }

  tick(count = 1): void {
    this.count = Math.min(this.total, this.count + count);
    const now = Date.now();
    if (now - this.lastDraw > 80 || this.count === this.total) this.draw();
  }

  done(): void {
    this.stream.write('\r\x1b[2K');
  }

  private draw(): void {
    this.lastDraw = Date.now();
    const width = Math.max(10, Math.min(40, (this.stream.columns ?? 80) - this.label.length - 20));
    const filled = Math.round((this.count / this.total) * width);
    const bar = this.color.green('█'.repeat(filled)) + this.color.dim('░'.repeat(width - filled));
    this.stream.write(`\r\x1b[2K${this.label} ${bar} ${this.count}/${this.total}`);
  }
}
