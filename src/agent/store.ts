// The agent's recordings on disk: each container's recording under DIR/NAMESPACE/WORKLOAD/CONTAINER/, and the merged
// recording of every run of that workload's container next to it, updated as each recording comes: the merged file read
// back, the new recording folded in (the merge library: a merge of a merge and a run is the merge of all the runs), and
// written atomically. One write at a time (a queue): memory holds one merged recording and one new one, never the runs.
import fs from 'node:fs';
import { TracewallError } from '../errors.js';
import { RecordingMerger } from '../analyze/merge.js';
import { readRecording, writeRecording } from '../recording/io.js';
import { renameRuns } from '../recording/rename-runs.js';
import type { LostCounts, Recording } from '../recording/types.js';
import {
  boundedName,
  containerDir,
  keyText,
  mergedFile,
  mergedName,
  recordingFile,
  recordingName,
  type WorkloadKey,
} from './layout.js';

/**
 * Runs a merged recording holds before the agent compacts them into one. Each update reads, folds and writes the whole
 * merged recording, whose provenance grows with its runs (measured: 0.3 s and 46 MiB of heap at 100 runs, 0.6 s and
 * 106 MiB at 300); 200 keeps an update under about half a second and 100 MiB.
 */
export const DEFAULT_MAX_MERGED_RUNS = 200;

/** What was written for one recording. */
export interface Stored {
  file: string;
  merged: string;
  /** Runs in the merged recording now. */
  runs: number;
}

/** Totals since the agent started. */
export interface StoreCounts {
  recordingsWritten: number;
  mergesWritten: number;
  failures: number;
  /** Losses of the recordings written (the ebpf tracer's counters). */
  lost: LostCounts;
}

/** The merged recording of `key` as it is on disk, or undefined when there is none yet; a broken one is said and set aside. */
function currentMerge(dir: string, key: WorkloadKey, say: (line: string) => void): Recording | undefined {
  const file = mergedFile(dir, key);
  if (!fs.existsSync(file)) return undefined;
  try {
    return readRecording(file);
  } catch (err) {
    if (!(err instanceof TracewallError)) throw err;
    const aside = `${file}.unreadable-${Date.now()}`;
    fs.renameSync(file, aside);
    say(`${err.message}; moved it to ${aside} and started ${keyText(key)}'s merge again from this recording`);
    return undefined;
  }
}

/**
 * `merged` as one plain run named `name`: its facts, with no per-run provenance (the target of its last run, with a
 * warning saying what it stands for). Folding new runs into this keeps each update's cost bounded by `maxRuns`.
 */
function compacted(merged: Recording, name: string, where: string): Recording {
  const sources = merged.provenance?.sources ?? [];
  const { provenance: _provenance, ...facts } = merged;
  const note = `the agent compacted ${sources.length} runs (${sources[0]?.name ?? ''} to ${sources[sources.length - 1]?.name ?? ''}) into this one run when the merge reached --max-merged-runs; each run's own recording is in ${where}`;
  return {
    ...facts,
    name,
    target: structuredClone(
      sources[sources.length - 1]?.target ?? { kind: 'process', pid: 0, argv: [], exe: '', cwd: '/' },
    ),
    termination: { kind: 'unknown' },
    warnings: [...merged.warnings, note],
  };
}

/** The first n (1, 2, ...) whose file does not exist and whose run name the merge does not have. */
function freeNumber(dir: string, key: WorkloadKey, pod: string, merged: Recording | undefined): number {
  const runs = new Set(merged?.provenance?.sources.map((s) => s.name) ?? (merged ? [merged.name] : []));
  for (let n = 1; ; n++)
    if (!fs.existsSync(recordingFile(dir, key, pod, n)) && !runs.has(recordingName(key, pod, n))) return n;
}

/** Writes recordings and keeps the merged ones up to date, one at a time. */
export class RecordingStore {
  readonly dir: string;
  readonly counts: StoreCounts = {
    recordingsWritten: 0,
    mergesWritten: 0,
    failures: 0,
    lost: { events: 0, processes: 0, strings: 0, paths: 0 },
  };
  readonly #say: (line: string) => void;
  readonly #maxRuns: number;
  #queue: Promise<unknown> = Promise.resolve();

  /** `maxRuns`: a merged recording holding so many runs is compacted into one run before the next is folded in. */
  constructor(dir: string, say: (line: string) => void, maxRuns = DEFAULT_MAX_MERGED_RUNS) {
    this.dir = dir;
    this.#say = say;
    this.#maxRuns = Math.max(2, maxRuns);
  }

  /** Queue `recording` (of `pod`'s container, workload `key`); resolves to what was written, or null when writing failed (said). */
  store(key: WorkloadKey, pod: string, recording: Recording, toolVersion: string): Promise<Stored | null> {
    const next = this.#queue.then(() => this.write(key, pod, recording, toolVersion));
    this.#queue = next.catch(() => undefined);
    return next.catch((err: unknown) => {
      if (!(err instanceof TracewallError)) throw err;
      this.counts.failures++;
      this.#say(`${keyText(key)}: the recording of pod ${pod} was not stored: ${err.message}`);
      return null;
    });
  }

  /** Resolves once everything queued so far is written. */
  drain(): Promise<void> {
    return this.#queue.then(() => undefined);
  }

  private write(key: WorkloadKey, pod: string, recording: Recording, toolVersion: string): Stored {
    fs.mkdirSync(containerDir(this.dir, key), { recursive: true });
    const merged = currentMerge(this.dir, key, this.#say);
    const n = freeNumber(this.dir, key, pod, merged);
    const name = recordingName(key, pod, n);
    const rec = recording.name === name ? recording : renameRuns(recording, new Map([[recording.name, name]]));
    const file = recordingFile(this.dir, key, pod, n);
    writeRecording(file, rec);
    this.counts.recordingsWritten++;
    if (rec.lost)
      for (const k of ['events', 'processes', 'strings', 'paths'] as const) this.counts.lost[k] += rec.lost[k];
    const merger = new RecordingMerger();
    const out = mergedFile(this.dir, key);
    const runs = merged?.provenance?.sources.length ?? 0;
    if (merged && runs >= this.#maxRuns) {
      const stamp = new Date().toISOString().replace(/\D/g, '').slice(0, 14);
      const one = compacted(merged, boundedName(`${mergedName(key)}-until-${stamp}`), containerDir(this.dir, key));
      this.#say(
        `${keyText(key)}: ${out} held ${runs} runs (--max-merged-runs): compacted them into one run, ${one.name}`,
      );
      merger.add({ recording: one, label: out });
    } else if (merged) merger.add({ recording: merged, label: out });
    merger.add({ recording: rec, label: file });
    writeRecording(out, merger.result({ name: mergedName(key), toolVersion }));
    this.counts.mergesWritten++;
    return { file, merged: out, runs: merger.runs };
  }
}
