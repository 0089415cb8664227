// The `converge` verb's options and help; its code is loaded only when it runs.
import { Command, Option } from 'commander';
import { CONVERGE_FORMATS } from '../choices.js';
import { verbHelp } from '../help-text.js';

/** Adds `converge` to the program. */
export function addConverge(program: Command): void {
  program
    .command('converge')
    .description(
      'the learning curve of runs made in order: what each added to the profile of the runs before it, and whether the last K added nothing (converged)',
    )
    .addOption(new Option('--format <format>', 'report format').choices(CONVERGE_FORMATS).default('text'))
    .option('--converge-runs <k>', 'converged when the last K runs added nothing (default 3)')
    .argument('<recording...>', 'recording files (plain or merged), in the order the runs were made')
    .addHelpText('after', verbHelp('converge'))
    .action(async (recordings: string[], opts: { format: string; convergeRuns?: string }) => {
      const { convergeCommand } = await import('../converge.js');
      process.exitCode = await convergeCommand(recordings, opts);
    });
}
