// The `check` verb's options and help; its code is loaded only when it runs.
import { Command, Option } from 'commander';
import { DIFF_FORMATS, RISK_LEVELS } from '../choices.js';
import { verbHelp } from '../help-text.js';
import { useColor } from '../color.js';
import { addProfileOptions } from './profile-options.js';

/** Adds `check` to the program. */
export function addCheck(program: Command): void {
  const cmd = program
    .command('check')
    .description(
      'regenerate profiles from recordings and compare them with the committed ones (exit 1 with a risk-rated diff on drift); with --require-converged, also fail unless the runs converged',
    )
    .option('--profiles <dir>', 'directory with the committed profiles (required unless --require-converged)')
    .option('--update', 'rewrite the profiles that differ (and remove stale ones of this name) instead of failing')
    .addOption(new Option('--report <format>', 'report format').choices(DIFF_FORMATS).default('text'))
    .option('--ignore-comments', 'do not count a change of comments only (run names, counts) as drift')
    .option(
      '--color',
      'colour the text report (default: when stdout is a terminal; FORCE_COLOR=1 forces it, NO_COLOR stops it)',
    )
    .option('--no-color', 'never colour the report')
    .addOption(
      new Option(
        '--fail-on <level>',
        'exit 1 only for drift that could widen the profile at or above this risk level, as diff --fail-on (a missing file always fails)',
      ).choices(RISK_LEVELS),
    )
    .option(
      '--require-converged',
      'exit 1 unless the recordings, in the order given, converged: the last K runs added nothing to the profile of the runs before them',
    )
    .option('--converge-runs <k>', 'K for --require-converged (default 3)');
  addProfileOptions(cmd)
    .argument('<recording...>', 'recording files')
    .addHelpText('after', verbHelp('check'))
    .action(async (recordings: string[], opts) => {
      const { checkCommand } = await import('../check.js');
      process.exitCode = await checkCommand(recordings, { ...opts, color: useColor(opts.color) });
    });
}
