// The tracewall command line: runs the program (program.ts) and is the only place that exits.
import { CommanderError } from 'commander';
import { TracewallError, ExitCode } from '../errors.js';
import { buildProgram } from './program.js';
import { watchOutput } from './closed-pipe.js';

/** Internal errors (a bug, not the user's input): EX_SOFTWARE of sysexits.h. */
export const INTERNAL_ERROR_EXIT = 70;

/** Run the CLI with argv (without node and script); resolves to the exit code. */
export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (err) {
    // commander has printed its message (or the help) already; help and --version asked for exit 0.
    if (err instanceof CommanderError) return err.exitCode === 0 ? ExitCode.ok : ExitCode.badInput;
    if (err instanceof TracewallError) {
      process.stderr.write(`tracewall: ${err.message}\n`);
      return err.exitCode;
    }
    process.stderr.write(
      `tracewall: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
    );
    return INTERNAL_ERROR_EXIT;
  }
}

watchOutput();
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`tracewall: ${String(err)}\n`);
    process.exitCode = INTERNAL_ERROR_EXIT;
  },
);
