// The `generate` verb's options and help; its code is loaded only when it runs.
import { Command } from 'commander';
import { verbHelp } from '../help-text.js';
import { addProfileOptions } from './profile-options.js';

/** Adds `generate` to the program. */
export function addGenerate(program: Command): void {
  const cmd = program
    .command('generate')
    .description('render seccomp, AppArmor and Kubernetes policy from one or more recordings')
    .option('-o, --output <dir>', 'directory to write the profiles to (created when missing)', '.');
  addProfileOptions(cmd)
    .option(
      '--coverage-json <file>',
      'also write the coverage report of the runs (what each added, what only one needed) as JSON',
    )
    .option(
      '--converge-runs <k>',
      'the runs have converged when the last K added nothing to the profile of the runs before them (default 3)',
    )
    .argument('<recording...>', 'recording files, in the order the runs were made')
    .addHelpText('after', verbHelp('generate'))
    .action(async (recordings: string[], opts) => {
      const { generateCommand } = await import('../generate.js');
      process.exitCode = await generateCommand(recordings, opts);
    });
}
