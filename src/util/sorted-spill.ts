// Entries keyed by a string, spilled to files in sorted chunks (one chunk per batch of recordings) and read back merged
// by key, so that what grows with the number of recordings (a fleet's per-pod paths, the per-run counts of every
// syscall) lives on disk, not in memory, until the merged recording is written from it.
import fs from 'node:fs';
import path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { byStableKey } from './json.js';
import type { ChunkStore, LineLog, SpillOptions } from '../analyze/spill.js';

/**
 * How much of a chunk file is read at a time, and how much of one is gathered before it is written. Small: a merge
 * holds a block of each chunk it reads, and what it holds while other chunks are read lives long enough for V8 to move
 * it out of its young generation, where it would stay until a full collection.
 */
const BLOCK = 1 << 12;

/**
 * The lines of a file, read a block at a time (the file stays open until the lines are read or given up): each is cut
 * from its block as it is asked for, so a reader holds its block, not the block's lines.
 */
function* fileLines(file: string): Generator<string> {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(BLOCK);
    const decoder = new StringDecoder('utf8');
    let rest = '';
    for (;;) {
      const n = fs.readSync(fd, buf, 0, BLOCK, null);
      if (n === 0) break;
      const text = decoder.write(buf.subarray(0, n));
      let from = 0;
      for (let end = text.indexOf('\n'); end >= 0; end = text.indexOf('\n', from)) {
        yield rest + text.slice(from, end);
        rest = '';
        from = end + 1;
      }
      rest += text.slice(from);
    }
    rest += decoder.end();
    if (rest !== '') yield rest;
  } finally {
    fs.closeSync(fd);
  }
}

/** A chunk's entries, parsed one line at a time. */
function* chunkEntries<T>(file: string): Generator<[string, T]> {
  for (const line of fileLines(file)) yield JSON.parse(line) as [string, T];
}

/**
 * Sorted streams of entries merged into one sorted stream (by byStableKey, the order stableJson writes keys in), the
 * values of one key combined in stream order. Every stream is closed when the merge ends, is given up or fails.
 */
export function* mergeSorted<T>(
  streams: ReadonlyArray<Iterator<[string, T]>>,
  combine: (a: T, b: T) => T,
): Generator<[string, T]> {
  // Index loops, no closures: this runs once per key of every chunk, and what it allocates is the merge's garbage.
  const heads: Array<[string, T] | undefined> = [];
  try {
    for (const s of streams) {
      const r = s.next();
      heads.push(r.done === true ? undefined : r.value);
    }
    for (;;) {
      let key: string | undefined;
      for (let i = 0; i < heads.length; i++) {
        const h = heads[i];
        if (h !== undefined && (key === undefined || byStableKey(h[0], key) < 0)) key = h[0];
      }
      if (key === undefined) return;
      let value: T | undefined;
      for (let i = 0; i < heads.length; i++) {
        const h = heads[i];
        if (h === undefined || h[0] !== key) continue;
        value = value === undefined ? h[1] : combine(value, h[1]);
        const r = streams[i]!.next();
        heads[i] = r.done === true ? undefined : r.value;
      }
      yield [key, value!];
    }
  } finally {
    for (const s of streams) s.return?.();
  }
}

/** The most chunks merged at once: more are first merged a group at a time into larger chunks, as an external sort does. */
const FAN_IN = 16;

/**
 * Chunks of sorted entries in files under a directory the caller owns (and removes): `write` adds one, `merged` reads
 * them all back merged by key, after them the entries still in memory (sorted too). At most `fanIn` chunks are open at
 * once, each with its read buffer: when there are more, `merged` first merges consecutive groups of `fanIn` into one
 * chunk each (the values of a key combined, so `combine` must be associative, as concatenation is), until `fanIn` or
 * fewer are left, so that its memory does not grow with the number of chunks.
 */
export class SortedSpill<T> implements ChunkStore<T> {
  private readonly files: string[] = [];
  /** How many chunk files were made (their names' numbers). */
  private made = 0;

  constructor(
    private readonly dir: string,
    private readonly name: string,
    private readonly fanIn = FAN_IN,
  ) {
    if (!Number.isInteger(fanIn) || fanIn < 2)
      throw new TypeError(`SortedSpill fanIn ${fanIn}: expected an integer of at least 2`);
  }

  /** How many chunks there are now (fewer after `merged` merged groups of them). */
  get chunks(): number {
    return this.files.length;
  }

  /** Writes `entries`, sorted by key, as one chunk (one JSON line per entry). */
  write(entries: Iterable<[string, T]>): void {
    this.files.push(this.chunk(entries));
  }

  /** Every chunk's entries and then `memory`'s (sorted), merged by key; values of one key combined in that order. */
  *merged(memory: Iterable<[string, T]>, combine: (a: T, b: T) => T): Generator<[string, T]> {
    this.compact(combine);
    yield* mergeSorted([...this.files.map((f) => chunkEntries<T>(f)), memory[Symbol.iterator]()], combine);
  }

  /** A new chunk file of `entries` (none, if making them fails). */
  private chunk(entries: Iterable<[string, T]>): string {
    const file = path.join(this.dir, `${this.name}-${this.made++}.jsonl`);
    const fd = fs.openSync(file, 'wx', 0o600);
    let written = false;
    try {
      let batch: string[] = [];
      let size = 0;
      const flush = () => {
        if (batch.length > 0) fs.writeSync(fd, batch.join(''));
        batch = [];
        size = 0;
      };
      for (const e of entries) {
        const line = JSON.stringify(e) + '\n';
        batch.push(line);
        size += line.length;
        if (size >= BLOCK) flush();
      }
      flush();
      written = true;
    } finally {
      fs.closeSync(fd);
      if (!written) fs.rmSync(file, { force: true });
    }
    return file;
  }

  /**
   * While there are more than fanIn chunks, each run of fanIn consecutive ones is merged into one (in their place, so
   * the order of values stays that of the chunks) and the merged ones are removed. A merge already reading them keeps
   * its open files; one not begun reads the new ones.
   */
  private compact(combine: (a: T, b: T) => T): void {
    while (this.files.length > this.fanIn) {
      // Each merged group takes its place in `files` before its chunks go: a failure leaves the store as it stands.
      for (let i = 0; i < this.files.length; i++) {
        const group = this.files.slice(i, i + this.fanIn);
        if (group.length === 1) continue;
        const merged = this.chunk(
          mergeSorted(
            group.map((f) => chunkEntries<T>(f)),
            combine,
          ),
        );
        this.files.splice(i, group.length, merged);
        for (const f of group) fs.unlinkSync(f);
      }
    }
  }
}

/** How many lines a FileLog holds before it appends them to its file. */
const LOG_BATCH = 256;

/** Lines appended to a file under a directory the caller owns (and removes), read back in order. */
export class FileLog implements LineLog {
  private batch: string[] = [];
  private readonly file: string;
  private created = false;

  constructor(dir: string, name: string) {
    this.file = path.join(dir, `${name}.log`);
  }

  append(line: string): void {
    if (line.includes('\n')) throw new Error(`FileLog ${this.file}: a line must not hold a newline`);
    this.batch.push(line + '\n');
    if (this.batch.length >= LOG_BATCH) this.flush();
  }

  private flush(): void {
    if (!this.created) fs.writeFileSync(this.file, '', { flag: 'wx', mode: 0o600 });
    this.created = true;
    if (this.batch.length > 0) fs.appendFileSync(this.file, this.batch.join(''));
    this.batch = [];
  }

  *lines(): Generator<string> {
    this.flush();
    yield* fileLines(this.file);
  }
}

/**
 * SpillOptions whose stores and logs keep their chunks in files under `dir` (the caller's, which it removes); `fanIn`:
 * how many chunks a store merges at once (SortedSpill).
 */
export function fileSpill(dir: string, runsPerChunk: number, fanIn?: number): SpillOptions {
  return {
    store: <T>(name: string) => new SortedSpill<T>(dir, name, fanIn),
    log: (name) => new FileLog(dir, name),
    runsPerChunk,
  };
}
