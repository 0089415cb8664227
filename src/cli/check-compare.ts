// Comparing the profiles the recordings give with those in a directory: byte for byte, with the risk-rated diff of each change.
import fs from 'node:fs';
import path from 'node:path';
import { badInput, TracewallError } from '../errors.js';
import { fsErrorText } from '../util/fs-error.js';
import { diffTexts } from '../diff/diff.js';
import type { DiffReport } from '../diff/types.js';
import { profileFileNames, type ProfileFile } from './profiles.js';
import { sameButComments } from './check-comments.js';
import { spoSpecAsJson } from './check-spo.js';

/** What became of one profile file: the same bytes, changed, missing from the directory, or there but not generated. */
export type CheckStatus = 'same' | 'changed' | 'missing' | 'extra';

/** One file of a check. */
export interface CheckedFile {
  /** The name inside the profiles directory. */
  file: string;
  status: CheckStatus;
  /** For changed files: the risk-rated diff from the committed file to the regenerated one, when both could be parsed. */
  diff?: DiffReport;
  /** For changed files: true when only comments differ (run names, counts, explanations). */
  commentsOnly?: boolean;
  /** Why a changed file has no diff. */
  note?: string;
}

/** The label of the regenerated side in diffs (ends with the file name, which breaks kind ties). */
export function regeneratedLabel(file: string): string {
  return `(regenerated) ${file}`;
}

function readCommitted(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw badInput(`${file}: cannot read committed profile: ${fsErrorText(err)}`, err);
  }
}

function changed(file: string, committedPath: string, committed: string, expected: string): CheckedFile {
  try {
    const oldSpo = spoSpecAsJson(committed);
    const newSpo = spoSpecAsJson(expected);
    const diff =
      oldSpo !== undefined && newSpo !== undefined
        ? diffTexts(oldSpo, `${committedPath} (spec)`, newSpo, `${regeneratedLabel(file)} (spec)`)
        : diffTexts(committed, committedPath, expected, regeneratedLabel(file));
    return { file, status: 'changed', diff, commentsOnly: sameButComments(committed, expected, file) };
  } catch (err) {
    if (!(err instanceof TracewallError)) throw err;
    return { file, status: 'changed', commentsOnly: false, note: `cannot compare rule by rule: ${err.message}` };
  }
}

/** Each expected file against `dir`, then files of this profile name that `dir` has but the options do not generate. */
export function compareProfiles(dir: string, name: string, expected: readonly ProfileFile[]): CheckedFile[] {
  const out: CheckedFile[] = [];
  for (const f of expected) {
    const committedPath = path.join(dir, f.file);
    const committed = readCommitted(committedPath);
    if (committed === undefined) out.push({ file: f.file, status: 'missing' });
    else if (committed === f.data) out.push({ file: f.file, status: 'same' });
    else out.push(changed(f.file, committedPath, committed, f.data));
  }
  const wanted = new Set(expected.map((f) => f.file));
  for (const file of profileFileNames(name)) {
    if (!wanted.has(file) && fs.existsSync(path.join(dir, file))) out.push({ file, status: 'extra' });
  }
  return out;
}

/** Whether a file counts as drift; with `ignoreComments`, a change of comments only does not. */
export function isDrift(f: CheckedFile, ignoreComments: boolean): boolean {
  if (f.status === 'same') return false;
  if (f.status === 'changed' && ignoreComments && f.commentsOnly === true) return false;
  return true;
}
