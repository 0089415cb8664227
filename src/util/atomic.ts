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

/** How much of a pieced text is gathered before it is written. */
const WRITE_BLOCK = 1 << 18;
/** The longest string copied into the block at once: its UTF-8 (at most 3 bytes per UTF-16 unit) always fits. */
const MAX_UNITS = Math.floor(WRITE_BLOCK / 3);

/** Whether UTF-16 unit `c` begins a surrogate pair. */
const isHighSurrogate = (c: number): boolean => c >= 0xd800 && c <= 0xdbff;

/**
 * `pieces`, a pair split between two pieces joined again (each piece is encoded on its own, which would make each half
 * U+FFFD), and the long ones cut into parts of at most MAX_UNITS code units, never inside a surrogate pair.
 */
function* bounded(pieces: Iterable<string>): Generator<string> {
  let carry = '';
  for (const given of pieces) {
    let piece = carry + given;
    carry = '';
    if (piece.length > 0 && isHighSurrogate(piece.charCodeAt(piece.length - 1))) {
      carry = piece.slice(-1);
      piece = piece.slice(0, -1);
    }
    if (piece.length <= MAX_UNITS) {
      yield piece;
      continue;
    }
    for (let from = 0; from < piece.length;) {
      let to = Math.min(from + MAX_UNITS, piece.length);
      if (to < piece.length && isHighSurrogate(piece.charCodeAt(to - 1))) to--;
      yield piece.slice(from, to);
      from = to;
    }
  }
  if (carry !== '') yield carry;
}

/**
 * Writes `pieces` to an open file descriptor, their bytes gathered in one buffer written whenever it is full: no string
 * longer than a piece is made, so the garbage does not grow with the text (a joined batch of pieces would be a large
 * string, allocated outside V8's young generation and kept until the next full collection).
 */
function writePieces(fd: number, pieces: Iterable<string>): void {
  const block = Buffer.allocUnsafe(WRITE_BLOCK);
  let used = 0;
  const flush = () => {
    for (let at = 0; at < used;) at += fs.writeSync(fd, block, at, used - at);
    used = 0;
  };
  for (const piece of bounded(pieces)) {
    // Only a piece that might not fit is measured.
    const free = WRITE_BLOCK - used;
    if (piece.length * 3 > free && Buffer.byteLength(piece) > free) flush();
    used += block.write(piece, used);
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
