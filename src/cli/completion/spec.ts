// The command tree as the shell completion scripts need it, read from the commander program
// itself, so completions can never drift from the options oxps really takes.
import { Help, type Command, type Option } from 'commander';
import { collect } from '../options.js';

export interface OptionSpec {
  short?: string;
  long?: string;
  description: string;
  /** The option is followed by a value (`--node <node>`). */
  takesValue: boolean;
  valueName?: string;
  choices?: string[];
  /** The value names a file (`<file>`). */
  file: boolean;
  /** The values are asked of `oxps __complete KIND WORD…` at completion time (profile or node names). */
  words?: 'profiles' | 'nodes';
  repeatable: boolean;
}

export interface ArgumentSpec {
  name: string;
  choices?: string[];
  file: boolean;
  variadic: boolean;
}

export interface CommandSpec {
  /** Words from the program to this command: [] for the program, ['secret', 'share'] … */
  path: string[];
  description: string;
  options: OptionSpec[];
  args: ArgumentSpec[];
  subcommands: CommandSpec[];
}

export function commandSpec(command: Command, path: string[] = []): CommandSpec {
  const help = new Help();
  return {
    path,
    description: command.description(),
    options: help.visibleOptions(command).map(optionSpec),
    args: command.registeredArguments.map((a) => ({
      name: a.name(),
      choices: a.argChoices,
      file: a.name() === 'file',
      variadic: a.variadic,
    })),
    // commander's implicit `help` command is left out: `-h` is offered instead
    subcommands: command.commands
      .filter((c) => !(c as unknown as { _hidden: boolean })._hidden)
      .map((c) => commandSpec(c, [...path, c.name()])),
  };
}

function optionSpec(option: Option): OptionSpec {
  const valueName = /[<[]([^>\]]+)[>\]]/.exec(option.flags)?.[1];
  return {
    ...(option.short ? { short: option.short } : {}),
    ...(option.long ? { long: option.long } : {}),
    description: option.description,
    takesValue: option.required || option.optional,
    ...(valueName ? { valueName } : {}),
    ...(option.argChoices ? { choices: option.argChoices } : {}),
    file: valueName === 'file',
    ...(option.long === '--profile'
      ? { words: 'profiles' as const }
      : option.long === '--node'
        ? { words: 'nodes' as const }
        : {}),
    repeatable: option.variadic || option.parseArg === (collect as unknown),
  };
}

/** Every command below the program (groups and leaves), depth first. */
export function allCommands(spec: CommandSpec): CommandSpec[] {
  return spec.subcommands.flatMap((c) => [c, ...allCommands(c)]);
}

/** The options valid at a command: its own, then the program's (commander takes those anywhere). */
export function optionsAt(command: CommandSpec, program: CommandSpec): OptionSpec[] {
  if (command === program) return program.options;
  const own = new Set(command.options.flatMap(flags));
  return [...command.options, ...program.options.filter((o) => !flags(o).some((f) => own.has(f)))];
}

export function flags(option: OptionSpec): string[] {
  return [option.short, option.long].filter((f): f is string => f !== undefined);
}

/** Flags that take a value somewhere in the tree (so the word after them is not a command). */
export function valueFlags(program: CommandSpec): string[] {
  const all = [program, ...allCommands(program)].flatMap((c) =>
    c.options.filter((o) => o.takesValue).flatMap(flags),
  );
  return [...new Set(all)];
}
