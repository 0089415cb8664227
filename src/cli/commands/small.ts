// The `validate` and `merge` verbs' options and help; their code is loaded only when they run.
import { Command } from 'commander';
import { verbHelp } from '../help-text.js';

/** Adds `validate` to the program. */
export function addValidate(program: Command): void {
  program
    .command('validate')
    .description(
      'check seccomp profiles, recordings, AppArmor profiles and Kubernetes YAML (kind recognised from content)',
    )
    .argument('<file...>', 'files to check')
    .option('--strict', 'warnings fail too (exit 1), e.g. a Pod that breaks the Pod Security Standards baseline')
    .addHelpText('after', verbHelp('validate'))
    .action(async (files: string[], opts: { strict?: boolean }) => {
      const { validateCommand } = await import('../validate.js');
      process.exitCode = await validateCommand(files, { strict: opts.strict === true });
    });
}

/** Adds `merge` to the program. */
export function addMerge(program: Command): void {
  program
    .command('merge')
    .description('merge recordings into one, each fact saying which runs needed it; prints what each run added')
    .option(
      '-o, --output <file>',
      'merged recording to write (default: NAME.recording.json, as record writes; never over an input)',
    )
    .option(
      '--name <name>',
      "name of the merged recording (default: -o's file name without .recording.json, else the runs' common name, else the first input's)",
    )
    .option(
      '--coverage-json <file>',
      'also write the coverage report (what each run added, what only one needed) as JSON',
    )
    .option(
      '--converge-runs <k>',
      'the runs have converged when the last K added nothing to the profile of the runs before them (default 3)',
    )
    .argument('<recording...>', 'recording files (plain or merged), in the order the runs were made')
    .addHelpText('after', verbHelp('merge'))
    .action(async (recordings: string[], opts) => {
      const { mergeCommand } = await import('../merge.js');
      process.exitCode = await mergeCommand(recordings, opts);
    });
}
