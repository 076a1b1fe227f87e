// Results on stdout: one JSON document with --json, else human text (colour on a TTY only).
import type { ChalkInstance } from 'chalk';
import { chalkFor } from './color.js';

export class Output {
  readonly color: ChalkInstance;

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

  /** A JSON document written piece by piece: {...head, [field]: [ items… ]}, for long lists. */
  jsonStream(head: Record<string, unknown>, field: string) {
    const prefix = JSON.stringify(head).slice(0, -1);
    this.write(`${prefix}${prefix.length > 1 ? ',' : ''}${JSON.stringify(field)}:[\n`);
    let first = true;
    return {
      item: (value: unknown) => {
        this.write(`${first ? '' : ',\n'}${JSON.stringify(value)}`);
        first = false;
      },
      end: (tail: Record<string, unknown> = {}) => {
        const extra = Object.entries(tail).map(([k, v]) => `,${JSON.stringify(k)}:${JSON.stringify(v)}`).join('');
        this.write(`\n]${extra}}\n`);
      },
    };
  }

  text(text: string): void {
    this.write(text.endsWith('\n') ? text : `${text}\n`);
  }

  private write(text: string): void {
    this.stream.write(text);
  }
}
