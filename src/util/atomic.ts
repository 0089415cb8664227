// Writing output files so that they are either complete or untouched: temporary file in the same directory, fsync, rename.
import fs from 'node:fs';
import path from 'node:path';
import { badInput } from '../errors.js';

/** Write `data` to `file` atomically; on any failure the old file (if any) is left as it was. */
export function writeFileAtomic(file: string, data: string): void {
  writeFilesAtomic([{ file, data }]);
}

/** Write several files so that none is replaced unless all could be written to temporaries first. */
export function writeFilesAtomic(files: ReadonlyArray<{ file: string; data: string }>): void {
  const staged: Array<{ tmp: string; file: string }> = [];
  try {
    for (const { file, data } of files) {
      const tmp = path.join(path.dirname(path.resolve(file)), `.${path.basename(file)}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`);
      staged.push({ tmp, file });
      const fd = fs.openSync(tmp, 'wx', 0o644);
      try {
        fs.writeFileSync(fd, data);
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
    }
    for (const { tmp, file } of staged) fs.renameSync(tmp, file);
  } catch (err) {
    for (const { tmp } of staged) {
      try { fs.unlinkSync(tmp); } catch { /* renamed or never made */ }
    }
    const e = err as NodeJS.ErrnoException;
    throw badInput(`cannot write output files: ${e.code ?? ''} ${e.message}`.replace(/\s+/g, ' ').trim(), err);
  }
}
