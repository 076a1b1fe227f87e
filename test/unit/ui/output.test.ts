import { describe, expect, it } from 'vitest';
import { Output } from '../../../src/ui/output.js';

function captured(): { output: Output; text: () => string } {
  let text = '';
  const stream = {
    write: (chunk: string) => ((text += chunk), true),
    isTTY: false,
  } as unknown as NodeJS.WriteStream;
  return { output: new Output(true, stream), text: () => text };
}

describe('a streamed JSON document', () => {
  it('#17.1 an abort closes it with the error as its last member, and nothing is written after', () => {
    const { output, text } = captured();
    const stream = output.jsonStream({ service: 's' }, 'items');
    stream.item({ id: 'a' });
    output.abortStream({ code: 'INTERRUPTED', exitCode: 130 });
    stream.item({ id: 'b' });
    stream.end({ counts: {} });
    output.abortStream({ code: 'INTERNAL' });
    expect(JSON.parse(text())).toEqual({
      service: 's',
      items: [{ id: 'a' }],
      error: { code: 'INTERRUPTED', exitCode: 130 },
    });
  });

  it('#17.1 an abort after the end, or without a stream, writes nothing', () => {
    const { output, text } = captured();
    output.abortStream({ code: 'INTERNAL' });
    expect(text()).toBe('');
    const stream = output.jsonStream({}, 'items');
    stream.end();
    output.abortStream({ code: 'INTERNAL' });
    expect(JSON.parse(text())).toEqual({ items: [] });
  });
});
