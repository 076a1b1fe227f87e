// Questions to the user, only ever on a TTY: a script without one gets an error naming the
// flag or variable that answers the question instead of a hang.
import { OxpsError } from '../errors.js';

/** Tries allowed for a password typed at a prompt. */
export const PROMPT_TRIES = 3;

export function canPrompt(): boolean {
  return Boolean(process.stdin.isTTY && process.stderr.isTTY);
}

function requireTty(question: string, instead: string): void {
  if (!canPrompt()) throw new OxpsError('NEEDS_TTY', `${question}: no terminal to ask on`, instead);
}

export async function askSecret(question: string, instead: string): Promise<string> {
  requireTty(question, instead);
  const { password } = await import('@inquirer/prompts');
  return password({ message: question, mask: '*' }, { output: process.stderr });
}

export async function askNewSecret(question: string, instead: string): Promise<string> {
  const first = await askSecret(question, instead);
  const second = await askSecret('Repeat it', instead);
  if (first !== second) throw new OxpsError('USAGE', 'the two entries differ', 'run the command again');
  return first;
}

export async function askConfirm(question: string, instead: string): Promise<boolean> {
  requireTty(question, instead);
  const { confirm } = await import('@inquirer/prompts');
  return confirm({ message: question, default: false }, { output: process.stderr });
}
