// Recordings to one merged Recording: the union of their facts, with a flat provenance section saying which run needed what.
import type {
  Abi,
  CapabilityFact,
  EndpointFact,
  ExecFact,
  FileAccess,
  ProvenanceSource,
  Recording,
  RecordingProvenance,
  SocketFact,
  SyscallFact,
} from '../recording/types.js';
import { RECORDING_SCHEMA_VERSION } from '../recording/types.js';
import { ABIS } from '../recording/types.js';
import { normalizeRecording } from '../recording/normalize.js';
import { sourceOf } from '../recording/provenance.js';
import { badInput } from '../errors.js';
import { byCodeUnit } from '../util/json.js';
import { addArgFact, knownArgs, noArgValues, type ArgValues } from './known-args.js';

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

/** Several values as one: the only one, or all distinct ones sorted and joined. */
function summarize(values: readonly string[]): string {
  return [...new Set(values)].sort(byCodeUnit).join(', ');
}

/** The tracer of a merge: the one all runs used; when they differ, the one most runs used, with every "name version" listed. */
function mergedTracer(sources: readonly ProvenanceSource[]): Recording['tracer'] {
  const tags = sources.map((s) => `${s.tracer.name} ${s.tracer.version}`);
  if (new Set(tags).size === 1) return { ...sources[0]!.tracer };
  const votes = new Map<Recording['tracer']['name'], number>();
  for (const s of sources) votes.set(s.tracer.name, (votes.get(s.tracer.name) ?? 0) + 1);
  const [name] = [...votes.entries()].sort((a, b) => b[1] - a[1] || byCodeUnit(a[0], b[0]))[0]!;
  return { name, version: summarize(tags) };
}

const sockKey = (s: SocketFact) => `${s.family}\0${s.type}\0${s.protocol}`;
const endKey = (e: EndpointFact) => `${e.family}\0${e.address}\0${e.port}`;
const execKey = (e: ExecFact) => `${e.path}\0${e.argv0}\0${e.parent}`;
const VERBS = ['bind', 'connect', 'listen'] as const;

/** Facts with the runs that had them, by key; the last fact of a key is kept, the runs united. */
class Attributed<T> {
  readonly byKey = new Map<string, { fact: T; runs: Set<string> }>();
  add(key: string, fact: T, runs: Iterable<string>): void {
    const old = this.byKey.get(key);
    const all = old?.runs ?? new Set<string>();
    for (const r of runs) all.add(r);
    this.byKey.set(key, { fact, runs: all });
  }
  list(): Array<T & { recordings: string[] }> {
    return [...this.byKey.values()].map(({ fact, runs }) => ({ ...fact, recordings: [...runs] }));
  }
}

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

/** The provenance part of a merge, folded one recording at a time. */
class ProvenanceFold {
  readonly sources: ProvenanceSource[] = [];
  private readonly calls = new Map<Abi, Map<string, Map<string, number>>>();
  private readonly files = new Map<string, Map<string, FileAccess[]>>();
  private readonly executables = new Map<string, Set<string>>();
  private readonly capabilities = new Map<string, Set<string>>();
  private readonly sockets = new Attributed<SocketFact>();
  private readonly endpoints = {
    bind: new Attributed<EndpointFact>(),
    connect: new Attributed<EndpointFact>(),
    listen: new Attributed<EndpointFact>(),
  };

  add(p: RecordingProvenance): void {
    this.sources.push(...p.sources);
    for (const abi of ABIS) {
      for (const [name, byRun] of Object.entries(p.syscalls[abi] ?? {})) {
        const m = this.calls.get(abi) ?? new Map<string, Map<string, number>>();
        this.calls.set(abi, m);
        const runs = m.get(name) ?? new Map<string, number>();
        m.set(name, runs);
        for (const [run, n] of Object.entries(byRun)) runs.set(run, n);
      }
    }
    for (const [path, byRun] of Object.entries(p.files)) {
      const runs = this.files.get(path) ?? new Map<string, FileAccess[]>();
      this.files.set(path, runs);
      for (const [run, access] of Object.entries(byRun)) runs.set(run, access);
    }
    const unite = (into: Map<string, Set<string>>, from: Record<string, string[]>) => {
      for (const [k, runs] of Object.entries(from)) {
        const s = into.get(k) ?? new Set<string>();
        into.set(k, s);
        runs.forEach((r) => s.add(r));
      }
    };
    unite(this.executables, p.executables);
    unite(this.capabilities, p.capabilities);
    for (const s of p.network.sockets)
      this.sockets.add(sockKey(s), { family: s.family, type: s.type, protocol: s.protocol }, s.recordings);
    for (const verb of VERBS)
      for (const e of p.network[verb])
        this.endpoints[verb].add(endKey(e), { family: e.family, address: e.address, port: e.port }, e.recordings);
  }

  /** A plain recording: every fact is its own run's. */
  addPlain(r: Recording): void {
    const n = r.name;
    this.sources.push(sourceOf(r));
    for (const abi of ABIS) {
      const calls = Object.entries(r.syscalls[abi] ?? {});
      if (calls.length === 0) continue;
      const m = this.calls.get(abi) ?? new Map<string, Map<string, number>>();
      this.calls.set(abi, m);
      for (const [name, f] of calls) m.set(name, (m.get(name) ?? new Map<string, number>()).set(n, f.count));
    }
    for (const [path, f] of Object.entries(r.files))
      this.files.set(path, (this.files.get(path) ?? new Map<string, FileAccess[]>()).set(n, f.access));
    for (const e of r.executables) this.executables.set(e.path, (this.executables.get(e.path) ?? new Set()).add(n));
    for (const c of r.identity.capabilities)
      this.capabilities.set(c.name, (this.capabilities.get(c.name) ?? new Set()).add(n));
    for (const s of r.network.sockets)
      this.sockets.add(sockKey(s), { family: s.family, type: s.type, protocol: s.protocol }, [n]);
    for (const verb of VERBS)
      for (const e of r.network[verb])
        this.endpoints[verb].add(endKey(e), { family: e.family, address: e.address, port: e.port }, [n]);
  }

  result(): RecordingProvenance {
    const object = <V, W>(m: Map<string, V>, f: (v: V) => W): Record<string, W> =>
      Object.fromEntries([...m].map(([k, v]) => [k, f(v)]));
    const syscalls: RecordingProvenance['syscalls'] = {};
    for (const [abi, m] of this.calls) syscalls[abi] = object(m, (runs) => Object.fromEntries(runs));
    return {
      sources: this.sources,
      syscalls,
      files: object(this.files, (runs) => Object.fromEntries(runs)),
      executables: object(this.executables, (runs) => [...runs]),
      capabilities: object(this.capabilities, (runs) => [...runs]),
      network: {
        sockets: this.sockets.list(),
        bind: this.endpoints.bind.list(),
        connect: this.endpoints.connect.list(),
        listen: this.endpoints.listen.list(),
      },
    };
  }
}

/**
 * Recordings merged one at a time (add), so that a caller can read, check and fold each and let it go: the result is
 * the same as mergeRecordings of all of them in the same order. Two runs of one name are refused when the second comes.
 */
export class RecordingMerger {
  private readonly seen = new Map<string, string>();
  private readonly prov = new ProvenanceFold();
  private readonly calls = new Map<Abi, Map<string, CallAcc>>();
  private readonly files = new Map<string, Set<FileAccess>>();
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

  /** How many runs were folded in so far. */
  get runs(): number {
    return this.prov.sources.length;
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
      const s = this.files.get(path) ?? new Set<FileAccess>();
      this.files.set(path, s);
      f.access.forEach((a) => s.add(a));
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
  }

  /** Refuse two runs of one name: provenance is keyed by run name and would be ambiguous. */
  private checkDistinct(runs: readonly string[], label: string): void {
    for (const name of runs) {
      const first = this.seen.get(name);
      if (first !== undefined) {
        const where = first === label ? `${label} is given twice` : `${first} and ${label} both hold it`;
        throw badInput(
          `two runs are named ${JSON.stringify(name)}: ${where}; provenance would be ambiguous (record each run with its own --name, or merge only one of them)`,
        );
      }
      this.seen.set(name, label);
    }
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

  /** The merged recording of everything added so far. */
  result(opts: MergeOptions): Recording {
    if (this.runs === 0) throw badInput('no recordings to merge (expected at least one RECORDING)');
    const provenance = this.prov.result();
    const times = (pick: (s: ProvenanceSource) => string) =>
      provenance.sources.map(pick).filter(Boolean).sort(byCodeUnit);
    const started = times((s) => s.startedAt);
    const ended = times((s) => s.endedAt);
    const merged: Recording = {
      schemaVersion: RECORDING_SCHEMA_VERSION,
      name: opts.name,
      tool: { name: 'tracewall', version: opts.toolVersion },
      tracer: mergedTracer(provenance.sources),
      kernel: summarize(provenance.sources.map((s) => s.kernel)),
      arch: 'x86_64',
      target: { kind: 'merge' },
      startedAt: started[0] ?? '',
      endedAt: ended[ended.length - 1] ?? '',
      termination: { kind: 'unknown' },
      warnings: [...this.warnings],
      ...(this.lost ? { lost: { ...this.lost } } : {}),
      syscalls: this.syscalls(),
      files: Object.fromEntries([...this.files].map(([path, s]) => [path, { access: [...s] }])),
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
      provenance,
    };
    return normalizeRecording(merged);
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
