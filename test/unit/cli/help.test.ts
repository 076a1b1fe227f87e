// --help texts name only options that exist: an option's description that says "with --x"
// refers to an option of the same command (or a global one).
import { describe, expect, it } from 'vitest';
import type { Command } from 'commander';
import { buildProgram } from '../../../src/cli/program.js';

function commands(command: Command, path: string[] = []): Array<{ path: string; command: Command }> {
  return [
    { path: path.join(' '), command },
    ...command.commands.flatMap((sub) => commands(sub, [...path, sub.name()])),
  ];
}

describe('--help', () => {
  it('#17.9 option descriptions refer only to options the command has', () => {
    const program = buildProgram('0.0.0-test');
    const global = new Set(program.options.flatMap((o) => [o.long, o.short]));
    for (const { path, command } of commands(program)) {
      const own = new Set([...global, '--help', ...command.options.flatMap((o) => [o.long, o.short])]);
      for (const option of command.options) {
        for (const [mentioned] of option.description.matchAll(/--[a-z][a-z-]*/g)) {
          expect(
            own.has(mentioned),
            `oxps ${path} ${option.long}: "${option.description}" names ${mentioned}`,
          ).toBe(true);
        }
      }
    }
  });
});
