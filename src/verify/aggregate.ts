// Records of one run to denials: each call named on its ABI, split by who made it, compared with the profile as written.
import { byCodeUnit } from '../util/json.js';
import { abiOf, actionOf, nameOf } from './audit-arch.js';
import { originOf } from './origin.js';
import { outcomeOf } from './profile-outcome.js';
import type { SeccompProfile } from '../model/seccomp-profile.js';
import type { Denial, DenialProcess, SeccompRecord } from './types.js';

/** What the records of one run add up to. */
export interface Aggregate {
  denials: Denial[];
  deliberate: Denial[];
  /** The runtime's execve of the entrypoint was recorded (log mode's start check). */
  entrypointExecSeen: boolean;
  /** Records the profile itself allows or logs (execve checks, SCMP_ACT_LOG rules); not denials. */
  ignored: number;
  warnings: string[];
}

interface Group {
  denial: Omit<Denial, 'processes' | 'seenAction'>;
  seen: Set<string>;
  processes: Map<string, DenialProcess>;
}

function addTo(groups: Map<string, Group>, r: SeccompRecord, base: Group['denial']): void {
  const key = `${base.origin}\0${base.syscall}\0${base.abi}`;
  const g = groups.get(key) ?? {
    denial: { ...base, count: 0 },
    seen: new Set<string>(),
    processes: new Map<string, DenialProcess>(),
  };
  g.denial.count++;
  g.seen.add(actionOf(r.code));
  const pk = `${r.exe}\0${r.comm}`;
  const p = g.processes.get(pk) ?? { comm: r.comm, exe: r.exe, count: 0 };
  p.count++;
  g.processes.set(pk, p);
  groups.set(key, g);
}

function sorted(groups: Map<string, Group>): Denial[] {
  return [...groups.values()]
    .map((g) => ({
      ...g.denial,
      seenAction: [...g.seen].sort(byCodeUnit).join(', '),
      processes: [...g.processes.values()].sort((a, b) => byCodeUnit(a.exe, b.exe) || byCodeUnit(a.comm, b.comm)),
    }))
    .sort((a, b) => byCodeUnit(a.origin, b.origin) || byCodeUnit(a.syscall, b.syscall) || byCodeUnit(a.abi, b.abi));
}

/** Adds records one by one (a long run may log many), then gives the aggregate. */
export interface Aggregator {
  add: (record: SeccompRecord) => void;
  result: () => Aggregate;
}

/** An aggregator against the profile as written (`original`, resolved to OCI). */
export function createAggregator(original: SeccompProfile, runtime: string): Aggregator {
  const denials = new Map<string, Group>();
  const deliberate = new Map<string, Group>();
  const unknownArches = new Set<string>();
  let entrypointExecSeen = false;
  let ignored = 0;
  const add = (r: SeccompRecord): void => {
    const abi = abiOf(r.arch, r.syscall);
    if (!abi) {
      unknownArches.add(`0x${r.arch.toString(16)}`);
      return;
    }
    const syscall = nameOf(abi, r.syscall);
    const origin = originOf(r, runtime);
    if (syscall === 'execve' && origin === 'runtime' && abi === 'x86_64') entrypointExecSeen = true;
    const outcome = outcomeOf(original, syscall, abi);
    const base = { syscall, abi, origin, count: 0, profileAction: outcome.text };
    if (outcome.kind === 'allow' || outcome.kind === 'log') ignored++;
    else if (outcome.kind === 'deliberate') addTo(deliberate, r, base);
    else addTo(denials, r, base);
  };
  const result = (): Aggregate => {
    const warnings = [...unknownArches]
      .sort(byCodeUnit)
      .map((a) => `records with audit architecture ${a} are not x86 and were left out`);
    return { denials: sorted(denials), deliberate: sorted(deliberate), entrypointExecSeen, ignored, warnings };
  };
  return { add, result };
}

/** Aggregate the records of one run against the profile as written. */
export function aggregate(records: readonly SeccompRecord[], original: SeccompProfile, runtime: string): Aggregate {
  const agg = createAggregator(original, runtime);
  records.forEach(agg.add);
  return agg.result();
}
