// oxps completion bash|zsh|fish — a completion script generated from this very program.
import { Argument, type Command } from 'commander';
import { action, type Runtime } from '../runtime.js';

const SHELLS = ['bash', 'zsh', 'fish'] as const;
type Shell = (typeof SHELLS)[number];

export function registerCompletion(program: Command): void {
  program
    .command('completion')
    .description('print a shell completion script (bash: source <(oxps completion bash))')
    .addArgument(new Argument('<shell>', 'the shell to complete for').choices(SHELLS))
    .action(action((rt: Runtime, shell: Shell) => run(rt, program, shell)));
}

async function run(rt: Runtime, program: Command, shell: Shell): Promise<void> {
  const { completionScript } = await import('../completion/index.js');
  const script = completionScript(program, shell);
  if (rt.output.json) rt.output.result({ shell, script }, () => '');
  else rt.output.text(script);
}
