// Normal form of a Recording: every list sorted and deduplicated, so equal content gives equal bytes.
import type {
  Recording,
  FileAccess,
  ExecFact,
  SocketFact,
  EndpointFact,
  CapabilityFact,
  SyscallFact,
  Abi,
  RecordingProvenance,
} from './types.js';
import { FILE_ACCESSES } from './types.js';
import { byCodeUnit } from '../util/json.js';

function uniqSorted(values: Iterable<string>): string[] {
  return [...new Set(values)].sort(byCodeUnit);
}

function uniqBy<T>(items: Iterable<T>, key: (t: T) => string): T[] {
  const m = new Map<string, T>();
  for (const it of items) m.set(key(it), it);
  return [...m.entries()].sort((a, b) => byCodeUnit(a[0], b[0])).map(([, v]) => v);
}

/** Sorted file accesses, in the catalogue's order. */
export function sortAccesses(a: Iterable<FileAccess>): FileAccess[] {
  const set = new Set(a);
  return FILE_ACCESSES.filter((x) => set.has(x));
}

const execKey = (e: ExecFact) => `${e.path}\0${e.argv0}\0${e.parent}`;
const sockKey = (s: SocketFact) => `${s.family}\0${s.type}\0${s.protocol}`;
const endKey = (e: EndpointFact) => `${e.family}\0${e.address}\0${String(e.port).padStart(5, '0')}`;

function normSyscalls(m: Record<string, SyscallFact>): Record<string, SyscallFact> {
  const out: Record<string, SyscallFact> = {};
  for (const name of Object.keys(m).sort(byCodeUnit)) {
    const f = m[name]!;
    const fact: SyscallFact = { count: f.count, failed: f.failed };
    if (f.args && Object.keys(f.args).length > 0) {
      fact.args = {};
      for (const k of Object.keys(f.args).sort(byCodeUnit)) fact.args[k] = uniqSorted(f.args[k]!);
    }
    out[name] = fact;
  }
  return out;
}

/** Entries with the same key merged (their runs united), sorted by key. */
function mergeAttributed<T extends { recordings: string[] }>(items: readonly T[], key: (t: T) => string): T[] {
  const m = new Map<string, T>();
  for (const it of items) {
    const k = key(it);
    const old = m.get(k);
    m.set(k, { ...it, recordings: uniqSorted([...(old?.recordings ?? []), ...it.recordings]) });
  }
  return [...m.entries()].sort((a, b) => byCodeUnit(a[0], b[0])).map(([, v]) => v);
}

function sortedRecord<T>(m: Record<string, T>, value: (v: T) => T | undefined): Record<string, T> {
  const out: Record<string, T> = {};
  for (const k of Object.keys(m).sort(byCodeUnit)) {
    const v = value(m[k]!);
    if (v !== undefined) out[k] = v;
  }
  return out;
}

/** The normal form of a provenance section: sources keep their (merge) order, everything else is sorted; empty entries go. */
export function normalizeProvenance(p: RecordingProvenance): RecordingProvenance {
  const syscalls: RecordingProvenance['syscalls'] = {};
  for (const abi of Object.keys(p.syscalls).sort(byCodeUnit) as Abi[]) {
    const calls = sortedRecord(p.syscalls[abi] ?? {}, (byRun) => {
      const kept = sortedRecord(byRun, (n) => (n > 0 ? n : undefined));
      return Object.keys(kept).length > 0 ? kept : undefined;
    });
    if (Object.keys(calls).length > 0) syscalls[abi] = calls;
  }
  const runs = (list: string[]) => (list.length > 0 ? uniqSorted(list) : undefined);
  return {
    sources: p.sources.map((s) => structuredClone(s)),
    syscalls,
    files: sortedRecord(p.files, (byRun) => {
      const kept = sortedRecord(byRun, (a) => (a.length > 0 ? sortAccesses(a) : undefined));
      return Object.keys(kept).length > 0 ? kept : undefined;
    }),
    executables: sortedRecord(p.executables, runs),
    capabilities: sortedRecord(p.capabilities, runs),
    network: {
      sockets: mergeAttributed(p.network.sockets, sockKey),
      bind: mergeAttributed(p.network.bind, endKey),
      connect: mergeAttributed(p.network.connect, endKey),
      listen: mergeAttributed(p.network.listen, endKey),
    },
  };
}

/** The normal form of a recording (a new object; the input is not changed). */
export function normalizeRecording(r: Recording): Recording {
  const syscalls: Recording['syscalls'] = {};
  for (const abi of Object.keys(r.syscalls).sort(byCodeUnit) as Abi[]) {
    const m = r.syscalls[abi];
    if (m && Object.keys(m).length > 0) syscalls[abi] = normSyscalls(m);
  }
  const files: Recording['files'] = {};
  for (const p of Object.keys(r.files).sort(byCodeUnit)) files[p] = { access: sortAccesses(r.files[p]!.access) };
  const caps = new Map<string, Set<string>>();
  for (const c of r.identity.capabilities) {
    const s = caps.get(c.name) ?? new Set<string>();
    c.reasons.forEach((x) => s.add(x));
    caps.set(c.name, s);
  }
  const capabilities: CapabilityFact[] = [...caps.keys()]
    .sort(byCodeUnit)
    .map((name) => ({ name, reasons: uniqSorted(caps.get(name)!) }));
  const out: Recording = {
    ...r,
    warnings: uniqSorted(r.warnings),
    syscalls,
    files,
    executables: uniqBy(r.executables, execKey),
    network: {
      sockets: uniqBy(r.network.sockets, sockKey),
      bind: uniqBy(r.network.bind, endKey),
      connect: uniqBy(r.network.connect, endKey),
      listen: uniqBy(r.network.listen, endKey),
    },
    identity: {
      uids: [...new Set(r.identity.uids)].sort((a, b) => a - b),
      gids: [...new Set(r.identity.gids)].sort((a, b) => a - b),
      changes: uniqSorted(r.identity.changes),
      capabilities,
    },
  };
  if (r.provenance) out.provenance = normalizeProvenance(r.provenance);
  return out;
}
