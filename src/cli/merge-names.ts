// Runs that share a name (two recordings both made with --name app) are told apart by the files they came from:
// every run of a shared name is renamed NAME.FILE, whatever the order of the inputs, so the result does not depend on it.
import path from 'node:path';
import { renameRuns } from '../recording/rename-runs.js';
import type { Recording } from '../recording/types.js';
import { byCodeUnit } from '../util/json.js';
import { nameFrom } from './options.js';

/** One input of merge: the recording and the file it was read from. */
export interface NamedInput {
  recording: Recording;
  file: string;
}

/** A file's stem as a name part: "runs/a.recording.json" gives "a". */
function stem(file: string): string {
  return nameFrom(path.basename(file).replace(/\.recording\.json$|\.json$/i, ''));
}

/** The runs a recording holds: a merged one's sources, or the plain one itself. */
export function runNames(r: Recording): string[] {
  return r.provenance ? r.provenance.sources.map((s) => s.name) : [r.name];
}

/** New names for the runs of each input (given by their run names and files) (run name to new name), and one line per renamed group. */
export function renamePlan(inputs: ReadonlyArray<{ names: readonly string[]; file: string }>): {
  renames: Array<Map<string, string>>;
  notes: string[];
} {
  const holders = new Map<string, number[]>();
  inputs.forEach((input, i) => {
    for (const name of input.names) holders.set(name, [...(holders.get(name) ?? []), i]);
  });
  const taken = new Set([...holders].filter(([, at]) => at.length === 1).map(([n]) => n));
  const renames = inputs.map(() => new Map<string, string>());
  const notes: string[] = [];
  for (const [name, at] of [...holders].filter(([, at]) => at.length > 1).sort((a, b) => byCodeUnit(a[0], b[0]))) {
    // Files in path order, so that the same files give the same names however they were ordered on the command line.
    const order = [...at].sort((a, b) => byCodeUnit(inputs[a]!.file, inputs[b]!.file) || a - b);
    const given: string[] = [];
    for (const i of order) {
      const base = `${name}.${stem(inputs[i]!.file)}`.slice(0, 60);
      let candidate = base;
      for (let k = 2; taken.has(candidate); k++) candidate = `${base}-${k}`;
      taken.add(candidate);
      renames[i]!.set(name, candidate);
      given.push(`${candidate} (${inputs[i]!.file})`);
    }
    notes.push(`${order.length} runs are named ${JSON.stringify(name)}: told apart as ${given.join(', ')}`);
  }
  return { renames, notes };
}

/** The inputs with runs of shared names renamed, and what was renamed. */
export function distinctRuns(inputs: readonly NamedInput[]): { inputs: NamedInput[]; notes: string[] } {
  const { renames, notes } = renamePlan(inputs.map((x) => ({ names: runNames(x.recording), file: x.file })));
  return {
    inputs: inputs.map((input, i) =>
      renames[i]!.size === 0 ? input : { ...input, recording: renameRuns(input.recording, renames[i]!) },
    ),
    notes,
  };
}
