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
    private readonly clock: () => number = Date.now,
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
    if (this.verbosity === 'quiet' || !this.stream.isTTY || total < 2)
      return { tick: () => undefined, done: () => undefined };
    return new ProgressBar(this.stream, this.color, label, total, this.clock);
  }
}

/** A bar with count, rate and time left, redrawn in place at most every 80 ms. */
class ProgressBar implements Progress {
  private count = 0;
  private lastDraw = 0;
  private readonly started: number;

  constructor(
    private readonly stream: NodeJS.WriteStream,
    private readonly color: ChalkInstance,
    private readonly label: string,
    private readonly total: number,
    private readonly clock: () => number,
  ) {
    this.started = clock();
    this.draw();
  }

  tick(count = 1): void {
    this.count = Math.min(this.total, this.count + count);
    if (this.clock() - this.lastDraw > 80 || this.count === this.total) this.draw();
  }

  done(): void {
    this.stream.write('\r\x1b[2K');
  }

  private draw(): void {
    this.lastDraw = this.clock();
    const status = `${this.count}/${this.total}${this.speed()}`;
    // one line at most: a wrapped line cannot be redrawn in place
    const width = Math.min(40, (this.stream.columns ?? 80) - this.label.length - status.length - 3);
    const bar =
      width >= 10
        ? ` ${this.color.green('█'.repeat(Math.round((this.count / this.total) * width)))}${this.color.dim('░'.repeat(width - Math.round((this.count / this.total) * width)))}`
        : '';
    this.stream.write(`\r\x1b[2K${this.label}${bar} ${status}`);
  }

  /** " · 85/s · 4 s left", once there is something to measure. */
  private speed(): string {
    const seconds = (this.lastDraw - this.started) / 1000;
    if (this.count === 0 || seconds <= 0) return '';
    const rate = this.count / seconds;
    const left = (this.total - this.count) / rate;
    return ` · ${rate >= 10 ? Math.round(rate) : rate.toFixed(1)}/s${this.count < this.total ? ` · ${formatDuration(left)} left` : ''}`;
  }
}

function formatDuration(seconds: number): string {
  if (seconds < 60) return `${Math.ceil(seconds)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}
