// Entries keyed by a string, spilled to files in sorted chunks (one chunk per batch of recordings) and read back merged
// by key, so that what grows with the number of recordings (a fleet's per-pod paths, the per-run counts of every
// syscall) lives on disk, not in memory, until the merged recording is written from it.
import fs from 'node:fs';
import path from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { byStableKey } from './json.js';
import type { ChunkStore, LineLog, SpillOptions } from '../analyze/spill.js';

/** How much of a chunk file is read at a time. */
const BLOCK = 1 << 15;

/** The lines of a file, read a block at a time (the file stays open until the lines are read or given up). */
function* fileLines(file: string): Generator<string> {
  const fd = fs.openSync(file, 'r');
  try {
    const buf = Buffer.allocUnsafe(BLOCK);
    const decoder = new StringDecoder('utf8');
    let rest = '';
    for (;;) {
      const n = fs.readSync(fd, buf, 0, BLOCK, null);
      if (n === 0) break;
      const lines = (rest + decoder.write(buf.subarray(0, n))).split('\n');
      rest = lines.pop()!;
      yield* lines;
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
  const heads: Array<[string, T] | undefined> = [];
  try {
    for (const s of streams) {
      const r = s.next();
      heads.push(r.done === true ? undefined : r.value);
    }
    for (;;) {
      let key: string | undefined;
      for (const h of heads) if (h !== undefined && (key === undefined || byStableKey(h[0], key) < 0)) key = h[0];
      if (key === undefined) return;
      let value: T | undefined;
      heads.forEach((h, i) => {
        if (h === undefined || h[0] !== key) return;
        value = value === undefined ? h[1] : combine(value, h[1]);
        const r = streams[i]!.next();
        heads[i] = r.done === true ? undefined : r.value;
      });
      yield [key, value!];
    }
  } finally {
    for (const s of streams) s.return?.();
  }
}

/**
 * Chunks of sorted entries in files under a directory the caller owns (and removes): `write` adds one, `merged` reads
 * them all back merged by key, after them the entries still in memory (sorted too).
 */
export class SortedSpill<T> implements ChunkStore<T> {
  private readonly files: string[] = [];

  constructor(
    private readonly dir: string,
    private readonly name: string,
  ) {}

  /** Whether any chunk was written. */
  get spilled(): boolean {
    return this.files.length > 0;
  }

  /** Writes `entries`, sorted by key, as one chunk (one JSON line per entry). */
  write(entries: Iterable<[string, T]>): void {
    const file = path.join(this.dir, `${this.name}-${this.files.length}.jsonl`);
    const fd = fs.openSync(file, 'wx', 0o600);
    try {
      let batch: string[] = [];
      const flush = () => {
        if (batch.length > 0) fs.writeSync(fd, batch.join(''));
        batch = [];
      };
      for (const e of entries) {
        batch.push(JSON.stringify(e) + '\n');
        if (batch.length >= 1024) flush();
      }
      flush();
    } finally {
      fs.closeSync(fd);
    }
    this.files.push(file);
  }

  /** Every chunk's entries and then `memory`'s (sorted), merged by key; values of one key combined in that order. */
  merged(memory: Iterable<[string, T]>, combine: (a: T, b: T) => T): Generator<[string, T]> {
    const streams = [...this.files.map((f) => chunkEntries<T>(f)), memory[Symbol.iterator]()];
    return mergeSorted(streams, combine);
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

/** SpillOptions whose stores and logs keep their chunks in files under `dir` (the caller's, which it removes). */
export function fileSpill(dir: string, runsPerChunk: number): SpillOptions {
  return {
    store: <T>(name: string) => new SortedSpill<T>(dir, name),
    log: (name) => new FileLog(dir, name),
    runsPerChunk,
  };
}
