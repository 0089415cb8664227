// Writing output files so that they are either complete or untouched: temporary file in the same directory, fsync, rename.
import fs from 'node:fs';
import path from 'node:path';
import { badInput, TracewallError } from '../errors.js';

/** Write `data` to `file` atomically; on any failure the old file (if any) is left as it was. */
export function writeFileAtomic(file: string, data: string): void {
  writeFilesAtomic([{ file, data }]);
}

/**
 * Where `file` really is, and whether it is a regular file (or missing) that a rename may replace. A symlink is followed
 * (renaming over it would replace the link, not its target); a device, FIFO or socket (`-o /dev/stdout`, `/dev/null`)
 * is written in place: renaming over it would replace the device node itself.
 */
function targetOf(file: string): { path: string; special: boolean } {
  let real: string;
  try {
    real = fs.realpathSync(file);
  } catch {
    return { path: path.resolve(file), special: false }; // missing (or a dangling link): made new
  }
  const st = fs.statSync(real);
  if (st.isDirectory()) throw badInput(`cannot write ${file}: it is a directory`);
  return { path: real, special: !st.isFile() };
}

/** Write several files so that none is replaced unless all could be written to temporaries first. */
export function writeFilesAtomic(files: ReadonlyArray<{ file: string; data: string }>): void {
  const staged: Array<{ tmp: string; file: string }> = [];
  const special: Array<{ file: string; data: string }> = [];
  let current = '';
  try {
    for (const { file, data } of files) {
      current = file;
      const target = targetOf(file);
      if (target.special) {
        special.push({ file: target.path, data });
        continue;
      }
      const tmp = path.join(
        path.dirname(target.path),
        `.${path.basename(target.path)}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`,
      );
      staged.push({ tmp, file: target.path });
      const fd = fs.openSync(tmp, 'wx', 0o644);
      try {
        fs.writeFileSync(fd, data);
        fs.fsyncSync(fd);
      } finally {
        fs.closeSync(fd);
      }
    }
    for (const { tmp, file } of staged) {
      current = file;
      fs.renameSync(tmp, file);
    }
    for (const { file, data } of special) {
      current = file;
      fs.writeFileSync(file, data);
    }
  } catch (err) {
    for (const { tmp } of staged) {
      try {
        fs.unlinkSync(tmp);
      } catch {
        /* renamed or never made */
      }
    }
    if (err instanceof TracewallError) throw err;
    throw badInput(`cannot write ${current}: ${(err as Error).message}`, err);
  }
}

/** Writes `pieces` to an open file descriptor, gathered into writes of about 1 MiB. */
function writePieces(fd: number, pieces: Iterable<string>): void {
  let buffered: string[] = [];
  let size = 0;
  const flush = () => {
    if (size > 0) fs.writeSync(fd, buffered.join(''));
    buffered = [];
    size = 0;
  };
  for (const piece of pieces) {
    buffered.push(piece);
    size += piece.length;
    if (size >= 1 << 20) flush();
  }
  flush();
}

/**
 * Write the text made of `pieces` (made as they are asked for, so the whole text is never held) to `file` atomically,
 * as writeFileAtomic does; an error while making them leaves the old file (if any) as it was.
 */
export function writeFileAtomicPieces(file: string, pieces: Iterable<string>): void {
  let tmp: string | undefined;
  try {
    const target = targetOf(file);
    if (target.special) {
      const fd = fs.openSync(target.path, 'w');
      try {
        writePieces(fd, pieces);
      } finally {
        fs.closeSync(fd);
      }
      return;
    }
    tmp = path.join(
      path.dirname(target.path),
      `.${path.basename(target.path)}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`,
    );
    const fd = fs.openSync(tmp, 'wx', 0o644);
    try {
      writePieces(fd, pieces);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, target.path);
  } catch (err) {
    if (tmp !== undefined)
      try {
        fs.unlinkSync(tmp);
      } catch {
        /* renamed or never made */
      }
    if (err instanceof TracewallError) throw err;
    throw badInput(`cannot write ${file}: ${(err as Error).message}`, err);
  }
}
