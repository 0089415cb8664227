// The merged recording's bytes written piece by piece from a merge's folded state: the same bytes serializeRecording
// gives for the built recording (stableJson of its normal form), without building it. The small part is written as
// one stableJson document; the parts that grow with the runs (per-file facts, the provenance's sources, syscalls and
// files) are written where that document has a placeholder, one entry at a time.
import type { Abi, Recording } from '../recording/types.js';
import { badInput } from '../errors.js';
import {
  byStableKey,
  stableArrayPieces,
  stableJsonAt,
  stableJsonPieces,
  stableKeyOrder,
  stableObjectPieces,
} from '../util/json.js';
import { maskAccesses } from './access-mask.js';
import type { FileSlot, ProvenanceFold } from './merge-provenance.js';

/** What mergedText writes: the normalised merged recording without its large parts, and the fold holding them. */
export interface MergedParts {
  skeleton: Recording;
  prov: ProvenanceFold;
}

/** A recording that would not be valid, refused as serializeRecording refuses it. */
function invalid(problem: string): Error {
  return badInput(`recording being written: invalid recording: ${problem}`);
}

/** The union of a file's runs' accesses (runs with none do not count). */
function runsUnion(slot: FileSlot): number {
  let union = 0;
  for (let i = 1; i < slot.runs.length; i += 2) union |= slot.runs[i]!;
  return union;
}

/** The merged recording's `files`, checked against their provenance as they are written; `count` gets how many. */
function* filePieces(prov: ProvenanceFold, count: (files: number) => void): Generator<string> {
  let files = 0;
  // A file's text is its accesses': made once per set of accesses.
  const texts = new Map<number, string>();
  const text = (mask: number) => {
    let t = texts.get(mask);
    if (t === undefined) texts.set(mask, (t = stableJsonAt({ access: maskAccesses(mask) }, 2)));
    return t;
  };
  const entries = function* (): Generator<[string, string]> {
    for (const [path, slot] of prov.fileEntries()) {
      const union = runsUnion(slot);
      if (slot.mask < 0) {
        if (union !== 0)
          throw invalid(`provenance names file ${JSON.stringify(path)}, which the recording does not have`);
        continue;
      }
      if (union === 0) throw invalid(`file ${JSON.stringify(path)} has no provenance`);
      if (union !== slot.mask)
        throw invalid(
          `file ${JSON.stringify(path)}: the runs' accesses (${maskAccesses(union).join(', ')}) are not the recording's (${maskAccesses(slot.mask).join(', ')})`,
        );
      files++;
      yield [path, text(slot.mask)];
    }
    count(files);
  };
  yield* stableObjectPieces(entries(), 1);
}

/** Each run's place in stableKeyOrder of the run names: the order stableJson writes an object keyed by them in. */
function runRanks(names: readonly string[]): Int32Array {
  const rank = new Int32Array(names.length);
  names
    .map((_, run) => run)
    .sort((a, b) => byStableKey(names[a]!, names[b]!))
    .forEach((run, at) => (rank[run] = at));
  return rank;
}

/** Runs as the order stableJson writes an object keyed by their names in, and each run's name as a JSON key. */
interface RunOrder {
  names: readonly string[];
  rank: Int32Array;
}

/** Pairs and runs up to this many are ordered by one number each (see runOrder). */
const ORDER_SPAN = 2 ** 26;

/**
 * The pairs (run, value) to write, as indices of pairs: those whose value is kept, in the runs' order, a run's last
 * pair first (it wins, as assigning the pairs to an object in order gives). Ordered as numbers (rank, then the pair
 * from the last) in a typed array, sorted in place: a fact of a fleet's every run orders thousands of pairs, and an
 * array of them on V8's heap would be garbage that lives long enough to grow its young generation.
 */
function runOrder(pairs: ArrayLike<number>, runs: RunOrder, keep: (value: number) => boolean): ArrayLike<number> {
  const n = pairs.length / 2;
  let kept = 0;
  for (let k = 0; k < n; k++) if (keep(pairs[2 * k + 1]!)) kept++;
  if (n >= ORDER_SPAN || runs.names.length >= ORDER_SPAN) {
    const order: number[] = [];
    for (let k = 0; k < n; k++) if (keep(pairs[2 * k + 1]!)) order.push(k);
    return order.sort((a, b) => runs.rank[pairs[2 * a]!]! - runs.rank[pairs[2 * b]!]! || b - a);
  }
  const keys = new Float64Array(kept);
  let at = 0;
  for (let k = 0; k < n; k++)
    if (keep(pairs[2 * k + 1]!)) keys[at++] = runs.rank[pairs[2 * k]!]! * ORDER_SPAN + (ORDER_SPAN - 1 - k);
  keys.sort();
  for (let i = 0; i < kept; i++) keys[i] = ORDER_SPAN - 1 - (keys[i]! % ORDER_SPAN);
  return keys;
}

/** At most how many runs an object keyed by run name is made as one string (most of a fleet's files are one pod's). */
const SHORT = 64;

/**
 * Pairs (run, value) as the stableJson text of an object keyed by run name, `depth` levels deep: one string when it is
 * short, else in pieces (a fact of a fleet's every run would otherwise be one large object and string). Pairs whose
 * value is not kept are left out, a run's last pair winning, as assigning them to an object in order and writing it
 * gives.
 */
function byRun(
  pairs: readonly number[],
  runs: RunOrder,
  keep: (value: number) => boolean,
  text: (value: number) => string,
  depth: number,
): string | Iterable<string> {
  const order = runOrder(pairs, runs, keep);
  if (order.length > SHORT) return byRunPieces(order, pairs, runs, text, depth);
  // stableObjectPieces's text, made here at once (a piece per entry costs more than the entry).
  const pad = '  '.repeat(depth + 1);
  let out = '';
  let previous = -1;
  for (let i = 0; i < order.length; i++) {
    const k = order[i]!;
    const run = pairs[2 * k]!;
    if (run !== previous)
      out += `${out === '' ? '{\n' : ',\n'}${pad}${JSON.stringify(runs.names[run]!)}: ${text(pairs[2 * k + 1]!)}`;
    previous = run;
  }
  return out === '' ? '{}' : `${out}\n${'  '.repeat(depth)}}`;
}

/** byRun's text of a long `order`, made a few hundred entries at a time. */
function* byRunPieces(
  order: ArrayLike<number>,
  pairs: readonly number[],
  runs: RunOrder,
  text: (value: number) => string,
  depth: number,
): Generator<string> {
  const pad = '  '.repeat(depth + 1);
  let batch = '';
  let entries = 0;
  let previous = -1;
  for (let i = 0; i < order.length; i++) {
    const k = order[i]!;
    const run = pairs[2 * k]!;
    if (run !== previous) {
      batch += `${entries === 0 && previous === -1 ? '{\n' : ',\n'}${pad}${JSON.stringify(runs.names[run]!)}: ${text(pairs[2 * k + 1]!)}`;
      if (++entries >= 512) {
        yield batch;
        batch = '';
        entries = 0;
      }
    }
    previous = run;
  }
  if (batch !== '') yield batch;
  yield previous === -1 ? '{}' : `\n${'  '.repeat(depth)}}`;
}

function* provenanceFilePieces(prov: ProvenanceFold): Generator<string> {
  const runs = { names: prov.runs.names, rank: runRanks(prov.runs.names) };
  const texts = new Map<number, string>();
  const text = (mask: number) => {
    let t = texts.get(mask);
    if (t === undefined) texts.set(mask, (t = stableJsonAt(maskAccesses(mask), 4)));
    return t;
  };
  const entries = function* (): Generator<[string, Iterable<string>]> {
    for (const [path, slot] of prov.fileEntries())
      if (runsUnion(slot) !== 0) yield [path, byRun(slot.runs, runs, (mask) => mask !== 0, text, 3)];
  };
  yield* stableObjectPieces(entries(), 2);
}

/** Per ABI and syscall, the runs that made it with how many calls (runs with none left out). */
function* syscallPieces(prov: ProvenanceFold, merged: Recording['syscalls']): Generator<string> {
  const runs = { names: prov.runs.names, rank: runRanks(prov.runs.names) };
  const kept = new Map<Abi, Set<string>>();
  for (const [abi, m] of prov.callNames) {
    const calls = [...m].filter(([, counted]) => counted).map(([name]) => name);
    for (const name of calls)
      if (merged[abi]?.[name] === undefined)
        throw invalid(`provenance names syscall (${abi}) ${name}, which the recording does not have`);
    if (calls.length > 0) kept.set(abi, new Set(calls));
  }
  for (const [abi, facts] of Object.entries(merged))
    for (const name of Object.keys(facts ?? {}))
      if (!(kept.get(abi as Abi)?.has(name) ?? false)) throw invalid(`syscall (${abi}) ${name} has no provenance`);
  const calls = function* (abi: Abi): Generator<[string, Iterable<string>]> {
    const counted = kept.get(abi)!;
    for (const [name, pairs] of prov.callEntries(abi))
      if (counted.has(name)) yield [name, byRun(pairs, runs, (n) => n > 0, String, 4)];
  };
  const abis = stableKeyOrder([...kept.keys()]) as Abi[];
  yield* stableObjectPieces(
    abis.map((abi): [string, Iterable<string>] => [abi, stableObjectPieces(calls(abi), 3)]),
    2,
  );
}

/** The merged recording's text in pieces (each a few entries long), in order; `count` gets the number of files. */
export function* mergedText({ skeleton, prov }: MergedParts, count: (files: number) => void): Generator<string> {
  const tag = `\u0001tracewall-merge-${Math.random().toString(36).slice(2)}-`;
  const holes = new Map<string, () => Iterable<string>>([
    [`${tag}files`, () => filePieces(prov, count)],
    [
      `${tag}sources`,
      () =>
        stableArrayPieces(
          (function* () {
            for (const t of prov.sourceTexts()) yield t.replace(/\n/g, '\n      ');
          })(),
          2,
        ),
    ],
    [`${tag}syscalls`, () => syscallPieces(prov, skeleton.syscalls)],
    [`${tag}provenance-files`, () => provenanceFilePieces(prov)],
  ]);
  const doc = {
    ...skeleton,
    files: `${tag}files`,
    provenance: {
      ...skeleton.provenance!,
      sources: `${tag}sources`,
      syscalls: `${tag}syscalls`,
      files: `${tag}provenance-files`,
    },
  };
  // Walked as stableJson would write it, the holes' pieces where their placeholders are: the skeleton's own lists
  // (which runs had each executable, capability and socket) are never one string either.
  yield* stableJsonPieces(doc, 0, (text) => holes.get(text)?.());
  yield '\n';
}
