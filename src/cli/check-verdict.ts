// What check's drift means for its exit status (--fail-on LEVEL as in diff), and the names of the profiles a directory
// holds when the one asked for is not there.
import fs from 'node:fs';
import { failingFindings } from '../diff/report.js';
import type { DiffRisk } from '../diff/types.js';
import { byCodeUnit } from '../util/json.js';
import { count } from '../util/plural.js';
import { isDrift, type CheckedFile } from './check-compare.js';

/** What fails the check: drift of any kind, or with `failOn` only what could widen the profile at or above that level. */
export function failingDrift(
  files: readonly CheckedFile[],
  ignoreComments: boolean,
  failOn?: DiffRisk,
): { fails: boolean; below?: string } {
  const drift = files.filter((f) => isDrift(f, ignoreComments));
  if (drift.length === 0) return { fails: false };
  if (failOn === undefined) return { fails: true };
  // A missing file, or a change that could not be rated rule by rule, may hold anything: it always fails.
  const unrated = drift.filter((f) => f.status === 'missing' || (f.status === 'changed' && f.diff === undefined));
  const widening = drift.flatMap((f) => (f.diff ? failingFindings(f.diff, failOn) : []));
  if (unrated.length > 0 || widening.length > 0) return { fails: true };
  return {
    fails: false,
    below: `${count(drift.length, 'file')} drifted, with no widening change at ${failOn} or above`,
  };
}

/** The profile file suffixes check and generate write. */
const SUFFIXES = ['.seccomp.json', '.seccomp.yaml', '.apparmor.yaml', '.apparmor', '.k8s.yaml'];

/** The names of the profiles in `dir` (from their file names), sorted. */
export function profileNamesIn(dir: string): string[] {
  let entries: string[];
  try {
    entries = fs.readdirSync(dir);
  } catch {
    return [];
  }
  const names = new Set<string>();
  for (const e of entries) {
    const suffix = SUFFIXES.find((s) => e.endsWith(s) && e.length > s.length);
    if (suffix) names.add(e.slice(0, -suffix.length));
  }
  return [...names].sort(byCodeUnit);
}
