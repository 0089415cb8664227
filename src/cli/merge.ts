// `tracewall merge [-o FILE] RECORDING...`: the union of recordings as one merged recording with provenance, and the
// coverage report of its runs.
import fs from 'node:fs';
import path from 'node:path';
import { badInput } from '../errors.js';
import { TOOL_VERSION } from '../version.js';
import { mergeRecordings } from '../analyze/merge.js';
import { writeRecording } from '../recording/io.js';
import { readRecordingsFor } from './read-recordings.js';
import { distinctRuns } from './merge-names.js';
import type { Recording } from '../recording/types.js';
import { checkName, nameFrom } from './options.js';
import { convergeRunsFlag, reportCoverage } from './coverage.js';
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

function summary(r: Recording, file: string): string {
  const runs = r.provenance?.sources.map((s) => s.name) ?? [r.name];
  const syscalls = Object.entries(r.syscalls).map(([abi, m]) => count(Object.keys(m ?? {}).length, `${abi} syscall`));
  const facts = [
    count(Object.keys(r.files).length, 'file'),
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
function mergedName(opts: MergeFlags, recordings: readonly Recording[]): string {
  if (opts.name !== undefined) return checkName('--name', opts.name);
  if (opts.output !== undefined && opts.output !== '') return nameFromOutput(opts.output);
  const names = new Set(recordings.flatMap((r) => r.provenance?.sources.map((s) => s.name) ?? [r.name]));
  return names.size === 1 ? [...names][0]! : recordings[0]!.name;
}

/** Runs the verb; resolves to 0. Unreadable recordings, a file given twice and bad flags throw exit-2 errors. */
export async function mergeCommand(
  files: string[],
  opts: MergeFlags,
  stderr: (text: string) => void = (t) => process.stderr.write(t),
): Promise<number> {
  if (files.length === 0) throw badInput('merge needs at least one RECORDING');
  const convergeRuns = convergeRunsFlag(opts.convergeRuns);
  refuseRepeats(files);
  const read = readRecordingsFor('merge', files);
  const name = mergedName(opts, read);
  const output = outputFile(opts, name, files);
  const outDir = path.dirname(path.resolve(output));
  if (!fs.existsSync(outDir)) throw badInput(`-o ${output}: directory ${outDir} does not exist`);
  const distinct = distinctRuns(read.map((recording, i) => ({ recording, file: files[i]! })));
  const inputs = distinct.inputs.map((x) => ({ recording: x.recording, label: x.file }));
  const merged = mergeRecordings(inputs, { name, toolVersion: TOOL_VERSION });
  writeRecording(output, merged);
  stderr(distinct.notes.map((n) => `tracewall: ${n}\n`).join('') + summary(merged, output));
  // The inputs rather than the merge: a merge keeps argument values merged, a plain input knows its own.
  reportCoverage(
    distinct.inputs.map((x) => x.recording),
    {
      minRuns: 1,
      write: stderr,
      ...(convergeRuns === undefined ? {} : { convergeRuns }),
      ...(opts.coverageJson === undefined ? {} : { jsonFile: opts.coverageJson }),
    },
  );
  return 0;
}
