// `tracewall merge [-o FILE] RECORDING...`: the union of recordings as one merged recording with provenance, and the
// coverage report of its runs.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import { badInput } from '../errors.js';
import { TOOL_VERSION } from '../version.js';
import { RecordingMerger } from '../analyze/merge.js';
import { CoverageFold } from '../analyze/coverage.js';
import { renameRuns } from '../recording/rename-runs.js';
import { checkRecordingSchema } from '../recording/io.js';
import { writeFileAtomicPieces } from '../util/atomic.js';
import { fileSpill } from '../util/sorted-spill.js';
import { readRecordingsFor } from './read-recordings.js';
import { renamePlan, runNames } from './merge-names.js';
import type { Recording } from '../recording/types.js';
import { checkName, nameFrom } from './options.js';
import { convergeRunsFlag, printCoverage } from './coverage.js';
import { count } from '../util/plural.js';

/** Flags of `merge`. */
export interface MergeFlags {
  output?: string;
  name?: string;
  /** Also write the coverage report as JSON here. */
  coverageJson?: string;
  /** K: the last K runs must add nothing for the runs to have converged (default 3). */
  convergeRuns?: string;
}

/** The merged recording's name from the output file: "ci.recording.json" and "ci.json" give "ci". */
export function nameFromOutput(file: string): string {
  return nameFrom(path.basename(file).replace(/\.recording\.json$|\.json$/i, ''));
}

function summary(r: Recording, runs: readonly string[], files: number, file: string): string {
  const syscalls = Object.entries(r.syscalls).map(([abi, m]) => count(Object.keys(m ?? {}).length, `${abi} syscall`));
  const facts = [
    count(files, 'file'),
    count(r.executables.length, 'executable'),
    count(r.network.sockets.length, 'socket kind'),
    count(r.identity.capabilities.length, 'capability', 'capabilities'),
  ];
  return (
    [
      `tracewall: merged ${count(runs.length, 'run')} (${runs.join(', ')}) into ${r.name}: ${syscalls.join(', ') || 'no syscalls'}, ${facts.join(', ')}`,
      `tracewall: wrote ${file}`,
    ].join('\n') + '\n'
  );
}

/** The same file given twice would count its run twice: refused. */
function refuseRepeats(files: readonly string[]): void {
  const seen = new Map<string, string>();
  for (const f of files) {
    const key = path.resolve(f);
    const first = seen.get(key);
    if (first !== undefined) throw badInput(`${f}: given twice (as ${first} and ${f}); each run is merged once`);
    seen.set(key, f);
  }
}

/** Where to write: -o, else NAME.recording.json as record writes it, never over one of the inputs. */
function outputFile(opts: MergeFlags, name: string, files: readonly string[]): string {
  if (opts.output !== undefined && opts.output !== '') return opts.output;
  const output = `${name}.recording.json`;
  if (files.some((f) => path.resolve(f) === path.resolve(output)))
    throw badInput(
      `merge would write ${output} (the default, NAME.recording.json), which is one of its inputs; pass -o FILE (or --name NAME) to write elsewhere`,
    );
  return output;
}

/** The merged recording's name: --name, else -o's file name, else the name every run shares, else the first input's. */
function mergedName(opts: MergeFlags, runNames: ReadonlySet<string>, firstName: string): string {
  if (opts.name !== undefined) return checkName('--name', opts.name);
  if (opts.output !== undefined && opts.output !== '') return nameFromOutput(opts.output);
  return runNames.size === 1 ? [...runNames][0]! : firstName;
}

/** Every how many runs the merge's per-run facts go to a chunk in its temporary directory (util/sorted-spill.ts). */
const SPILL_RUNS = 100;

/** Everything merge computes from its inputs, folded one recording at a time. */
interface Folded {
  merger: RecordingMerger;
  coverage: CoverageFold;
  /** Every run name as given (before renaming), and the first input's name. */
  runNames: Set<string>;
  firstName: string;
  notes: string[];
}

/**
 * Reads, checks and folds each input in turn (into the merge and the coverage report), holding none of them. Runs of
 * one name in several inputs are renamed by their files (merge-names.ts), which needs every name first: without
 * `renames`, the fold gives up (undefined) at the first name an earlier input already had, and the caller reads the
 * names and folds again with the plan.
 */
function foldInputs(
  files: readonly string[],
  work: string,
  renames?: ReadonlyArray<Map<string, string>>,
): Folded | undefined {
  const dir = fs.mkdtempSync(path.join(work, 'fold-'));
  const spill = fileSpill(dir, SPILL_RUNS);
  const f: Folded = {
    merger: new RecordingMerger({ spill }),
    coverage: new CoverageFold({ spill }),
    runNames: new Set(),
    firstName: '',
    notes: [],
  };
  for (const [i, file] of files.entries()) {
    let recording = readRecordingsFor('merge', [file])[0]!;
    const names = runNames(recording);
    if (renames === undefined && names.some((n) => f.runNames.has(n))) return undefined;
    if (i === 0) f.firstName = recording.name;
    names.forEach((n) => f.runNames.add(n));
    const rename = renames?.[i];
    if (rename !== undefined && rename.size > 0) recording = renameRuns(recording, rename);
    f.merger.add({ recording, label: file });
    f.coverage.add(recording);
  }
  return f;
}

/** The fold of every input, with runs of shared names told apart (and the notes saying how). */
function foldAll(files: readonly string[], work: string): Folded {
  const once = foldInputs(files, work);
  if (once !== undefined) return once;
  const plan = renamePlan(files.map((file) => ({ names: runNames(readRecordingsFor('merge', [file])[0]!), file })));
  const folded = foldInputs(files, work, plan.renames)!;
  folded.notes = plan.notes;
  return folded;
}

/**
 * Runs the verb; resolves to 0. Unreadable recordings, a file given twice and bad flags throw exit-2 errors. Each input
 * is read, checked and folded in turn, so memory holds the merged result and the coverage facts, not every input.
 */
export async function mergeCommand(
  files: string[],
  opts: MergeFlags,
  stderr: (text: string) => void = (t) => process.stderr.write(t),
): Promise<number> {
  if (files.length === 0) throw badInput('merge needs at least one RECORDING');
  const convergeRuns = convergeRunsFlag(opts.convergeRuns);
  refuseRepeats(files);
  // The fold's live heap is small (~30-60 MiB at 4,000 recordings), but V8 lets the heap grow to 3-5 times that
  // between collections; sized for memory, it collects sooner: peak RSS nearly flat in the number of recordings, for
  // 10-25% more CPU (README, merge at scale). V8 reads the flag when it sizes the heap, so setting it here, in the
  // process that runs this one command, takes effect.
  v8.setFlagsFromString('--optimize-for-size');
  // The per-run facts of the merge wait here, in sorted chunks, until the merged recording is written from them.
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tracewall-merge-'));
  try {
    return mergeIn(work, files, opts, convergeRuns, stderr);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** mergeCommand with its temporary directory `work`. */
function mergeIn(
  work: string,
  files: string[],
  opts: MergeFlags,
  convergeRuns: number | undefined,
  stderr: (text: string) => void,
): number {
  const folded = foldAll(files, work);
  const name = mergedName(opts, folded.runNames, folded.firstName);
  const output = outputFile(opts, name, files);
  const outDir = path.dirname(path.resolve(output));
  if (!fs.existsSync(outDir)) throw badInput(`-o ${output}: directory ${outDir} does not exist`);
  // Written as it is made from the folded state: the merged recording is never held whole.
  const merged = folded.merger.toWrite({ name, toolVersion: TOOL_VERSION }, (skeleton) =>
    checkRecordingSchema(skeleton, 'recording being written'),
  );
  writeFileAtomicPieces(output, merged.pieces());
  stderr(
    folded.notes.map((n) => `tracewall: ${n}\n`).join('') +
      summary(merged.skeleton, merged.runs, merged.files(), output),
  );
  // The inputs rather than the merge: a merge keeps argument values merged, a plain input knows its own.
  const report = folded.coverage.report(convergeRuns === undefined ? {} : { convergeRuns }, { last: true });
  printCoverage(report, {
    minRuns: 1,
    write: stderr,
    ...(opts.coverageJson === undefined ? {} : { jsonFile: opts.coverageJson }),
  });
  return 0;
}
