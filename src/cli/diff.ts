// `tracewall diff OLD NEW [--format text|markdown|json] [--fail-on low|medium|high|critical]`: read both files, compare,
// print the risk-rated report, and fail (exit 1) when a widening change reaches the --fail-on level.
import fs from 'node:fs';
import { badInput, ExitCode } from '../errors.js';
import { fsErrorText } from '../util/fs-error.js';
import { diffTexts } from '../diff/diff.js';
import { DIFF_FORMATS, formatReport } from '../diff/format.js';
import { failingFindings } from '../diff/report.js';
import type { DiffRisk } from '../diff/types.js';
import { oneOf } from './options.js';

/** The levels --fail-on accepts. */
export const FAIL_ON_LEVELS = ['low', 'medium', 'high', 'critical'] as const;

function readText(file: string, role: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw badInput(`${file}: cannot read ${role} file: ${fsErrorText(err)}`, err);
  }
}

/** Where the verb writes: the report to `stdout`, the --fail-on verdict to `stderr` (a seam for tests). */
export interface DiffIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}
const PROCESS_IO: DiffIo = { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) };

/** Runs the verb; resolves to 0, or 1 when --fail-on is reached. Bad files, kinds and flag values throw exit-2 errors. */
export async function diffCommand(
  oldFile: string,
  newFile: string,
  opts: { format: string; failOn?: string; color?: boolean },
  io: DiffIo = PROCESS_IO,
): Promise<number> {
  const format = oneOf('--format', opts.format, DIFF_FORMATS);
  const failOn: DiffRisk | undefined =
    opts.failOn === undefined ? undefined : oneOf('--fail-on', opts.failOn, FAIL_ON_LEVELS);
  const report = diffTexts(readText(oldFile, 'OLD'), oldFile, readText(newFile, 'NEW'), newFile);
  const color = opts.color ?? (process.stdout.isTTY === true && !process.env.NO_COLOR);
  io.stdout(formatReport(report, format, { color: format === 'text' && color }));
  if (failOn === undefined) return ExitCode.ok;
  const failing = failingFindings(report, failOn);
  if (failing.length === 0) return ExitCode.ok;
  io.stderr(
    `tracewall: diff: --fail-on ${failOn} reached: ${failing.length} widening change${failing.length === 1 ? '' : 's'} at ${failOn} or above\n`,
  );
  return ExitCode.checkFailed;
}
