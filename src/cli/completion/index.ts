// The completion script of a shell, for a commander program.
import type { Command } from 'commander';
import { commandSpec } from './spec.js';
import { bashScript } from './bash.js';
import { zshScript } from './zsh.js';
import { fishScript } from './fish.js';

export function completionScript(program: Command, shell: 'bash' | 'zsh' | 'fish'): string {
  const spec = commandSpec(program);
  switch (shell) {
    case 'bash':
      return bashScript(spec);
    case 'zsh':
      return zshScript(spec);
    case 'fish':
      return fishScript(spec);
  }
}
