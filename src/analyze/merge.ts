// Recordings to one merged Recording: the union of their facts, with a flat provenance section saying which run needed what.
import type {
  Abi,
  CapabilityFact,
  EndpointFact,
  ExecFact,
  Recording,
  RecordingProvenance,
  SocketFact,
  SyscallFact,
} from '../recording/types.js';
import { RECORDING_SCHEMA_VERSION } from '../recording/types.js';
import { ABIS } from '../recording/types.js';
import { normalizeRecording } from '../recording/normalize.js';
import { badInput } from '../errors.js';
import { byCodeUnit } from '../util/json.js';
import { addArgFact, knownArgs, noArgValues, type ArgValues } from './known-args.js';
import { accessMask, maskAccesses } from './access-mask.js';
import { endKey, ProvenanceFold, sockKey, VERBS, type SpillOptions } from './merge-provenance.js';
import { mergedText, type MergedParts } from './merge-text.js';

/** A recording to merge and the label (usually its file) that names it in messages. */
export interface MergeInput {
  recording: Recording;
  label: string;
}

/** Options of mergeRecordings: the merged recording's name and the tool version to stamp on it. */
export interface MergeOptions {
  name: string;
  toolVersion: string;
}

const execKey = (e: ExecFact) => `${e.path}\0${e.argv0}\0${e.parent}`;

interface CallAcc extends ArgValues {
  count: number;
  failed: number;
}

/** A syscall fact folded into its accumulator: counts summed, argument values united with how many facts knew them. */
function foldCall(acc: CallAcc | undefined, f: SyscallFact): CallAcc {
  const a = acc ?? { count: 0, failed: 0, ...noArgValues() };
  a.count += f.count;
  a.failed += f.failed;
  addArgFact(a, f.args);
  return a;
}

/** Run numbers as names, in the order they came (normalising sorts them). */
const named = (names: readonly string[], runs: readonly number[]) => runs.map((r) => names[r]!);

/**
 * Recordings merged one at a time (add), so that a caller can read, check and fold each and let it go: the result is
 * the same as mergeRecordings of all of them in the same order. Two runs of one name are refused when the second comes.
 * What is kept is the merged facts and, per fact, the runs that had it as numbers (merge-provenance.ts); `text` writes
 * the merged recording piece by piece from that, without building it.
 */
export class RecordingMerger {
  /** The label of the input that brought each run (by run number). */
  private readonly labels: string[] = [];
  private readonly prov: ProvenanceFold;
  private readonly calls = new Map<Abi, Map<string, CallAcc>>();
  private readonly warnings = new Set<string>();
  private lost: NonNullable<Recording['lost']> | undefined;
  private readonly executables = new Map<string, ExecFact>();
  private readonly sockets = new Map<string, SocketFact>();
  private readonly endpoints = {
    bind: new Map<string, EndpointFact>(),
    connect: new Map<string, EndpointFact>(),
    listen: new Map<string, EndpointFact>(),
  };
  private readonly uids = new Set<number>();
  private readonly gids = new Set<number>();
  private readonly changes = new Set<string>();
  private readonly capabilities = new Map<string, Set<string>>();

  /**
   * With `spill`, the per-run pairs of files and syscalls and the sources go to sorted chunks in its store every
   * runsPerChunk runs, so that memory does not grow with the number of runs for them; the result is the same.
   */
  constructor(opts: { spill?: SpillOptions } = {}) {
    this.prov = new ProvenanceFold(opts.spill);
  }

  /** How many runs were folded in so far. */
  get runs(): number {
    return this.prov.sourceCount;
  }

  add(input: MergeInput): void {
    const r = input.recording;
    this.checkDistinct(r.provenance ? r.provenance.sources.map((s) => s.name) : [r.name], input.label);
    if (r.provenance) this.prov.add(r.provenance);
    else this.prov.addPlain(r);
    for (const abi of ABIS) {
      const m = this.calls.get(abi) ?? new Map<string, CallAcc>();
      for (const [name, f] of Object.entries(r.syscalls[abi] ?? {})) m.set(name, foldCall(m.get(name), f));
      if (m.size > 0) this.calls.set(abi, m);
    }
    for (const [path, f] of Object.entries(r.files)) {
      const slot = this.prov.file(path);
      slot.mask = Math.max(slot.mask, 0) | accessMask(f.access);
    }
    for (const w of r.warnings) this.warnings.add(r.provenance ? w : `${r.name}: ${w}`);
    if (r.lost) {
      const l = (this.lost ??= { events: 0, processes: 0, strings: 0, paths: 0 });
      for (const k of ['events', 'processes', 'strings', 'paths'] as const) l[k] += r.lost[k];
    }
    for (const e of r.executables) this.executables.set(execKey(e), { ...e });
    for (const s of r.network.sockets) this.sockets.set(sockKey(s), { ...s });
    for (const verb of VERBS) for (const e of r.network[verb]) this.endpoints[verb].set(endKey(e), { ...e });
    r.identity.uids.forEach((u) => this.uids.add(u));
    r.identity.gids.forEach((g) => this.gids.add(g));
    r.identity.changes.forEach((c) => this.changes.add(c));
    for (const c of r.identity.capabilities) {
      const s = this.capabilities.get(c.name) ?? new Set<string>();
      this.capabilities.set(c.name, s);
      c.reasons.forEach((x) => s.add(x));
    }
    this.prov.endRecording(r.provenance ? r.provenance.sources.length : 1);
  }

  /** Refuse two runs of one name: provenance is keyed by run name and would be ambiguous. */
  private checkDistinct(runs: readonly string[], label: string): void {
    const here = new Set<string>();
    for (const name of runs) {
      const at = this.prov.runs.find(name);
      const first = here.has(name) ? label : at === undefined ? undefined : this.labels[at];
      if (first !== undefined) {
        const where = first === label ? `${label} is given twice` : `${first} and ${label} both hold it`;
        throw badInput(
          `two runs are named ${JSON.stringify(name)}: ${where}; provenance would be ambiguous (record each run with its own --name, or merge only one of them)`,
        );
      }
      here.add(name);
    }
    for (let i = 0; i < runs.length; i++) this.labels.push(label);
  }

  /** Per ABI and name: counts and failures summed; an argument key kept only when every recording making the call knew it. */
  private syscalls(): Recording['syscalls'] {
    const out: Recording['syscalls'] = {};
    for (const [abi, m] of this.calls) {
      const merged: Record<string, SyscallFact> = {};
      for (const [name, a] of m) {
        const fact: SyscallFact = { count: a.count, failed: a.failed };
        const known = knownArgs(a);
        if (known.length > 0) fact.args = Object.fromEntries(known.map(([k, v]) => [k, [...v]]));
        merged[name] = fact;
      }
      out[abi] = merged;
    }
    return out;
  }

  /** The small provenance sections (executables, capabilities, network) with run names. */
  private smallProvenance(): Omit<RecordingProvenance, 'sources' | 'syscalls' | 'files'> {
    const names = this.prov.runs.names;
    const object = (m: Map<string, number[]>) => Object.fromEntries([...m].map(([k, runs]) => [k, named(names, runs)]));
    const list = <T>(a: { byKey: Map<string, { fact: T; runs: number[] }> }) =>
      [...a.byKey.values()].map(({ fact, runs }) => ({ ...fact, recordings: named(names, runs) }));
    return {
      executables: object(this.prov.executables),
      capabilities: object(this.prov.capabilities),
      network: {
        sockets: list(this.prov.sockets),
        bind: list(this.prov.endpoints.bind),
        connect: list(this.prov.endpoints.connect),
        listen: list(this.prov.endpoints.listen),
      },
    };
  }

  /** The merged recording without its per-file facts and its provenance's sources, syscalls and files (normalised). */
  private skeleton(opts: MergeOptions): Recording {
    if (this.runs === 0) throw badInput('no recordings to merge (expected at least one RECORDING)');
    const summary = this.prov.summary;
    return normalizeRecording({
      schemaVersion: RECORDING_SCHEMA_VERSION,
      name: opts.name,
      tool: { name: 'tracewall', version: opts.toolVersion },
      tracer: summary.tracer(),
      kernel: [...summary.kernels].sort(byCodeUnit).join(', '),
      arch: 'x86_64',
      target: { kind: 'merge' },
      startedAt: summary.startedAt,
      endedAt: summary.endedAt,
      termination: { kind: 'unknown' },
      warnings: [...this.warnings],
      ...(this.lost ? { lost: { ...this.lost } } : {}),
      syscalls: this.syscalls(),
      files: {},
      executables: [...this.executables.values()],
      network: {
        sockets: [...this.sockets.values()],
        bind: [...this.endpoints.bind.values()],
        connect: [...this.endpoints.connect.values()],
        listen: [...this.endpoints.listen.values()],
      },
      identity: {
        uids: [...this.uids],
        gids: [...this.gids],
        changes: [...this.changes],
        capabilities: [...this.capabilities].map(([name, reasons]): CapabilityFact => ({
          name,
          reasons: [...reasons],
        })),
      },
      provenance: { sources: [], syscalls: {}, files: {}, ...this.smallProvenance() },
    });
  }

  private parts(opts: MergeOptions): MergedParts {
    return { skeleton: this.skeleton(opts), prov: this.prov };
  }

  /**
   * The merged recording to write, made from the folded state as it is written: its small part (`skeleton`: no
   * per-file facts, no provenance sources, syscalls or files; `check` gets it with the first source, for the caller to
   * validate), its run names and number of files, and `pieces`, the bytes serializeRecording gives for `result`, made
   * one entry at a time as they are asked for (the per-file and per-syscall provenance checked as they are made).
   */
  toWrite(
    opts: MergeOptions,
    check: (skeleton: Recording) => void,
  ): { skeleton: Recording; runs: readonly string[]; files: () => number; pieces: () => Iterable<string> } {
    const parts = this.parts(opts);
    const first = JSON.parse(this.prov.firstSource!) as RecordingProvenance['sources'][number];
    check({ ...parts.skeleton, provenance: { ...parts.skeleton.provenance!, sources: [first] } });
    let written: number | undefined;
    const files = () => {
      if (written === undefined) {
        written = 0;
        for (const [, slot] of this.prov.fileEntries()) if (slot.mask >= 0) written++;
      }
      return written;
    };
    const pieces = () => mergedText(parts, (n) => (written = n));
    return { skeleton: parts.skeleton, runs: this.prov.runs.names, files, pieces };
  }

  /** The merged recording of everything added so far. */
  result(opts: MergeOptions): Recording {
    const { skeleton } = this.parts(opts);
    const names = this.prov.runs.names;
    const files: Recording['files'] = {};
    const provFiles: RecordingProvenance['files'] = {};
    for (const [path, slot] of this.prov.fileEntries()) {
      if (slot.mask >= 0) files[path] = { access: maskAccesses(slot.mask) };
      const byRun: Record<string, ReturnType<typeof maskAccesses>> = {};
      for (let i = 0; i < slot.runs.length; i += 2) byRun[names[slot.runs[i]!]!] = maskAccesses(slot.runs[i + 1]!);
      provFiles[path] = byRun;
    }
    const provCalls: RecordingProvenance['syscalls'] = {};
    for (const abi of this.prov.callNames.keys()) {
      const calls: Record<string, Record<string, number>> = {};
      for (const [name, pairs] of this.prov.callEntries(abi)) {
        const byRun: Record<string, number> = {};
        for (let i = 0; i < pairs.length; i += 2) byRun[names[pairs[i]!]!] = pairs[i + 1]!;
        calls[name] = byRun;
      }
      provCalls[abi] = calls;
    }
    const sources = [...this.prov.sourceTexts()].map((t) => JSON.parse(t) as RecordingProvenance['sources'][number]);
    return normalizeRecording({
      ...skeleton,
      files,
      provenance: { ...skeleton.provenance!, sources, syscalls: provCalls, files: provFiles },
    });
  }
}

/**
 * Merge recordings (plain or merged) into one merged recording. Facts are the union; provenance is flat (a merge of
 * merges lists the original runs). Input order decides only the order of provenance.sources; everything else is sorted.
 * Two runs with the same name are refused (exit 2, naming both inputs). The same as folding them into a
 * RecordingMerger one at a time.
 */
export function mergeRecordings(inputs: readonly MergeInput[], opts: MergeOptions): Recording {
  const merger = new RecordingMerger();
  for (const input of inputs) merger.add(input);
  return merger.result(opts);
}
