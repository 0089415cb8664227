// Output directories (generate -o, check --update --profiles): created when missing, as users expect of every tool;
// an existing file of another kind is refused up front, before anything is rendered.
import fs from 'node:fs';
import { badInput } from '../errors.js';
import { fsErrorText } from '../util/fs-error.js';

/** Refuse `dir` when it exists and is not a directory; a missing one is fine (makeOutputDir creates it). */
export function checkOutputDir(flag: string, dir: string): void {
  let st: fs.Stats;
  try {
    st = fs.statSync(dir);
  } catch {
    return;
  }
  if (!st.isDirectory())
    throw badInput(`${flag} takes a directory: ${dir} is ${st.isFile() ? 'a regular file' : 'not a directory'}`);
}

/** Create `dir` and its parents when missing; failures name the directory. */
export function makeOutputDir(flag: string, dir: string): void {
  try {
    fs.mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw badInput(`${flag} ${dir}: cannot create the directory: ${fsErrorText(err)}`, err);
  }
}
