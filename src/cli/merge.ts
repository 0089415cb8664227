// `tracewall merge -o FILE RECORDING...`: the union of recordings as one merged recording with provenance, and the
// coverage report of its runs.
import fs from 'node:fs';
import path from 'node:path';
import { badInput } from '../errors.js';
import { TOOL_VERSION } from '../version.js';
import { mergeRecordings } from '../analyze/merge.js';
import { writeRecording } from '../recording/io.js';
import { readRecordingsFor } from './read-recordings.js';
import type { Recording } from '../recording/types.js';
import { checkName, nameFrom } from './options.js';
import { reportCoverage } from './coverage.js';
import { count } from '../util/plural.js';

/** Flags of `merge`. */
export interface MergeFlags {
  output?: string;
  name?: string;
  /** Also write the coverage report as JSON here. */
  coverageJson?: string;
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

/** Runs the verb; resolves to 0. Unreadable recordings, two runs of one name and bad flags throw exit-2 errors. */
export async function mergeCommand(
  files: string[],
  opts: MergeFlags,
  stderr: (text: string) => void = (t) => process.stderr.write(t),
): Promise<number> {
  if (opts.output === undefined || opts.output === '')
    throw badInput('merge needs -o FILE: the merged recording to write');
  const name = opts.name !== undefined ? checkName('--name', opts.name) : nameFromOutput(opts.output);
  const outDir = path.dirname(path.resolve(opts.output));
  if (!fs.existsSync(outDir)) throw badInput(`-o ${opts.output}: directory ${outDir} does not exist`);
  if (files.length === 0) throw badInput('merge needs at least one RECORDING');
  const inputs = readRecordingsFor('merge', files).map((recording, i) => ({ recording, label: files[i]! }));
  const merged = mergeRecordings(inputs, { name, toolVersion: TOOL_VERSION });
  writeRecording(opts.output, merged);
  stderr(summary(merged, opts.output));
  reportCoverage([merged], {
    minRuns: 1,
    write: stderr,
    ...(opts.coverageJson === undefined ? {} : { jsonFile: opts.coverageJson }),
  });
  return 0;
}
