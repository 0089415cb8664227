// One ELF file's code as a graph: the disassembly is cut into regions at every symbol and every call target (a stripped
// library still shows where its internal functions start that way), and each region lists its syscall sites with the
// number each makes, the regions it calls, jumps to or falls into, and the imports it calls through GOT/PLT slots.
import { isBranch, listing, type Insn } from './objdump.js';
import type { ElfFacts, FunctionSymbol } from './readelf.js';
import { isTerminal, valueBefore, type FunctionCode } from './register-value.js';
import type { ArgCall, CodeGraph, CodeRegion } from './types.js';

/** Alignment padding between functions (objdump shows prefixes such as `data16 cs nopw` as the instruction). */
const PADDING = /^(nop|xchg|int3|\(bad\)|data16|cs)/;

/** What the first pass over the listing learns: where regions start, and which addresses jumps target. */
interface Layout {
  starts: number[];
  labels: Map<number, string>;
  /** Address → how many direct jumps in the whole file target it. */
  jumpTargets: Map<number, number>;
  /** [low, high) address ranges of the disassembled sections. */
  ranges: Array<[number, number]>;
  /** PLT entry address → the GOT slot its `jmp *slot(%rip)` goes through. */
  pltSlots: Map<number, number>;
}

function firstPass(text: string, facts: ElfFacts): Layout {
  const labels = new Map<number, string>();
  const calls = new Set<number>();
  const jumpSources = new Map<number, number[]>();
  const ranges: Array<[number, number]> = [];
  const afterPadding: number[] = [];
  const pltSlots = new Map<number, number>();
  let range: [number, number] | undefined;
  let afterTerminal = false;
  let plt = false;
  let label = -1;
  for (const line of listing(text, true)) {
    if (line.kind !== 'insn') {
      if (line.kind === 'section') [range, plt] = [undefined, line.name.startsWith('.plt')];
      else if (!labels.has((label = line.addr))) labels.set(line.addr, line.name);
      afterTerminal = false;
      continue;
    }
    const { insn } = line;
    if (plt && insn.mnem === 'jmp' && insn.ripTarget !== undefined && !pltSlots.has(label))
      pltSlots.set(label, insn.ripTarget);
    if (!range) ranges.push((range = [insn.addr, insn.addr + 1]));
    range[1] = insn.addr + 1;
    if (PADDING.test(insn.mnem)) continue;
    if (afterTerminal && insn.addr % 16 === 0) afterPadding.push(insn.addr);
    afterTerminal = isTerminal(insn);
    if (insn.target === undefined) continue;
    if (insn.mnem === 'call') calls.add(insn.target);
    else jumpSources.set(insn.target, [...(jumpSources.get(insn.target) ?? []), insn.addr]);
  }
  const inCode = (a: number): boolean => ranges.some(([lo, hi]) => a >= lo && a < hi);
  const base = new Set<number>([...labels.keys()]);
  for (const a of calls) if (inCode(a)) base.add(a);
  for (const a of [...facts.functions.map((f) => f.addr), facts.entry, ...facts.inits]) if (inCode(a)) base.add(a);
  const jumpTargets = new Map([...jumpSources].map(([t, from]) => [t, from.length]));
  return {
    starts: withUnnamedFunctions(base, afterPadding, jumpSources, facts.functions),
    labels,
    jumpTargets,
    ranges,
    pltSlots,
  };
}

/**
 * Add the functions no symbol or direct call names (reached only through pointers, e.g. a thread's start routine):
 * aligned code after a return or jump and its padding starts one, unless a jump goes there (a loop head or the rest of
 * the same function) or a symbol's extent covers it. Without this they would be counted in the function before them.
 */
function withUnnamedFunctions(
  base: Set<number>,
  afterPadding: number[],
  jumpSources: Map<number, number[]>,
  functions: readonly FunctionSymbol[],
): number[] {
  const sized = functions.filter((f) => f.size > 0).sort((a, b) => a.addr - b.addr);
  const symbolStarts = sized.map((f) => f.addr);
  const reach: number[] = []; // the furthest end of any symbol starting at or before each one
  sized.forEach((f, i) => reach.push(Math.max(reach[i - 1] ?? 0, f.addr + f.size)));
  const inSymbol = (a: number): boolean => {
    const i = regionAt(symbolStarts, a - 1);
    return i >= 0 && reach[i]! > a;
  };
  const unnamed = afterPadding.filter((a) => !base.has(a) && !jumpSources.has(a) && !inSymbol(a));
  return [...new Set([...base, ...unnamed])].sort((a, b) => a - b);
}

/** Index of the region holding `addr` (the last start at or below it), or -1. */
export function regionAt(starts: readonly number[], addr: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (starts[mid]! <= addr) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

const BIND_RANK: Readonly<Record<string, number>> = { GLOBAL: 0, WEAK: 1, LOCAL: 2 };

/** The name a reviewer recognises first among the symbols at one address: exported, no leading underscore, global. */
function bestSymbol(syms: readonly FunctionSymbol[]): FunctionSymbol {
  const rank = (f: FunctionSymbol): Array<number | string> => [
    f.exported ? 0 : 1,
    f.name.startsWith('_') ? 1 : 0,
    BIND_RANK[f.bind] ?? 3,
    f.name.length,
    f.name,
  ];
  return [...syms].sort((a, b) => {
    const ra = rank(a);
    const rb = rank(b);
    for (let i = 0; i < ra.length; i++) if (ra[i] !== rb[i]) return ra[i]! < rb[i]! ? -1 : 1;
    return 0;
  })[0]!;
}

/** Region names: the symbol at the start, else an objdump label (`fork@plt`), else `symbol+0xOFF`, else the address. */
function namer(layout: Layout, facts: ElfFacts): (start: number) => string {
  const byAddr = new Map<number, FunctionSymbol[]>();
  for (const f of facts.functions) byAddr.set(f.addr, [...(byAddr.get(f.addr) ?? []), f]);
  const sized = facts.functions
    .filter((f) => f.size > 0)
    .sort((a, b) => a.addr - b.addr || a.name.localeCompare(b.name));
  return (start) => {
    const at = byAddr.get(start);
    if (at) return bestSymbol(at).name;
    const label = layout.labels.get(start);
    if (label !== undefined && !label.startsWith('.'))
      return label.replace(/@@?[^@]*$/, (v) => (v === '@plt' ? v : ''));
    const inside = sized.filter((f) => f.addr < start && start < f.addr + f.size);
    if (inside.length > 0) {
      const f = bestSymbol(inside.filter((g) => g.addr === Math.max(...inside.map((h) => h.addr))));
      return `${f.name}+0x${(start - f.addr).toString(16)}`;
    }
    return `0x${start.toString(16)}`;
  };
}

/** The function's code as the backward walk needs it: jumps into each instruction, and targets reached from outside. */
function functionCode(insns: Insn[], jumpTargets: Map<number, number>): FunctionCode {
  const index = new Map(insns.map((x, i) => [x.addr, i]));
  const jumpsInto = new Map<number, number[]>();
  const local = new Map<number, number>();
  insns.forEach((x, i) => {
    if (x.mnem === 'call' || x.target === undefined) return;
    const to = index.get(x.target);
    if (to === undefined) return;
    jumpsInto.set(to, [...(jumpsInto.get(to) ?? []), i]);
    local.set(x.target, (local.get(x.target) ?? 0) + 1);
  });
  const foreignTargets = new Set<number>();
  for (const x of insns) if ((jumpTargets.get(x.addr) ?? 0) > (local.get(x.addr) ?? 0)) foreignTargets.add(x.addr);
  return { insns, jumpsInto, foreignTargets };
}

interface RegionContext {
  layout: Layout;
  facts: ElfFacts;
  name: (start: number) => string;
}

function emptyRegion(name: string, start: number): CodeRegion {
  return {
    name,
    start,
    syscalls: [],
    unknownSites: 0,
    wrapper: false,
    next: [],
    imports: [],
    indirectCalls: 0,
    argCalls: [],
  };
}

function analyseRegion(ctx: RegionContext, r: number, insns: Insn[]): CodeRegion {
  const { layout, facts } = ctx;
  const start = layout.starts[r]!;
  const end = layout.starts[r + 1] ?? Infinity;
  const code = functionCode(insns, layout.jumpTargets);
  const region = emptyRegion(ctx.name(start), start);
  const next = new Set<number>();
  const imports = new Set<string>();
  const inCode = (a: number): boolean => layout.ranges.some(([lo, hi]) => a >= lo && a < hi);
  insns.forEach((insn, i) => {
    if (insn.mnem === 'syscall') {
      const v = valueBefore(code, i, 'a');
      if (v.kind === 'const') region.syscalls.push(...v.values);
      else if (v.kind === 'arg0') region.wrapper = true;
      else region.unknownSites++;
      return;
    }
    if (insn.mnem === 'lea' && insn.ripTarget !== undefined) {
      // a function whose address this one takes (a callback, a thread's start, a signal restorer) counts as called
      const t = regionAt(layout.starts, insn.ripTarget);
      if (t >= 0 && layout.starts[t] === insn.ripTarget && inCode(insn.ripTarget)) next.add(t);
      return;
    }
    if (!isBranch(insn.mnem)) return;
    const viaPlt = insn.target === undefined ? undefined : layout.pltSlots.get(insn.target);
    const slotAddr = viaPlt ?? (insn.ops.startsWith('*') ? insn.ripTarget : undefined);
    const slot = slotAddr === undefined ? undefined : facts.slots.get(slotAddr);
    let to: number | string | undefined;
    if (slot !== undefined) imports.add((to = slot));
    else if (insn.target !== undefined && inCode(insn.target)) {
      const t = regionAt(layout.starts, insn.target);
      if (t !== r || insn.target < start || insn.target >= end) next.add((to = t));
    } else if (insn.mnem === 'call' && insn.ops.startsWith('*')) region.indirectCalls++;
    if (insn.mnem === 'call' && to !== undefined) {
      const v = valueBefore(code, i, 'di', 40);
      region.argCalls.push({ to, arg0: v.kind === 'const' ? v.values : null });
    }
  });
  const last = insns[insns.length - 1];
  if (last && !isTerminal(last) && last.mnem !== 'call' && !PADDING.test(last.mnem) && r + 1 < layout.starts.length) {
    if (inCode(layout.starts[r + 1]!)) next.add(r + 1);
  }
  next.delete(r);
  region.syscalls = [...new Set(region.syscalls)].sort((a, b) => a - b);
  region.next = [...next].sort((a, b) => a - b);
  region.imports = [...imports].sort();
  return region;
}

/** Build the graph of a file from its `objdump -d` listing and its readelf facts. */
export function buildCodeGraph(text: string, facts: ElfFacts): CodeGraph {
  const layout = firstPass(text, facts);
  const ctx: RegionContext = { layout, facts, name: namer(layout, facts) };
  const regions: Array<CodeRegion | undefined> = new Array(layout.starts.length).fill(undefined);
  let cur = -1;
  let buf: Insn[] = [];
  const flush = (): void => {
    if (cur >= 0 && buf.length > 0) regions[cur] = analyseRegion(ctx, cur, buf);
    buf = [];
  };
  for (const line of listing(text)) {
    if (line.kind !== 'insn') continue;
    const r = regionAt(layout.starts, line.insn.addr);
    if (r !== cur) {
      flush();
      cur = r;
    }
    buf.push(line.insn);
  }
  flush();
  return finishGraph(regions, layout, facts);
}

/** The calls that may reach a generic wrapper: to a local wrapper, or to an import (known only once linked); once each. */
function wrapperCalls(r: CodeRegion, regions: readonly CodeRegion[]): ArgCall[] {
  const seen = new Set<string>();
  return r.argCalls.filter((c) => {
    const key = JSON.stringify(c);
    if ((typeof c.to === 'number' && !regions[c.to]!.wrapper) || seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Empty regions (a label with no code) are kept so indices stay those of `starts`; exports point at their regions. */
function finishGraph(regions: Array<CodeRegion | undefined>, layout: Layout, facts: ElfFacts): CodeGraph {
  const full = regions.map((r, i) => r ?? emptyRegion(`0x${layout.starts[i]!.toString(16)}`, layout.starts[i]!));
  for (const r of full) r.argCalls = wrapperCalls(r, full);
  const exports: Record<string, number[]> = {};
  for (const f of facts.functions) {
    const i = regionAt(layout.starts, f.addr);
    if (!f.exported || i < 0 || layout.starts[i] !== f.addr) continue;
    exports[f.name] = [...new Set([...(exports[f.name] ?? []), i])].sort((a, b) => a - b);
  }
  const at = (a: number): number[] => {
    const i = regionAt(layout.starts, a);
    return i >= 0 && layout.starts[i] === a ? [i] : [];
  };
  return { regions: full, exports, entry: at(facts.entry), inits: [...new Set(facts.inits.flatMap(at))] };
}
