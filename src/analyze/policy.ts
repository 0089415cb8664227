// Recordings to Policy: the union of what every run needed, generalised and sorted, each rule with its provenance.
import type { Abi, EndpointFact, FileAccess, Recording, SocketFact } from '../recording/types.js';
import { ABIS } from '../recording/types.js';
import type { Policy, Provenance, SyscallRule } from './policy-types.js';
import { runtimeLayer } from '../render/runtime-layers.js';
import { badInput } from '../errors.js';
import { checkName } from '../util/names.js';
import { byCodeUnit } from '../util/json.js';
import { generalizeFiles, DEFAULT_DIR_THRESHOLD, type FileObservation } from './generalize.js';
import { expandRecording } from '../recording/provenance.js';
import { quoteForMessage } from '../util/strings.js';
import { addArgFact, knownArgs, noArgValues, type ArgValues } from './known-args.js';

/** Options of buildPolicy: the profile name, the runtime whose layer to add, the dir/* threshold. */
export interface BuildPolicyOptions {
  name: string;
  runtime: 'crun' | 'runc' | 'none';
  /** Whether the container runs with no_new_privs (smaller runtime layer); default true. */
  noNewPrivileges?: boolean;
  /** Files with the same access in one directory before they become `dir/*` (default 8). */
  dirThreshold?: number;
}

/** Check options up front; the messages quote the bad value. */
function checkOptions(recordings: readonly Recording[], opts: BuildPolicyOptions): void {
  checkName(opts.name, 'profile name');
  if (!['crun', 'runc', 'none'].includes(opts.runtime)) {
    throw badInput(`runtime ${JSON.stringify(opts.runtime)} is not supported (expected crun, runc or none)`);
  }
  if (opts.dirThreshold !== undefined && (!Number.isInteger(opts.dirThreshold) || opts.dirThreshold < 1)) {
    throw badInput(`directory threshold ${JSON.stringify(opts.dirThreshold)} must be a positive integer`);
  }
  if (recordings.length === 0) throw badInput('no recordings to build a policy from (expected at least one RECORDING)');
}

/** Recording names, made unique (`name#2`) so that provenance can tell two runs with the same name apart. */
function uniqueNames(recordings: readonly Recording[], warnings: Set<string>): string[] {
  const seen = new Map<string, number>();
  return recordings.map((r) => {
    const n = (seen.get(r.name) ?? 0) + 1;
    seen.set(r.name, n);
    if (n === 1) return r.name;
    warnings.add(
      `two recordings are named ${JSON.stringify(r.name)}; the later one is called ${JSON.stringify(`${r.name}#${n}`)} in provenance`,
    );
    return `${r.name}#${n}`;
  });
}

class ProvenanceBuilder {
  readonly recordings = new Set<string>();
  count = 0;
  add(recording: string, count: number): void {
    this.recordings.add(recording);
    this.count += count;
  }
  build(): Provenance {
    return { recordings: [...this.recordings].sort(byCodeUnit), count: this.count };
  }
}

interface SyscallAcc extends ArgValues {
  prov: ProvenanceBuilder;
}

/**
 * Per ABI: the union of syscalls. An argument key is kept only when every run that made the call recorded it;
 * otherwise the values are unknown and the call must not be narrowed by them.
 */
function mergeSyscalls(recordings: readonly Recording[], names: readonly string[]): Policy['syscalls'] {
  const out: Policy['syscalls'] = {};
  for (const abi of ABIS) {
    const acc = new Map<string, SyscallAcc>();
    recordings.forEach((r, i) => {
      for (const [name, fact] of Object.entries(r.syscalls[abi] ?? {})) {
        const a = acc.get(name) ?? { prov: new ProvenanceBuilder(), ...noArgValues() };
        a.prov.add(names[i]!, fact.count);
        addArgFact(a, fact.args);
        acc.set(name, a);
      }
    });
    if (acc.size === 0) continue;
    const rules: Record<string, SyscallRule> = {};
    for (const name of [...acc.keys()].sort(byCodeUnit)) {
      const a = acc.get(name)!;
      const rule: SyscallRule = { provenance: a.prov.build() };
      const known = knownArgs(a).sort((x, y) => byCodeUnit(x[0], y[0]));
      if (known.length > 0) rule.args = Object.fromEntries(known.map(([k, v]) => [k, [...v].sort(byCodeUnit)]));
      rules[name] = rule;
    }
    out[abi as Abi] = rules;
  }
  return out;
}

/** One observation per (recording, path); executables count as exec even if the file facts missed it. */
function fileObservations(
  recordings: readonly Recording[],
  names: readonly string[],
  warnings: Set<string>,
): FileObservation[] {
  const obs: FileObservation[] = [];
  recordings.forEach((r, i) => {
    const files = new Map<string, Set<FileAccess>>();
    for (const [path, fact] of Object.entries(r.files)) files.set(path, new Set(fact.access));
    for (const e of r.executables) {
      const s = files.get(e.path) ?? new Set<FileAccess>();
      s.add('exec');
      files.set(e.path, s);
    }
    for (const [path, access] of files) {
      if (!path.startsWith('/')) {
        warnings.add(`${names[i]}: path ${quoteForMessage(path)} is not absolute and was left out`);
        continue;
      }
      obs.push({ path, access: [...access], provenance: { recordings: [names[i]!], count: 1 } });
    }
  });
  return obs.sort((a, b) => byCodeUnit(a.path, b.path));
}

function uniqSortedBy<T>(items: Iterable<T>, key: (t: T) => string): T[] {
  const m = new Map<string, T>();
  for (const it of items) m.set(key(it), it);
  return [...m.entries()].sort((a, b) => byCodeUnit(a[0], b[0])).map(([, v]) => v);
}
const sockKey = (s: SocketFact) => `${s.family}\0${s.type}\0${s.protocol}`;
const endKey = (e: EndpointFact) => `${e.family}\0${e.address}\0${String(e.port).padStart(5, '0')}`;

/**
 * Merge recordings into one Policy: unions everywhere, provenance on every rule, sorted so equal input gives equal output.
 * A merged recording counts as the runs its provenance lists, so rules still name the original runs.
 */
export function buildPolicy(inputs: readonly Recording[], opts: BuildPolicyOptions): Policy {
  checkOptions(inputs, opts);
  const warnings = new Set<string>();
  const expanded = inputs.map(expandRecording);
  const recordings = expanded.flatMap((e) => e.runs);
  const names = uniqueNames(recordings, warnings);
  expanded.forEach((e) => e.warnings.forEach((w) => warnings.add(w)));
  recordings.forEach((r, i) => r.warnings.forEach((w) => warnings.add(`${names[i]}: ${w}`)));

  const files = generalizeFiles(fileObservations(recordings, names, warnings), {
    dirThreshold: opts.dirThreshold ?? DEFAULT_DIR_THRESHOLD,
  });
  files.warnings.forEach((w) => warnings.add(w));

  const execs = new Map<string, ProvenanceBuilder>();
  const caps = new Map<string, { reasons: Set<string>; prov: ProvenanceBuilder }>();
  const uids = new Set<number>();
  const gids = new Set<number>();
  recordings.forEach((r, i) => {
    for (const e of r.executables) {
      const p = execs.get(e.path) ?? new ProvenanceBuilder();
      p.add(names[i]!, 1);
      execs.set(e.path, p);
    }
    for (const c of r.identity.capabilities) {
      const m = caps.get(c.name) ?? { reasons: new Set<string>(), prov: new ProvenanceBuilder() };
      c.reasons.forEach((x) => m.reasons.add(x));
      m.prov.add(names[i]!, 1);
      caps.set(c.name, m);
    }
    r.identity.uids.forEach((u) => uids.add(u));
    r.identity.gids.forEach((g) => gids.add(g));
  });

  const capabilities = [...caps.keys()].sort(byCodeUnit).map((name) => {
    const m = caps.get(name)!;
    return { name, reasons: [...m.reasons].sort(byCodeUnit), provenance: m.prov.build() };
  });
  const uidList = [...uids].sort((a, b) => a - b);
  return {
    name: opts.name,
    sources: [...names],
    syscalls: mergeSyscalls(recordings, names),
    files: files.rules,
    executables: [...execs.keys()].sort(byCodeUnit).map((path) => ({ path, provenance: execs.get(path)!.build() })),
    network: {
      sockets: uniqSortedBy(
        recordings.flatMap((r) => r.network.sockets),
        sockKey,
      ),
      bind: uniqSortedBy(
        recordings.flatMap((r) => r.network.bind),
        endKey,
      ),
      connect: uniqSortedBy(
        recordings.flatMap((r) => r.network.connect),
        endKey,
      ),
      listen: uniqSortedBy(
        recordings.flatMap((r) => r.network.listen),
        endKey,
      ),
    },
    capabilities,
    identity: {
      uids: uidList,
      gids: [...gids].sort((a, b) => a - b),
      needsRoot: uidList.includes(0) || capabilities.length > 0,
    },
    runtime: runtimeLayer(opts.runtime, { noNewPrivileges: opts.noNewPrivileges ?? true }),
    warnings: [...warnings].sort(byCodeUnit),
  };
}
