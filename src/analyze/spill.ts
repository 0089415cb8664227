// What a fold (a merge, a coverage report) that keeps per-run facts outside memory is given: a store of sorted chunks.
// The folds stay pure; the CLI passes stores that keep their chunks in files (util/sorted-spill.ts).

/** Chunks of entries sorted by key (byStableKey), kept outside memory (util/sorted-spill.ts keeps them in files). */
export interface ChunkStore<T> {
  /** Adds `entries` (sorted by key) as one chunk. */
  write(entries: Iterable<[string, T]>): void;
  /**
   * Every chunk's entries and then `memory`'s (sorted), merged by key; values of one key combined in that order.
   * `combine` must be associative: a store may combine groups of chunks first.
   */
  merged(memory: Iterable<[string, T]>, combine: (a: T, b: T) => T): Iterable<[string, T]>;
}

/** Lines kept outside memory in the order they were appended (util/sorted-spill.ts keeps them in a file). */
export interface LineLog {
  append(line: string): void;
  /** Every line appended so far, in order (may be read more than once). */
  lines(): Iterable<string>;
}

/** Where a fold spills what it keeps per run (to a store or a log by name), and every how many runs. */
export interface SpillOptions {
  store: <T>(name: string) => ChunkStore<T>;
  log: (name: string) => LineLog;
  runsPerChunk: number;
}
