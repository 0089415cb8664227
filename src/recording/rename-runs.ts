// Renaming runs inside a recording: a plain recording's name, or the run names a merged recording's provenance is keyed
// by, everywhere they occur. merge uses it to tell apart runs that share a name.
import type { Recording, RecordingProvenance } from './types.js';

function renameKeys<T>(byRun: Record<string, T>, rename: (name: string) => string): Record<string, T> {
  return Object.fromEntries(Object.entries(byRun).map(([run, v]) => [rename(run), v]));
}

function renameProvenance(p: RecordingProvenance, rename: (name: string) => string): RecordingProvenance {
  const lists = <T extends { recordings: string[] }>(xs: T[]): T[] =>
    xs.map((x) => ({ ...x, recordings: x.recordings.map(rename) }));
  return {
    sources: p.sources.map((s) => ({ ...s, name: rename(s.name) })),
    syscalls: Object.fromEntries(
      Object.entries(p.syscalls).map(([abi, byName]) => [
        abi,
        Object.fromEntries(Object.entries(byName ?? {}).map(([n, byRun]) => [n, renameKeys(byRun, rename)])),
      ]),
    ),
    files: Object.fromEntries(Object.entries(p.files).map(([f, byRun]) => [f, renameKeys(byRun, rename)])),
    executables: Object.fromEntries(Object.entries(p.executables).map(([e, runs]) => [e, runs.map(rename)])),
    capabilities: Object.fromEntries(Object.entries(p.capabilities).map(([c, runs]) => [c, runs.map(rename)])),
    network: {
      sockets: lists(p.network.sockets),
      bind: lists(p.network.bind),
      connect: lists(p.network.connect),
      listen: lists(p.network.listen),
    },
  };
}

/** The recording with its runs renamed by `names` (old run name to new); names not in the map stay. */
export function renameRuns(r: Recording, names: ReadonlyMap<string, string>): Recording {
  const rename = (n: string): string => names.get(n) ?? n;
  if (!r.provenance) return { ...r, name: rename(r.name) };
  const warnings = r.warnings.map((w) => {
    const m = /^([A-Za-z0-9][A-Za-z0-9._-]*): /.exec(w);
    return m && names.has(m[1]!) ? `${rename(m[1]!)}: ${w.slice(m[0].length)}` : w;
  });
  return { ...r, warnings, provenance: renameProvenance(r.provenance, rename) };
}
