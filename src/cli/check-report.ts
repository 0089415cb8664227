// The report of `tracewall check` as text, markdown (a pull-request comment) or versioned JSON.
import { formatJson } from '../diff/format-json.js';
import { formatMarkdown, mdCode, mdText } from '../diff/format-markdown.js';
import { formatText } from '../diff/format-text.js';
import type { DiffFormat } from '../diff/format.js';
import { stableJson } from '../util/json.js';
import { isDrift, type CheckedFile, type CheckStatus } from './check-compare.js';
import { visible } from '../util/strings.js';
import type { CoverageReport } from '../analyze/coverage.js';
import { formatConvergenceText, formatCoverageJson } from '../analyze/coverage-format.js';
import { formatCoverageMarkdown } from '../analyze/coverage-markdown.js';

/** Version of the JSON check report; bumped when a field changes meaning. */
export const CHECK_JSON_VERSION = 1;

/** Everything a check found. */
export interface CheckOutcome {
  /** The profiles directory as given. */
  profiles: string;
  name: string;
  /** The runs the profiles were regenerated from, in input order. */
  runs: string[];
  files: CheckedFile[];
  ignoreComments: boolean;
  /** True when --update rewrote the directory. */
  updated: boolean;
  /** With --require-converged: the learning curve of the runs and the verdict, reported after the profiles. */
  convergence?: CoverageReport;
}

/** ok: nothing to do; drift: the directory differs; updated: it differed and --update rewrote it. */
export function checkStatus(o: CheckOutcome): 'ok' | 'drift' | 'updated' {
  if (!o.files.some((f) => isDrift(f, o.ignoreComments))) return 'ok';
  return o.updated ? 'updated' : 'drift';
}

const STATUS_ORDER: readonly CheckStatus[] = ['changed', 'missing', 'extra', 'same'];

/** "1 changed, 1 missing, 1 same" */
export function checkCounts(files: readonly CheckedFile[]): string {
  return STATUS_ORDER.map((s) => [s, files.filter((f) => f.status === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}`)
    .join(', ');
}

function why(f: CheckedFile, dir: string): string {
  switch (f.status) {
    case 'missing':
      return `not in ${dir}`;
    case 'extra':
      return 'not generated with these options (--update removes it)';
    case 'changed':
      if (f.note) return f.note;
      if (f.commentsOnly) return 'only comments differ (run names, counts)';
      return f.diff && f.diff.findings.length === 0
        ? 'differs beyond comments in what the risk-rated diff does not rate (compare the files)'
        : 'rules differ';
    case 'same':
      return 'identical';
  }
}

function showDiff(f: CheckedFile): boolean {
  return f.diff !== undefined && f.diff.findings.length > 0;
}

function headline(o: CheckOutcome): string {
  const status = checkStatus(o);
  const commentsOnly = o.files.some((f) => f.status === 'changed');
  const verdict =
    status === 'ok'
      ? commentsOnly
        ? 'up to date apart from comments'
        : 'up to date'
      : status === 'updated'
        ? 'out of date; rewritten'
        : 'out of date';
  return `tracewall check: ${o.profiles} (profile ${o.name}, from ${o.runs.join(', ')}): ${verdict}: ${checkCounts(o.files)}`;
}

function formatCheckText(o: CheckOutcome, color: boolean): string {
  const out = [visible(headline(o))];
  for (const f of o.files.filter((x) => x.status !== 'same')) {
    out.push('', visible(`${f.status}: ${f.file}: ${why(f, o.profiles)}`));
    if (showDiff(f)) out.push(formatText(f.diff!, { color }).trimEnd());
  }
  if (checkStatus(o) === 'drift')
    out.push('', 'to accept the change, run the same command with --update and commit the profiles');
  if (o.convergence) out.push('', formatConvergenceText(o.convergence).trimEnd());
  return out.join('\n') + '\n';
}

function formatCheckMarkdown(o: CheckOutcome): string {
  const status = checkStatus(o);
  const out = [
    `## tracewall check: ${status === 'ok' ? 'profiles up to date' : 'profiles out of date'}`,
    '',
    `${mdCode(o.profiles)}, profile ${mdCode(o.name)}, regenerated from ${o.runs.map(mdCode).join(', ')}: **${mdText(checkCounts(o.files))}**`,
  ];
  const listed = o.files.filter((x) => x.status !== 'same');
  if (listed.length > 0) {
    out.push('', '| file | status | |', '| --- | --- | --- |');
    for (const f of listed) out.push(`| ${mdCode(f.file)} | ${f.status} | ${mdText(why(f, o.profiles))} |`);
  }
  for (const f of listed) if (showDiff(f)) out.push('', formatMarkdown(f.diff!).trimEnd());
  if (status === 'drift')
    out.push(
      '',
      'To accept the change, run the same `tracewall check` command with `--update` and commit the profiles.',
    );
  if (o.convergence) out.push('', formatCoverageMarkdown(o.convergence).trimEnd());
  return out.join('\n') + '\n';
}

function formatCheckJson(o: CheckOutcome): string {
  return stableJson({
    format: 'tracewall-check',
    formatVersion: CHECK_JSON_VERSION,
    profiles: o.profiles,
    name: o.name,
    runs: o.runs,
    ignoreComments: o.ignoreComments,
    status: checkStatus(o),
    files: o.files.map((f) => ({
      file: f.file,
      status: f.status,
      drift: isDrift(f, o.ignoreComments),
      ...(f.commentsOnly === undefined ? {} : { commentsOnly: f.commentsOnly }),
      ...(f.note === undefined ? {} : { note: f.note }),
      ...(f.diff ? { diff: JSON.parse(formatJson(f.diff)) as unknown } : {}),
    })),
    ...(o.convergence ? { convergence: JSON.parse(formatCoverageJson(o.convergence)) as unknown } : {}),
  });
}

/** The check report in `format`; colour applies to text only. */
export function formatCheckReport(o: CheckOutcome, format: DiffFormat, opts: { color?: boolean } = {}): string {
  switch (format) {
    case 'text':
      return formatCheckText(o, opts.color === true);
    case 'markdown':
      return formatCheckMarkdown(o);
    case 'json':
      return formatCheckJson(o);
  }
}
