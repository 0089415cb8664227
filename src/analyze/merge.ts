// Recordings to one merged Recording: the union of their facts, with a flat provenance section saying which run needed what.
import type { Abi, ProvenanceSource, Recording, RecordingProvenance, SyscallFact } from '../recording/types.js';
import { ABIS, RECORDING_SCHEMA_VERSION } from '../recording/types.js';
import { normalizeRecording } from '../recording/normalize.js';
import { provenanceOf } from '../recording/provenance.js';
import { badInput } from '../errors.js';
import { byCodeUnit } from '../util/json.js';

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

/** Refuse two runs of one name: provenance is keyed by run name and would be ambiguous. */
function checkDistinctRuns(inputs: readonly MergeInput[], provs: readonly RecordingProvenance[]): void {
  const seen = new Map<string, string>();
  provs.forEach((p, i) => {
    const label = inputs[i]!.label;
    for (const s of p.sources) {
      const first = seen.get(s.name);
      if (first !== undefined) {
        const where = first === label ? `${label} is given twice` : `${first} and ${label} both hold it`;
        throw badInput(
          `two runs are named ${JSON.stringify(s.name)}: ${where}; provenance would be ambiguous (record each run with its own --name, or merge only one of them)`,
        );
      }
      seen.set(s.name, label);
    }
  });
}

/** Per ABI and name: counts and failures summed; an argument key kept only when every recording making the call knew it. */
function mergeSyscalls(recordings: readonly Recording[]): Recording['syscalls'] {
  const out: Recording['syscalls'] = {};
  for (const abi of ABIS) {
    const facts = new Map<string, SyscallFact[]>();
    for (const r of recordings)
      for (const [name, f] of Object.entries(r.syscalls[abi] ?? {})) facts.set(name, [...(facts.get(name) ?? []), f]);
    if (facts.size === 0) continue;
    const merged: Record<string, SyscallFact> = {};
    for (const [name, list] of facts) {
      const fact: SyscallFact = {
        count: list.reduce((n, f) => n + f.count, 0),
        failed: list.reduce((n, f) => n + f.failed, 0),
      };
      const keys = new Set(list.flatMap((f) => Object.keys(f.args ?? {})));
      const args: Record<string, string[]> = {};
      for (const key of keys) {
        if (list.every((f) => f.args?.[key] !== undefined)) args[key] = list.flatMap((f) => f.args![key]!);
      }
      if (Object.keys(args).length > 0) fact.args = args;
      merged[name] = fact;
    }
    out[abi as Abi] = merged;
  }
  return out;
}

/** The runs' provenance sections as one (run names are distinct, so entries never collide). */
function mergeProvenance(provs: readonly RecordingProvenance[]): RecordingProvenance {
  const out: RecordingProvenance = {
    sources: [],
    syscalls: {},
    files: {},
    executables: {},
    capabilities: {},
    network: { sockets: [], bind: [], connect: [], listen: [] },
  };
  for (const p of provs) {
    out.sources.push(...p.sources);
    for (const abi of ABIS) {
      for (const [name, byRun] of Object.entries(p.syscalls[abi] ?? {})) {
        const m = (out.syscalls[abi] ??= {});
        m[name] = { ...m[name], ...byRun };
      }
    }
    for (const [path, byRun] of Object.entries(p.files)) out.files[path] = { ...out.files[path], ...byRun };
    for (const [path, runs] of Object.entries(p.executables))
      out.executables[path] = [...(out.executables[path] ?? []), ...runs];
    for (const [cap, runs] of Object.entries(p.capabilities))
      out.capabilities[cap] = [...(out.capabilities[cap] ?? []), ...runs];
    out.network.sockets.push(...p.network.sockets);
    for (const verb of ['bind', 'connect', 'listen'] as const) out.network[verb].push(...p.network[verb]);
  }
  return out;
}

/** Several values as one: the only one, or all distinct ones sorted and joined. */
function summarize(values: readonly string[]): string {
  return [...new Set(values)].sort(byCodeUnit).join(', ');
}

/** The losses of the runs that counted them, added up (absent when none did). */
function mergedLost(recordings: readonly Recording[]): { lost?: Recording['lost'] } {
  const counted = recordings.flatMap((r) => (r.lost ? [r.lost] : []));
  if (counted.length === 0) return {};
  const sum = (k: keyof NonNullable<Recording['lost']>): number => counted.reduce((n, l) => n + l[k], 0);
  return { lost: { events: sum('events'), processes: sum('processes'), strings: sum('strings'), paths: sum('paths') } };
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

/**
 * Merge recordings (plain or merged) into one merged recording. Facts are the union; provenance is flat (a merge of
 * merges lists the original runs). Input order decides only the order of provenance.sources; everything else is sorted.
 * Two runs with the same name are refused (exit 2, naming both inputs).
 */
export function mergeRecordings(inputs: readonly MergeInput[], opts: MergeOptions): Recording {
  if (inputs.length === 0) throw badInput('no recordings to merge (expected at least one RECORDING)');
  const recordings = inputs.map((i) => i.recording);
  const provs = recordings.map(provenanceOf);
  checkDistinctRuns(inputs, provs);
  const provenance = mergeProvenance(provs);
  const started = provenance.sources
    .map((s) => s.startedAt)
    .filter(Boolean)
    .sort(byCodeUnit);
  const ended = provenance.sources
    .map((s) => s.endedAt)
    .filter(Boolean)
    .sort(byCodeUnit);
  const files: Recording['files'] = {};
  for (const r of recordings) {
    for (const [path, f] of Object.entries(r.files))
      files[path] = { access: [...(files[path]?.access ?? []), ...f.access] };
  }
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
    warnings: recordings.flatMap((r) => (r.provenance ? r.warnings : r.warnings.map((w) => `${r.name}: ${w}`))),
    ...mergedLost(recordings),
    syscalls: mergeSyscalls(recordings),
    files,
    executables: recordings.flatMap((r) => r.executables),
    network: {
      sockets: recordings.flatMap((r) => r.network.sockets),
      bind: recordings.flatMap((r) => r.network.bind),
      connect: recordings.flatMap((r) => r.network.connect),
      listen: recordings.flatMap((r) => r.network.listen),
    },
    identity: {
      uids: recordings.flatMap((r) => r.identity.uids),
      gids: recordings.flatMap((r) => r.identity.gids),
      changes: recordings.flatMap((r) => r.identity.changes),
      capabilities: recordings.flatMap((r) => r.identity.capabilities),
    },
    provenance,
  };
  return normalizeRecording(structuredClone(merged));
}
