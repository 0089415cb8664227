// The value a register holds at an instruction, found by walking back through one function's code: how the number of a
// `syscall` instruction (%eax) or the first argument of a call (%edi) is known to be a constant.
import type { Insn } from './objdump.js';

/** What a register holds: one of a few constants, the function's own first argument (%rdi at entry), or unknown. */
export type RegisterValue = { kind: 'const'; values: number[] } | { kind: 'arg0' } | { kind: 'unknown' };

/** A function's instructions and how control reaches them, for the backward walk. */
export interface FunctionCode {
  insns: readonly Insn[];
  /** Instruction index → indices of the jumps in this function that target it. */
  jumpsInto: ReadonlyMap<number, readonly number[]>;
  /** Addresses that jumps from outside this function target (their incoming values are unknown). */
  foreignTargets: ReadonlySet<number>;
}

const FAMILIES: Readonly<Record<string, string>> = {};
for (const [family, names] of Object.entries({
  a: ['rax', 'eax', 'ax', 'al', 'ah'],
  b: ['rbx', 'ebx', 'bx', 'bl', 'bh'],
  c: ['rcx', 'ecx', 'cx', 'cl', 'ch'],
  d: ['rdx', 'edx', 'dx', 'dl', 'dh'],
  si: ['rsi', 'esi', 'si', 'sil'],
  di: ['rdi', 'edi', 'di', 'dil'],
  bp: ['rbp', 'ebp', 'bp', 'bpl'],
  r8: ['r8', 'r8d', 'r8w', 'r8b'],
  r9: ['r9', 'r9d', 'r9w', 'r9b'],
  r10: ['r10', 'r10d', 'r10w', 'r10b'],
  r11: ['r11', 'r11d', 'r11w', 'r11b'],
  r12: ['r12', 'r12d', 'r12w', 'r12b'],
  r13: ['r13', 'r13d', 'r13w', 'r13b'],
  r14: ['r14', 'r14d', 'r14w', 'r14b'],
  r15: ['r15', 'r15d', 'r15w', 'r15b'],
}))
  for (const n of names) (FAMILIES as Record<string, string>)[`%${n}`] = family;
/** Full-width (or zero-extending 32-bit) names: a move into one of these sets the whole register. */
const WHOLE = /^%(r[a-d]x|e[a-d]x|r[sd]i|e[sd]i|r[sb]p|e[sb]p|r\d+d?)$/;

/** Registers a call may change (the System V caller-saved set). */
const CALL_CLOBBERS = new Set(['a', 'c', 'd', 'si', 'di', 'r8', 'r9', 'r10', 'r11']);
/** Instructions that read but never write their operands. */
const NO_WRITE = /^(cmp(?!xchg)|test|bt$|push|v?u?comis|v?ptest|nop|j|prefetch|endbr|lfence|mfence|sfence)/;
/** Instructions that write %rax (or part of it) without naming it last. */
const IMPLICIT_A = /^(syscall|mul|div|idiv|cpuid|rdtscp?|lods|cmpxchg|xgetbv|lahf|xlat|rdpid|rdpkru)/;

/** The operands of an AT&T instruction, split at commas outside parentheses. */
export function operands(ops: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of ops) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  if (cur.trim() !== '') out.push(cur.trim());
  return out;
}

type Effect =
  { kind: 'none' } | { kind: 'const'; value: number } | { kind: 'copy'; from: string } | { kind: 'clobber' };

function immediate(op: string): number | undefined {
  const m = /^\$(-?)(0x[0-9a-f]+|\d+)$/.exec(op);
  if (!m) return undefined;
  const v = Number(m[2]);
  return m[1] === '-' ? -v : v;
}

/** True when the instruction changes `reg` without naming it as its destination. */
function implicitlyWrites(insn: Insn, reg: string): boolean {
  const { mnem } = insn;
  if (mnem === 'call') return CALL_CLOBBERS.has(reg);
  if (reg === 'a') return IMPLICIT_A.test(mnem);
  if (reg === 'c' || reg === 'r11') return mnem === 'syscall';
  return reg === 'di' && /%es:\(%[re]di\)/.test(insn.ops);
}

/** What an instruction does to register family `reg`. */
export function effectOn(insn: Insn, reg: string): Effect {
  const { mnem } = insn;
  if (implicitlyWrites(insn, reg)) return { kind: 'clobber' };
  if (mnem === 'call') return { kind: 'none' };
  const ops = operands(insn.ops);
  if (mnem.startsWith('xchg') || mnem.startsWith('xadd'))
    return ops.some((o) => FAMILIES[o] === reg) ? { kind: 'clobber' } : { kind: 'none' };
  const dest = ops[ops.length - 1];
  if (dest === undefined || FAMILIES[dest] !== reg || NO_WRITE.test(mnem)) return { kind: 'none' };
  const src = ops.length === 2 ? ops[0]! : '';
  if ((mnem === 'mov' || mnem === 'movl' || mnem === 'movq' || mnem === 'movabs') && WHOLE.test(dest)) {
    const imm = immediate(src);
    if (imm !== undefined) return { kind: 'const', value: imm };
    if (FAMILIES[src] !== undefined && WHOLE.test(src)) return { kind: 'copy', from: FAMILIES[src]! };
  }
  if ((mnem === 'xor' || mnem === 'sub') && src === dest && WHOLE.test(dest)) return { kind: 'const', value: 0 };
  return { kind: 'clobber' };
}

const TERMINAL = /^(ret|jmp|hlt|ud2)/;

/** True when control never falls through to the next instruction. */
export function isTerminal(insn: Insn): boolean {
  return TERMINAL.test(insn.mnem);
}

interface Walk {
  code: FunctionCode;
  seen: Set<string>;
  budget: number;
}

function merge(values: RegisterValue[]): RegisterValue {
  if (values.some((v) => v.kind === 'unknown')) return { kind: 'unknown' };
  const consts = values.filter((v): v is { kind: 'const'; values: number[] } => v.kind === 'const');
  const args = values.filter((v) => v.kind === 'arg0');
  if (args.length > 0) return consts.some((c) => c.values.length > 0) ? { kind: 'unknown' } : { kind: 'arg0' };
  return { kind: 'const', values: [...new Set(consts.flatMap((c) => c.values))].sort((a, b) => a - b) };
}

function after(w: Walk, p: number, reg: string): RegisterValue {
  const e = effectOn(w.code.insns[p]!, reg);
  if (e.kind === 'const') return { kind: 'const', values: [e.value] };
  if (e.kind === 'clobber') return { kind: 'unknown' };
  return before(w, p, e.kind === 'copy' ? e.from : reg);
}

function before(w: Walk, k: number, reg: string): RegisterValue {
  const key = `${k}:${reg}`;
  if (w.seen.has(key)) return { kind: 'const', values: [] }; // a loop back adds nothing new
  if (--w.budget < 0) return { kind: 'unknown' };
  w.seen.add(key);
  const insn = w.code.insns[k]!;
  if (w.code.foreignTargets.has(insn.addr)) return { kind: 'unknown' };
  const preds = [...(w.code.jumpsInto.get(k) ?? [])];
  const entry = k === 0;
  if (!entry && !isTerminal(w.code.insns[k - 1]!)) preds.push(k - 1);
  const values = preds.map((p) => after(w, p, reg));
  if (entry) values.push(reg === 'di' ? { kind: 'arg0' } : { kind: 'unknown' });
  if (values.length === 0) return { kind: 'const', values: [] }; // padding after a return: no path comes this way
  return merge(values);
}

/** The value of register family `reg` (`a` for %rax, `di` for %rdi, ...) just before instruction `index` runs. */
export function valueBefore(code: FunctionCode, index: number, reg: string, budget = 200): RegisterValue {
  const v = before({ code, seen: new Set(), budget }, index, reg);
  return v.kind === 'const' && v.values.length === 0 ? { kind: 'unknown' } : v;
}
