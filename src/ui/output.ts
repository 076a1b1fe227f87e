// Results on stdout: one JSON document with --json, else human text (colour on a TTY only).
import type { ChalkInstance } from 'chalk';
import { chalkFor } from './color.js';

export class Output {
  readonly color: ChalkInstance;
  /** Closes the JSON document being streamed, if one is open, with an error member. */
  private closeOpenStream: ((error: Record<string, unknown>) => void) | undefined;

  constructor(
    readonly json: boolean,
    private readonly stream: NodeJS.WriteStream = process.stdout,
  ) {
    this.color = chalkFor(stream);
  }

  /** Prints a result: `data` as JSON, or what `human` renders. */
  result<T>(data: T, human: (data: T, color: ChalkInstance) => string): void {
    if (this.json) this.write(`${JSON.stringify(data, null, 2)}\n`);
    else {
      const text = human(data, this.color);
      if (text) this.write(text.endsWith('\n') ? text : `${text}\n`);
    }
  }

  /**
   * A JSON document written piece by piece: {...head, [field]: [ items… ]}, for long lists. Until
   * `end`, a failure or an interruption closes it through `abortStream`: stdout stays one document.
   */
  jsonStream(head: Record<string, unknown>, field: string) {
    const prefix = JSON.stringify(head).slice(0, -1);
    this.write(`${prefix}${prefix.length > 1 ? ',' : ''}${JSON.stringify(field)}:[\n`);
    let first = true;
    // once closed (an interruption closes it while the command still runs), nothing more is written
    let closed = false;
    const end = (tail: Record<string, unknown> = {}) => {
      if (closed) return;
      closed = true;
      this.closeOpenStream = undefined;
      const extra = Object.entries(tail)
        .map(([k, v]) => `,${JSON.stringify(k)}:${JSON.stringify(v)}`)
        .join('');
      this.write(`\n]${extra}}\n`);
    };
    this.closeOpenStream = (error) => end({ error });
    return {
      item: (value: unknown) => {
        if (closed) return;
        this.write(`${first ? '' : ',\n'}${JSON.stringify(value)}`);
        first = false;
      },
      end,
    };
  }

  /** Ends the document being streamed, if any, with `"error": error` as its last member. */
  abortStream(error: Record<string, unknown>): void {
    this.closeOpenStream?.(error);
  }

  text(text: string): void {
    this.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  private write(text: string): void {
    this.stream.write(text);
  }
}
