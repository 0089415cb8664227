// `tracewall check --profiles DIR RECORDING... [--update]`: regenerate the profiles and compare them with the committed
// ones; exit 0 when identical, 1 with the risk-rated diff when not; --update rewrites them (atomically) and exits 0.
import fs from 'node:fs';
import path from 'node:path';
import { badInput, ExitCode } from '../errors.js';
import { fsErrorText } from '../util/fs-error.js';
import { checkOutputDir, makeOutputDir } from './output-dir.js';
import { failingDrift, profileNamesIn } from './check-verdict.js';
import { RISK_LEVELS } from './choices.js';
import { useColor } from './color.js';
import { DIFF_FORMATS } from '../diff/format.js';
import { readRecordingsFor } from './read-recordings.js';
import { writeFilesAtomic } from '../util/atomic.js';
import { oneOf } from './options.js';
import { checkProfileFlags, renderProfiles, type ProfileFile, type ProfileFlags } from './profiles.js';
import { compareProfiles, type CheckedFile } from './check-compare.js';
import { checkCounts, formatCheckReport, type CheckOutcome } from './check-report.js';
import { convergeRunsFlag } from './coverage.js';
import { convergenceGate, convergenceOf, formatConvergence } from './check-converged.js';
import type { CoverageReport } from '../analyze/coverage.js';
import type { Recording } from '../recording/types.js';
import type { DiffFormat } from '../diff/formats.js';

/** Flags of `check`: the profile flags of generate, plus where the committed profiles are and how to report. */
export interface CheckFlags extends ProfileFlags {
  /** The committed profiles; optional with --require-converged (then only the convergence is checked). */
  profiles?: string;
  /** Fail (exit 1) unless the recordings, in the order given, have converged. */
  requireConverged?: boolean;
  /** K: the last K runs must add nothing (default 3). */
  convergeRuns?: string;
  update?: boolean;
  /** Report format: text, markdown or json. */
  report: string;
  /** A change of comments only (run names, counts) is not drift. */
  ignoreComments?: boolean;
  /** Fail only on drift that could widen the profile at or above this risk level (as diff --fail-on). */
  failOn?: string;
  color?: boolean;
}

/** Where the verb writes: the report to `stdout`, what it did to `stderr` (a seam for tests). */
export interface CheckIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}
const PROCESS_IO: CheckIo = { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) };

function profilesDir(dir: string, update: boolean): boolean {
  if (!fs.existsSync(dir)) {
    if (update) return false;
    throw badInput(`--profiles ${dir}: no such directory (pass --update to create it and write the profiles)`);
  }
  checkOutputDir('--profiles', dir);
  return true;
}

function removeExtras(dir: string, extras: readonly CheckedFile[]): void {
  for (const f of extras) {
    try {
      fs.unlinkSync(path.join(dir, f.file));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT')
        throw badInput(`${path.join(dir, f.file)}: cannot remove: ${fsErrorText(err)}`, err);
    }
  }
}

/** Rewrite the files that differ and remove stale ones of this name; says what it did. True when it did anything. */
function rewrite(
  dir: string,
  compared: readonly CheckedFile[],
  expected: readonly ProfileFile[],
  io: CheckIo,
): boolean {
  const stale = compared.filter((f) => f.status !== 'same');
  if (stale.length === 0) return false;
  makeOutputDir('--profiles', dir);
  const names = new Set(stale.map((f) => f.file));
  writeFilesAtomic(
    expected.filter((f) => names.has(f.file)).map((f) => ({ file: path.join(dir, f.file), data: f.data })),
  );
  removeExtras(
    dir,
    stale.filter((f) => f.status === 'extra'),
  );
  const lines = stale.map((f) =>
    f.status === 'extra'
      ? `tracewall: check: removed ${path.join(dir, f.file)}`
      : `tracewall: check: wrote ${path.join(dir, f.file)} (was ${f.status})`,
  );
  io.stderr(lines.join('\n') + '\n');
  return true;
}

/** When no file of the profile is there but others are: name them (a --name that does not match is the usual cause). */
function missingProfile(dir: string, name: string, compared: readonly CheckedFile[], io: CheckIo): void {
  if (!compared.every((f) => f.status === 'missing')) return;
  const others = profileNamesIn(dir).filter((n) => n !== name);
  if (others.length === 0) return;
  io.stderr(
    `tracewall: check: there is no profile ${name} in ${dir}; it holds ${others.join(', ')}: pass --name with one of them, or --update to add ${name}\n`,
  );
}

/** The comparison with the committed profiles in `dir`; resolves to the exit status it alone gives. */
function compareWith(
  dir: string,
  recordings: readonly Recording[],
  opts: CheckFlags & { reportFormat: DiffFormat; convergence?: CoverageReport },
  io: CheckIo,
): number {
  const settings = checkProfileFlags(opts);
  const update = opts.update === true;
  const ignoreComments = opts.ignoreComments === true;
  const failOn = opts.failOn === undefined ? undefined : oneOf('--fail-on', opts.failOn, RISK_LEVELS);
  const exists = profilesDir(dir, update);
  const { name, files: expected, summary } = renderProfiles(recordings, settings);
  const compared: CheckedFile[] = exists
    ? compareProfiles(dir, name, expected)
    : expected.map((f) => ({ file: f.file, status: 'missing' }));

  const updated = update && rewrite(dir, compared, expected, io);

  const outcome: CheckOutcome = {
    profiles: dir,
    name,
    runs: summary.sources,
    files: compared,
    ignoreComments,
    updated,
    ...(opts.convergence === undefined ? {} : { convergence: opts.convergence }),
  };
  const color = opts.reportFormat === 'text' && (opts.color ?? useColor(undefined));
  io.stdout(formatCheckReport(outcome, opts.reportFormat, { color }));
  if (!updated && exists) missingProfile(dir, name, compared, io);
  if (updated) return ExitCode.ok;
  const verdict = failingDrift(compared, ignoreComments, failOn);
  if (!verdict.fails) {
    if (verdict.below !== undefined) io.stderr(`tracewall: check: ${verdict.below} (--fail-on ${failOn})\n`);
    return ExitCode.ok;
  }
  io.stderr(
    `tracewall: check: ${dir} is out of date for profile ${name} (${checkCounts(compared)}); run with --update to rewrite it\n`,
  );
  return ExitCode.checkFailed;
}

/**
 * Runs the verb; resolves to 0 (identical, or rewritten with --update; converged with --require-converged) or 1
 * (drift; not converged). Bad recordings and flags throw exit-2 errors.
 */
export async function checkCommand(files: string[], opts: CheckFlags, io: CheckIo = PROCESS_IO): Promise<number> {
  checkProfileFlags(opts);
  const format = oneOf('--report', opts.report, DIFF_FORMATS);
  const convergeRuns = convergeRunsFlag(opts.convergeRuns);
  const requireConverged = opts.requireConverged === true;
  if (opts.profiles === undefined) {
    if (!requireConverged)
      throw badInput('check needs --profiles DIR (the committed profiles to compare with), or --require-converged');
    if (opts.update === true) throw badInput('--update needs --profiles DIR (where to write the profiles)');
  }
  const recordings = readRecordingsFor('check', files);
  const convergence = requireConverged ? convergenceOf(recordings, convergeRuns) : undefined;
  if (opts.profiles === undefined) {
    io.stdout(formatConvergence(convergence!, format));
    return convergenceGate(convergence!, io.stderr) ? ExitCode.ok : ExitCode.checkFailed;
  }
  const status = compareWith(
    opts.profiles,
    recordings,
    { ...opts, reportFormat: format, ...(convergence ? { convergence } : {}) },
    io,
  );
  if (convergence !== undefined && !convergenceGate(convergence, io.stderr)) return ExitCode.checkFailed;
  return status;
}
