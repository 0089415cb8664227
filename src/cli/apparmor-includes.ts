// Reading AppArmor includes from disk for the policy parser: `<magic/path>` from the include directories
// (/etc/apparmor.d by default, as apparmor_parser does), `"path"` as given (relative to the working directory, then the
// include directories); a directory stands for its files, without dotfiles and package-manager leftovers.
import fs from 'node:fs';
import path from 'node:path';
import { badInput } from '../errors.js';
import type { IncludeReader } from '../apparmor/policy.js';

/** Where apparmor_parser looks for `#include <...>` by default. */
export const DEFAULT_INCLUDE_DIR = '/etc/apparmor.d';

const SKIPPED = /(^\.|~$|\.(dpkg-(new|old|dist|bak|remove)|rpm(new|save)|pac(new|save)|orig|rej|swp)$)/;

function readText(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw badInput(`cannot read AppArmor include ${file}: ${(err as Error).message}`, err);
  }
}

function directoryFiles(dir: string): Array<{ file: string; text: string }> {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() && !SKIPPED.test(e.name))
    .map((e) => e.name)
    .sort()
    .map((name) => ({ file: path.join(dir, name), text: readText(path.join(dir, name)) }));
}

/** An include reader over the file system; `hint` is added to "not found" messages. */
export function fileIncludeReader(dirs: readonly string[], cwd: string, hint: string): IncludeReader {
  return (ref) => {
    const candidates = ref.magic
      ? dirs.map((d) => path.join(d, ref.ref))
      : path.isAbsolute(ref.ref)
        ? [ref.ref]
        : [path.resolve(cwd, ref.ref), ...dirs.map((d) => path.join(d, ref.ref))];
    for (const c of candidates) {
      let stat: fs.Stats;
      try {
        stat = fs.statSync(c);
      } catch {
        continue;
      }
      return { files: stat.isDirectory() ? directoryFiles(c) : [{ file: c, text: readText(c) }] };
    }
    return { missing: `looked for ${candidates.join(', ')}${hint ? ` (${hint})` : ''}` };
  };
}
