// The `reach` verb's options and help; its code is loaded only when it runs.
import { Command, Option } from 'commander';
import { REACH_FORMATS } from '../choices.js';
import { verbHelp } from '../help-text.js';

/** Adds `reach` to the program. */
export function addReach(program: Command): void {
  program
    .command('reach')
    .description(
      'list the syscalls the recorded programs can reach in their code (libraries included) that no run made, rated by risk, with where each is',
    )
    .addOption(new Option('--format <format>', 'report format').choices(REACH_FORMATS).default('text'))
    .argument('<recording...>', 'recording files (their union is what the runs made)')
    .addHelpText('after', verbHelp('reach'))
    .action(async (recordings: string[], opts: { format: string }) => {
      const { reachCommand } = await import('../reach.js');
      process.exitCode = await reachCommand(recordings, opts);
    });
}
