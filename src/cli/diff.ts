// `tracewall diff OLD NEW [--format text|markdown|json] [--fail-on LEVEL] [--min-risk LEVEL] [--summary]`: read both
// files (or built-in baselines), compare, print the risk-rated report, and fail (exit 1) when a widening change reaches
// the --fail-on level.
import fs from 'node:fs';
import { badInput, ExitCode } from '../errors.js';
import { fsErrorText } from '../util/fs-error.js';
import { diffTexts } from '../diff/diff.js';
import { formatReport } from '../diff/format.js';
import { formatJson } from '../diff/format-json.js';
import { failingFindings } from '../diff/report.js';
import type { DiffReport, DiffRisk } from '../diff/types.js';
import { viewReport, type DiffView } from '../diff/view.js';
import { DIFF_FORMATS, RISK_LEVELS } from './choices.js';
import { oneOf } from './options.js';
import { baselineFor } from './baselines.js';
import { count } from '../util/plural.js';
import { useColor } from './color.js';

/** The levels --fail-on accepts. */
export const FAIL_ON_LEVELS = RISK_LEVELS;

/** The text of a file, or of the built-in baseline it names, and the label it is shown under. */
function readSide(arg: string, role: string): { text: string; label: string } {
  const baseline = baselineFor(arg);
  const file = baseline?.file ?? arg;
  try {
    return { text: fs.readFileSync(file, 'utf8'), label: baseline?.label ?? arg };
  } catch (err) {
    throw badInput(`${arg}: cannot read ${role} file: ${fsErrorText(err)}`, err);
  }
}

/** Where the verb writes: the report to `stdout`, the --fail-on verdict to `stderr` (a seam for tests). */
export interface DiffIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}
const PROCESS_IO: DiffIo = { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) };

/** Flags of `diff`. */
export interface DiffFlags {
  format: string;
  failOn?: string;
  /** List only findings at or above this level (the summary counts all). */
  minRisk?: string;
  /** List no findings: the summary only. */
  summary?: boolean;
  color?: boolean;
}

/** The note under a shortened list: how many findings it leaves out, and how to see them. */
function hiddenNote(view: DiffView, hidden: number): string | undefined {
  if (hidden === 0) return undefined;
  if (view.summaryOnly) return `${count(hidden, 'finding')} not listed (--summary)`;
  return `${count(hidden, 'finding')} below ${view.minRisk} not listed (--min-risk ${view.minRisk})`;
}

function render(report: DiffReport, format: (typeof DIFF_FORMATS)[number], view: DiffView, color: boolean): string {
  const shown = viewReport(report, view);
  const listed =
    view.minRisk === undefined && !view.summaryOnly
      ? undefined
      : {
          ...(view.minRisk === undefined ? {} : { minRisk: view.minRisk }),
          ...(view.summaryOnly ? { summaryOnly: true } : {}),
          hidden: shown.hidden,
        };
  if (format === 'json') return formatJson(shown.report, listed);
  const note = hiddenNote(view, shown.hidden);
  const body = formatReport(shown.report, format, { color: format === 'text' && color });
  if (note === undefined) return body;
  return `${body}${format === 'markdown' ? `\n_${note}_\n` : `\n${note}\n`}`;
}

/** Runs the verb; resolves to 0, or 1 when --fail-on is reached. Bad files, kinds and flag values throw exit-2 errors. */
export async function diffCommand(
  oldFile: string,
  newFile: string,
  opts: DiffFlags,
  io: DiffIo = PROCESS_IO,
): Promise<number> {
  const format = oneOf('--format', opts.format, DIFF_FORMATS);
  const failOn: DiffRisk | undefined =
    opts.failOn === undefined ? undefined : oneOf('--fail-on', opts.failOn, FAIL_ON_LEVELS);
  const view: DiffView = {
    ...(opts.minRisk === undefined ? {} : { minRisk: oneOf('--min-risk', opts.minRisk, RISK_LEVELS) }),
    ...(opts.summary ? { summaryOnly: true } : {}),
  };
  const a = readSide(oldFile, 'OLD');
  const b = readSide(newFile, 'NEW');
  const report = diffTexts(a.text, a.label, b.text, b.label);
  const color = opts.color ?? useColor(undefined);
  io.stdout(render(report, format, view, color));
  if (failOn === undefined) return ExitCode.ok;
  const failing = failingFindings(report, failOn);
  if (failing.length === 0) return ExitCode.ok;
  io.stderr(
    `tracewall: diff: --fail-on ${failOn} reached: ${count(failing.length, 'widening change')} at ${failOn} or above\n`,
  );
  return ExitCode.checkFailed;
}
