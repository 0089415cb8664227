// Provenance of merged recordings: the per-run view of any recording, and a merged recording split back into its runs.
import type { Abi, FileAccess, ProvenanceSource, Recording, RecordingProvenance, SyscallFact } from './types.js';
import { ABIS } from './types.js';

/** The run a plain recording describes, as a provenance source (a merged recording has several: see provenanceOf). */
export function sourceOf(r: Recording): ProvenanceSource {
  if (r.target.kind === 'merge') throw new Error(`sourceOf: ${r.name} is a merged recording; use provenanceOf`);
  return {
    name: r.name,
    tracer: { ...r.tracer },
    kernel: r.kernel,
    target: structuredClone(r.target),
    startedAt: r.startedAt,
    endedAt: r.endedAt,
    termination: { ...r.termination },
  };
}

/** The provenance of any recording: a merged one's own section, or a plain one attributing every fact to itself. */
export function provenanceOf(r: Recording): RecordingProvenance {
  if (r.provenance) return structuredClone(r.provenance);
  const n = r.name;
  const syscalls: RecordingProvenance['syscalls'] = {};
  for (const abi of ABIS) {
    const m = r.syscalls[abi];
    if (!m || Object.keys(m).length === 0) continue;
    syscalls[abi] = Object.fromEntries(Object.entries(m).map(([name, f]) => [name, { [n]: f.count }]));
  }
  return {
    sources: [sourceOf(r)],
    syscalls,
    files: Object.fromEntries(Object.entries(r.files).map(([p, f]) => [p, { [n]: [...f.access] }])),
    executables: Object.fromEntries(r.executables.map((e) => [e.path, [n]])),
    capabilities: Object.fromEntries(r.identity.capabilities.map((c) => [c.name, [n]])),
    network: {
      sockets: r.network.sockets.map((s) => ({ ...s, recordings: [n] })),
      bind: r.network.bind.map((e) => ({ ...e, recordings: [n] })),
      connect: r.network.connect.map((e) => ({ ...e, recordings: [n] })),
      listen: r.network.listen.map((e) => ({ ...e, recordings: [n] })),
    },
  };
}

function runSyscalls(r: Recording, p: RecordingProvenance, run: string): Recording['syscalls'] {
  const out: Recording['syscalls'] = {};
  for (const abi of ABIS) {
    const facts: Record<string, SyscallFact> = {};
    for (const [name, byRun] of Object.entries(p.syscalls[abi] ?? {})) {
      const count = byRun[run];
      const fact = r.syscalls[abi]?.[name];
      if (count === undefined || !fact) continue;
      facts[name] = { count, failed: 0, ...(fact.args ? { args: structuredClone(fact.args) } : {}) };
    }
    if (Object.keys(facts).length > 0) out[abi as Abi] = facts;
  }
  return out;
}

/**
 * A merged recording split into one recording per run, for attribution (buildPolicy, coverage); a plain recording is
 * its own only run. What provenance does not attribute per run is the merged value in every run: failed counts are 0,
 * argument facts, uids, gids, identity changes and capability reasons are the merged ones. The merged recording's
 * warnings (already prefixed with run names) are returned apart.
 */
export function expandRecording(r: Recording): { runs: Recording[]; warnings: string[] } {
  const p = r.provenance;
  if (!p) return { runs: [r], warnings: [] };
  const has = (list: readonly string[] | undefined, run: string) => list?.includes(run) === true;
  const runs = p.sources.map((s): Recording => {
    const files: Record<string, { access: FileAccess[] }> = {};
    for (const [path, byRun] of Object.entries(p.files)) {
      const access = byRun[s.name];
      if (access && r.files[path]) files[path] = { access: [...access] };
    }
    return {
      schemaVersion: r.schemaVersion,
      name: s.name,
      tool: { ...r.tool },
      tracer: { ...s.tracer },
      kernel: s.kernel,
      arch: r.arch,
      target: structuredClone(s.target),
      startedAt: s.startedAt,
      endedAt: s.endedAt,
      termination: { ...s.termination },
      warnings: [],
      syscalls: runSyscalls(r, p, s.name),
      files,
      executables: r.executables.filter((e) => has(p.executables[e.path], s.name)).map((e) => ({ ...e })),
      network: {
        sockets: p.network.sockets
          .filter((x) => x.recordings.includes(s.name))
          .map(({ family, type, protocol }) => ({ family, type, protocol })),
        bind: p.network.bind
          .filter((x) => x.recordings.includes(s.name))
          .map(({ family, address, port }) => ({ family, address, port })),
        connect: p.network.connect
          .filter((x) => x.recordings.includes(s.name))
          .map(({ family, address, port }) => ({ family, address, port })),
        listen: p.network.listen
          .filter((x) => x.recordings.includes(s.name))
          .map(({ family, address, port }) => ({ family, address, port })),
      },
      identity: {
        uids: [...r.identity.uids],
        gids: [...r.identity.gids],
        changes: [...r.identity.changes],
        capabilities: r.identity.capabilities
          .filter((c) => has(p.capabilities[c.name], s.name))
          .map((c) => ({ name: c.name, reasons: [...c.reasons] })),
      },
    };
  });
  return { runs, warnings: [...r.warnings] };
}
