// What a program's code can reach: from all of its own code and every function it imports, through the calls between
// the functions of all the objects it loads (imports resolved in load order, first definition wins), to the syscall
// instructions at the end. Each syscall found remembers where it is and which imports lead to it.
import { componentsFrom } from './scc.js';
import type { CodeRegion, ObjectSummary } from './types.js';

/** An object of the program's scope: the program first, then its libraries in load order. */
export interface LinkedObject {
  path: string;
  summary: ObjectSummary;
  /** True for the program interpreter (ld.so): its entry point runs first, before the program. */
  interpreter?: boolean;
}

/** The `via` of what runs when the program starts: the loader's entry and every object's initialisers. */
export const AT_STARTUP = '<startup>';

/** A place a syscall is made: a syscall instruction, or a call of a generic syscall(2) wrapper with a constant. */
export interface Site {
  obj: number;
  region: number;
  /** The syscall number, or -1 when it is not a constant. */
  nr: number;
  /** The wrapper's name when the site is a call of a generic wrapper (syscall(2)). */
  wrapper?: string;
}

/** What is reachable, per entry: the program's own code (via ""), start-up (AT_STARTUP) and each import (its name). */
export interface Reachability {
  sites: Site[];
  entries: Array<{ via: string; sites: number[] }>;
  /** Imported names no object of the scope defines. */
  unresolved: string[];
  /** Reachable functions that call through a function pointer (not followed). */
  indirectCallers: number;
}

const STRIDE = 1 << 22;

class Scope {
  readonly sites: Site[] = [];
  readonly unresolved = new Set<string>();
  private readonly siteIds = new Map<string, number>();
  private readonly resolved = new Map<string, number[]>();
  constructor(readonly objects: readonly LinkedObject[]) {}

  region(node: number): CodeRegion {
    return this.objects[Math.floor(node / STRIDE)]!.summary.graph.regions[node % STRIDE]!;
  }

  /** The nodes an imported name binds to: the first object in load order that exports it. */
  resolve(name: string): number[] {
    let nodes = this.resolved.get(name);
    if (nodes) return nodes;
    nodes = [];
    for (let o = 0; o < this.objects.length && nodes.length === 0; o++) {
      const regions = this.objects[o]!.summary.graph.exports[name];
      if (regions) nodes = regions.map((r) => o * STRIDE + r);
    }
    if (nodes.length === 0) this.unresolved.add(name);
    this.resolved.set(name, nodes);
    return nodes;
  }

  successors(node: number): number[] {
    const obj = Math.floor(node / STRIDE);
    const r = this.region(node);
    return [...r.next.map((n) => obj * STRIDE + n), ...r.imports.flatMap((name) => this.resolve(name))];
  }

  site(s: Site): number {
    const key = `${s.obj}:${s.region}:${s.nr}:${s.wrapper ?? ''}`;
    let id = this.siteIds.get(key);
    if (id === undefined) {
      id = this.sites.length;
      this.sites.push(s);
      this.siteIds.set(key, id);
    }
    return id;
  }

  /** The sites in one function: its syscall instructions, and its calls of generic wrappers. */
  ownSites(node: number): number[] {
    const obj = Math.floor(node / STRIDE);
    const region = node % STRIDE;
    const r = this.region(node);
    const ids = r.syscalls.map((nr) => this.site({ obj, region, nr }));
    if (r.unknownSites > 0) ids.push(this.site({ obj, region, nr: -1 }));
    for (const call of r.argCalls) {
      const targets = typeof call.to === 'number' ? [obj * STRIDE + call.to] : this.resolve(call.to);
      for (const t of targets) {
        const w = this.region(t);
        if (!w.wrapper) continue;
        for (const nr of call.arg0 ?? [-1]) ids.push(this.site({ obj, region, nr, wrapper: w.name }));
      }
    }
    return ids;
  }
}

/** Bit sets over site ids, grown as sites are found. */
function orInto(into: number[], from: readonly number[]): void {
  for (let i = 0; i < from.length; i++) into[i] = (into[i] ?? 0) | from[i]!;
}

function bitsOf(ids: readonly number[]): number[] {
  const bits: number[] = [];
  for (const id of ids) bits[id >> 5] = (bits[id >> 5] ?? 0) | (1 << (id & 31));
  return bits.map((b) => b ?? 0);
}

function idsOf(bits: readonly number[]): number[] {
  const ids: number[] = [];
  bits.forEach((word, w) => {
    for (let b = 0; b < 32; b++) if (word & (1 << b)) ids.push(w * 32 + b);
  });
  return ids;
}

/** Everything the program (objects[0]) can reach: from all of its code, and from each function it imports. */
export function reachability(objects: readonly LinkedObject[]): Reachability {
  const scope = new Scope(objects);
  const program = objects[0]!.summary;
  const ownRoots = program.graph.regions.map((_, i) => i);
  const importRoots = program.imports.map((name) => ({ via: name, nodes: scope.resolve(name) }));
  const startupRoots = objects.flatMap((o, i) =>
    [...o.summary.graph.inits, ...(o.interpreter ? o.summary.graph.entry : [])].map((r) => i * STRIDE + r),
  );
  const roots = [...ownRoots, ...startupRoots, ...importRoots.flatMap((e) => e.nodes)];
  const comps = componentsFrom(roots, (n) => scope.successors(n));
  const compOf = new Map<number, number>();
  comps.forEach((c, i) => c.forEach((n) => compOf.set(n, i)));
  const bits: number[][] = [];
  let indirectCallers = 0;
  comps.forEach((members, i) => {
    const acc = bitsOf(members.flatMap((n) => scope.ownSites(n)));
    for (const n of members) {
      if (scope.region(n).indirectCalls > 0) indirectCallers++;
      for (const m of scope.successors(n)) if (compOf.get(m) !== i) orInto(acc, bits[compOf.get(m)!]!);
    }
    bits[i] = acc;
  });
  const reached = (nodes: readonly number[]): number[] => {
    const acc: number[] = [];
    for (const n of nodes) orInto(acc, bits[compOf.get(n)!]!);
    return idsOf(acc);
  };
  const entries = [
    { via: '', sites: reached(ownRoots) },
    { via: AT_STARTUP, sites: reached(startupRoots) },
    ...importRoots.map((e) => ({ via: e.via, sites: reached(e.nodes) })),
  ];
  return { sites: scope.sites, entries, unresolved: [...scope.unresolved].sort(), indirectCallers };
}
