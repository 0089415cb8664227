// The `diff` verb's options and help; its code is loaded only when it runs.
import { Command, Option } from 'commander';
import { DIFF_FORMATS, RISK_LEVELS } from '../choices.js';
import { verbHelp } from '../help-text.js';
import { useColor } from '../color.js';

/** Adds `diff` to the program. */
export function addDiff(program: Command): void {
  program
    .command('diff')
    .description('compare two profiles (seccomp, AppArmor, Kubernetes) or two recordings, rating every change by risk')
    .argument('<old>', 'the old file, or a built-in baseline: docker-default, podman-default')
    .argument('<new>', 'the new file (or a built-in baseline)')
    .addOption(new Option('--format <format>', 'report format').choices(DIFF_FORMATS).default('text'))
    .addOption(
      new Option('--fail-on <level>', 'exit 1 when a widening change is at or above this risk level').choices(
        RISK_LEVELS,
      ),
    )
    .addOption(
      new Option(
        '--min-risk <level>',
        'list only changes at or above this risk level (the summary still counts them all)',
      ).choices(RISK_LEVELS),
    )
    .option('--summary', 'print the summary only, no list of changes')
    .option(
      '--color',
      'colour the text report (default: when stdout is a terminal; FORCE_COLOR=1 forces it, NO_COLOR stops it)',
    )
    .option('--no-color', 'never colour the report')
    .addHelpText('after', verbHelp('diff'))
    .action(async (oldFile: string, newFile: string, opts) => {
      const { diffCommand } = await import('../diff.js');
      process.exitCode = await diffCommand(oldFile, newFile, {
        format: opts.format,
        failOn: opts.failOn,
        minRisk: opts.minRisk,
        summary: opts.summary,
        color: useColor(opts.color),
      });
    });
}
