// The provenance part of a merge, folded one recording at a time and kept small: runs are numbers (their index in the
// order merged), file accesses are bit masks, each source is kept as its JSON text. What grows with the runs is what
// the merged recording names per run: one (run, value) pair per file and syscall a run had, and the sources; given a
// store to spill to (the CLI's keeps files: util/sorted-spill.ts), those go there in sorted chunks every few runs and
// are read back merged when the merged recording is written, so that memory does not hold them.
import type {
  Abi,
  EndpointFact,
  ProvenanceSource,
  Recording,
  RecordingProvenance,
  SocketFact,
} from '../recording/types.js';
import { ABIS } from '../recording/types.js';
import { sourceOf } from '../recording/provenance.js';
import { byCodeUnit, sortKeysDeep, stableKeyOrder } from '../util/json.js';
import { accessMask } from './access-mask.js';
import type { ChunkStore, SpillOptions } from './spill.js';

export type { SpillOptions } from './spill.js';

export const sockKey = (s: SocketFact) => `${s.family}\0${s.type}\0${s.protocol}`;
export const endKey = (e: EndpointFact) => `${e.family}\0${e.address}\0${e.port}`;
export const VERBS = ['bind', 'connect', 'listen'] as const;

/** The runs merged so far by number, and the orders their names are written in. */
export class RunTable {
  readonly names: string[] = [];
  private readonly index = new Map<string, number>();

  /** The number of a run, if it has one. */
  find(name: string): number | undefined {
    return this.index.get(name);
  }

  /** The number of a run, given it the first time. */
  add(name: string): number {
    const at = this.index.get(name);
    if (at !== undefined) return at;
    this.names.push(name);
    this.index.set(name, this.names.length - 1);
    return this.names.length - 1;
  }
}

/** Run numbers of a fact, in the order they came, each once (a run's facts are added together). */
function addRun(runs: number[], run: number): void {
  if (runs[runs.length - 1] !== run && !runs.includes(run)) runs.push(run);
}

/** Facts with the runs that had them, by key; the last fact of a key is kept, the runs united. */
export class Attributed<T> {
  readonly byKey = new Map<string, { fact: T; runs: number[] }>();
  add(key: string, fact: T, runs: Iterable<number>): void {
    const old = this.byKey.get(key);
    const all = old?.runs ?? [];
    for (const r of runs) addRun(all, r);
    this.byKey.set(key, { fact, runs: all });
  }
}

/** A file of the merge: its merged accesses (-1: only in provenance) and its runs as pairs (run, access mask). */
export interface FileSlot {
  mask: number;
  runs: number[];
}

/**
 * A run's accesses of a file, added to its pairs. Most paths of a fleet are one pod's own: their list is made at its
 * size (a push onto an empty array would reserve room for 17).
 */
function addPair(slot: FileSlot, run: number, mask: number): void {
  if (slot.runs.length === 0) slot.runs = [run, mask];
  else slot.runs.push(run, mask);
}

/** What the merged recording says of its sources as a whole: tracer, kernels, first start, last end. */
export class SourceSummary {
  private readonly tags = new Map<string, number>();
  private readonly votes = new Map<Recording['tracer']['name'], number>();
  private first: Recording['tracer'] | undefined;
  readonly kernels = new Set<string>();
  startedAt = '';
  endedAt = '';

  add(s: ProvenanceSource): void {
    this.first ??= { ...s.tracer };
    const tag = `${s.tracer.name} ${s.tracer.version}`;
    this.tags.set(tag, (this.tags.get(tag) ?? 0) + 1);
    this.votes.set(s.tracer.name, (this.votes.get(s.tracer.name) ?? 0) + 1);
    this.kernels.add(s.kernel);
    if (s.startedAt !== '' && (this.startedAt === '' || byCodeUnit(s.startedAt, this.startedAt) < 0))
      this.startedAt = s.startedAt;
    if (s.endedAt !== '' && byCodeUnit(s.endedAt, this.endedAt) > 0) this.endedAt = s.endedAt;
  }

  /** The tracer of a merge: the one all runs used; when they differ, the one most runs used, with every "name version" listed. */
  tracer(): Recording['tracer'] {
    if (this.tags.size === 1) return { ...this.first! };
    const [name] = [...this.votes.entries()].sort((a, b) => b[1] - a[1] || byCodeUnit(a[0], b[0]))[0]!;
    return { name, version: [...this.tags.keys()].sort(byCodeUnit).join(', ') };
  }
}

/** Two chunks' pairs of one file: accesses united (-1: only in provenance), pairs one after the other. */
const combineFiles = (a: [number, number[]], b: [number, number[]]): [number, number[]] => [
  a[0] < 0 ? b[0] : b[0] < 0 ? a[0] : a[0] | b[0],
  a[1].concat(b[1]),
];
const combinePairs = (a: number[], b: number[]) => a.concat(b);

/** A map's entries in stableKeyOrder, made as they are asked for. */
function* sortedEntries<T, U>(m: ReadonlyMap<string, T>, as: (v: T) => U): Generator<[string, U]> {
  for (const key of stableKeyOrder([...m.keys()])) yield [key, as(m.get(key)!)];
}

/**
 * The provenance part of a merge, folded one recording at a time. The per-run pairs of files and syscalls and the
 * sources are those of the runs since the last spill (all of them without a spill store); read them through
 * fileEntries, callEntries and sourceTexts.
 */
export class ProvenanceFold {
  readonly runs = new RunTable();
  /** The number of sources (runs) added. */
  sourceCount = 0;
  /** The first source's JSON text. */
  firstSource: string | undefined;
  readonly summary = new SourceSummary();
  /** Per ABI and syscall: whether some run made it (a count above 0). */
  readonly callNames = new Map<Abi, Map<string, boolean>>();
  readonly executables = new Map<string, number[]>();
  readonly capabilities = new Map<string, number[]>();
  readonly sockets = new Attributed<SocketFact>();
  readonly endpoints = {
    bind: new Attributed<EndpointFact>(),
    connect: new Attributed<EndpointFact>(),
    listen: new Attributed<EndpointFact>(),
  };
  /** Each source's JSON text (stableJson, unindented), in merge order, since the last spill. */
  private sources: string[] = [];
  /** Per ABI and syscall: pairs (run, count), since the last spill. */
  private calls = new Map<Abi, Map<string, number[]>>();
  /** Per file, since the last spill. */
  private files = new Map<string, FileSlot>();
  private readonly spill:
    | {
        options: SpillOptions;
        files: ChunkStore<[number, number[]]>;
        calls: Map<Abi, ChunkStore<number[]>>;
        sources: ChunkStore<string>;
        pending: number;
      }
    | undefined;

  constructor(spill?: SpillOptions) {
    if (spill !== undefined)
      this.spill = {
        options: spill,
        files: spill.store<[number, number[]]>('files'),
        calls: new Map(ABIS.map((abi) => [abi, spill.store<number[]>(`calls-${abi}`)])),
        sources: spill.store<string>('sources'),
        pending: 0,
      };
  }

  private source(s: ProvenanceSource): number {
    const text = JSON.stringify(sortKeysDeep(s), null, 2);
    this.firstSource ??= text;
    this.sources.push(text);
    this.sourceCount++;
    this.summary.add(s);
    return this.runs.add(s.name);
  }

  private call(abi: Abi, name: string, run: number, count: number): void {
    let m = this.calls.get(abi);
    if (m === undefined) this.calls.set(abi, (m = new Map()));
    const pairs = m.get(name);
    if (pairs === undefined) m.set(name, [run, count]);
    else pairs.push(run, count);
    let names = this.callNames.get(abi);
    if (names === undefined) this.callNames.set(abi, (names = new Map()));
    names.set(name, names.get(name) === true || count > 0);
  }

  /** The slot of a file, made (only in provenance) the first time. */
  file(path: string): FileSlot {
    let slot = this.files.get(path);
    if (slot === undefined) this.files.set(path, (slot = { mask: -1, runs: [] }));
    return slot;
  }

  /** After a recording: every runsPerChunk runs, the pairs and sources so far go to a chunk on disk. */
  endRecording(runs: number): void {
    const spill = this.spill;
    if (spill === undefined) return;
    spill.pending += runs;
    if (spill.pending < spill.options.runsPerChunk) return;
    spill.pending = 0;
    spill.files.write(sortedEntries(this.files, (slot): [number, number[]] => [slot.mask, slot.runs]));
    for (const [abi, m] of this.calls) spill.calls.get(abi)!.write(sortedEntries(m, (pairs) => pairs));
    // Sources keep their order: keyed by their index, which sorts as merge order.
    const base = this.sourceCount - this.sources.length;
    spill.sources.write(this.sources.map((t, i): [string, string] => [String(base + i), t]));
    this.files = new Map();
    this.calls = new Map();
    this.sources = [];
  }

  /** Every file with its merged accesses and pairs, in stableKeyOrder. */
  fileEntries(): Generator<[string, FileSlot]> {
    const memory = sortedEntries(this.files, (slot): [number, number[]] => [slot.mask, slot.runs]);
    const all = this.spill === undefined ? memory : this.spill.files.merged(memory, combineFiles);
    return (function* () {
      for (const [path, [mask, runs]] of all) yield [path, { mask, runs }];
    })();
  }

  /** Every syscall of `abi` some run made, with its pairs, in stableKeyOrder. */
  callEntries(abi: Abi): Iterable<[string, number[]]> {
    const memory = sortedEntries(this.calls.get(abi) ?? new Map<string, number[]>(), (pairs) => pairs);
    return this.spill === undefined ? memory : this.spill.calls.get(abi)!.merged(memory, combinePairs);
  }

  /** Every source's JSON text, in merge order. */
  *sourceTexts(): Generator<string> {
    if (this.spill !== undefined) for (const [, text] of this.spill.sources.merged([], (a) => a)) yield text;
    yield* this.sources;
  }

  private attribute(into: Map<string, number[]>, key: string, run: number): void {
    const runs = into.get(key);
    if (runs === undefined) into.set(key, [run]);
    else addRun(runs, run);
  }

  add(p: RecordingProvenance): void {
    const run = new Map(p.sources.map((s) => [s.name, this.source(s)]));
    const num = (name: string) => run.get(name) ?? this.runs.add(name);
    for (const abi of ABIS)
      for (const [name, byRun] of Object.entries(p.syscalls[abi] ?? {}))
        for (const [r, n] of Object.entries(byRun)) this.call(abi, name, num(r), n);
    for (const [path, byRun] of Object.entries(p.files)) {
      const slot = this.file(path);
      for (const [r, access] of Object.entries(byRun)) addPair(slot, num(r), accessMask(access));
    }
    for (const [k, runs] of Object.entries(p.executables))
      runs.forEach((r) => this.attribute(this.executables, k, num(r)));
    for (const [k, runs] of Object.entries(p.capabilities))
      runs.forEach((r) => this.attribute(this.capabilities, k, num(r)));
    for (const s of p.network.sockets)
      this.sockets.add(sockKey(s), { family: s.family, type: s.type, protocol: s.protocol }, s.recordings.map(num));
    for (const verb of VERBS)
      for (const e of p.network[verb])
        this.endpoints[verb].add(
          endKey(e),
          { family: e.family, address: e.address, port: e.port },
          e.recordings.map(num),
        );
  }

  /** A plain recording: every fact is its own run's. */
  addPlain(r: Recording): void {
    const n = this.source(sourceOf(r));
    for (const abi of ABIS)
      for (const [name, f] of Object.entries(r.syscalls[abi] ?? {})) this.call(abi, name, n, f.count);
    for (const [path, f] of Object.entries(r.files)) addPair(this.file(path), n, accessMask(f.access));
    for (const e of r.executables) this.attribute(this.executables, e.path, n);
    for (const c of r.identity.capabilities) this.attribute(this.capabilities, c.name, n);
    for (const s of r.network.sockets)
      this.sockets.add(sockKey(s), { family: s.family, type: s.type, protocol: s.protocol }, [n]);
    for (const verb of VERBS)
      for (const e of r.network[verb])
        this.endpoints[verb].add(endKey(e), { family: e.family, address: e.address, port: e.port }, [n]);
  }
}
