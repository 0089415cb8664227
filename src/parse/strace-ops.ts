// The strace adapter: events of an strace log (src/parse/strace.ts) → the typed operations of src/model/operations.ts.
// The only place where strace's printed text turns into operations.
import type { Abi } from '../recording/types.js';
import type { CallOp, Op, Outcome } from '../model/operations.js';
import { badInput } from '../errors.js';
import { placeholderNumber, syscallName, syscallNumber } from '../syscalls/index.js';
import {
  SYSCALL_SEMANTICS,
  argumentsNeeded,
  semanticsOf,
  type Semantics,
  type SemanticsTable,
} from '../syscalls/semantics.js';
import type { SyscallEvent, TraceEvent } from './events.js';
import { parseArgs } from './args.js';
import { straceEffect } from './strace-effects.js';
import { bigOf } from './strace-values.js';

/** How the adapter treats a log. */
export interface StraceOpsOptions {
  /**
   * A 64-bit call whose number (-n) is not its name's number on x86_64 means the log was made on another architecture
   * (or is corrupt). 'warn' (default) records the call by the name strace printed and warns; 'refuse' throws an exit-2
   * error naming the line.
   */
  foreignArch?: 'warn' | 'refuse';
  /** The syscall table (a test's extension of the real one). */
  table?: SemanticsTable;
}

/**
 * The syscall that was really made: strace names i386 socketcall/ipc subcalls after the subcall (`socket`), and -n gives
 * the number actually used, so the table's name for that number wins when the two disagree.
 */
export function realName(abi: Abi, name: string, nr: number | null): string {
  if (nr === null || placeholderNumber(name) !== undefined || syscallNumber(abi, name) === nr) return name;
  return syscallName(abi, nr) ?? (abi === 'x32' ? syscallName(abi, nr | 0x40000000) : undefined) ?? name;
}

/**
 * The x86_64 number of `name` when the log gave it another number: on x86_64 strace names every call after its number
 * (there are no multiplexers), so a disagreement means the log is not an x86_64 log. Trusting the number there would
 * turn, e.g., aarch64's nanosleep (101) into ptrace. Undefined when the two agree or cannot be compared.
 */
export function foreignNumber(abi: Abi, name: string, nr: number | null): number | undefined {
  if (abi !== 'x86_64' || nr === null || placeholderNumber(name) !== undefined) return undefined;
  const expected = syscallNumber(abi, name);
  return expected === undefined || expected === nr ? undefined : expected;
}

/** A call name's table row and number on one ABI, worked out once per name. */
interface CallInfo {
  semantics: Semantics | undefined;
  argsNeeded: number;
  placeholder: boolean;
  /** For a placeholder (`syscall_0x1c4`): the name tracewall's table has for the number, when strace did not know it. */
  known: string | undefined;
  nr: number | undefined;
}

/** The outcome of an strace call: complete, ok, errno, and the result as a number where it is one. */
function outcomeOf(ev: SyscallEvent): Outcome {
  const ok = ev.complete && ev.errno === '' && ev.ret !== '?' && ev.ret !== '';
  const ret = ev.ret.startsWith('-') ? bigOf(ev.ret.slice(1)) : bigOf(ev.ret);
  return { complete: ev.complete, ok, errno: ev.errno, ret: ret !== null && ev.ret.startsWith('-') ? -ret : ret };
}

/** Turns strace events into operations, in order. */
export class StraceAdapter {
  private readonly infos: Partial<Record<Abi, Map<string, CallInfo>>> = {};
  private readonly table: SemanticsTable;
  /** Calls whose x86_64 number disagreed with their name (see foreignNumber), and the first of them. */
  private foreign = 0;
  private foreignFirst = '';

  constructor(
    private readonly emit: (o: Op) => void,
    private readonly opts: StraceOpsOptions = {},
  ) {
    this.table = opts.table ?? SYSCALL_SEMANTICS;
  }

  /** Take one event of the log. */
  event(e: TraceEvent): void {
    switch (e.kind) {
      case 'process':
        this.emit({ op: 'task', pid: e.pid, time: e.time, ppid: e.ppid, exact: e.exact, ...extras(e) });
        return;
      case 'syscall':
        this.emit(this.call(e));
        return;
      case 'exit':
        this.emit({ op: 'exit', pid: e.pid, time: e.time, code: e.code });
        return;
      case 'killed':
        this.emit({ op: 'killed', pid: e.pid, time: e.time, signal: e.signal });
        return;
      case 'superseded':
        this.emit({ op: 'superseded', pid: e.pid, by: e.by });
        return;
      case 'signal':
      case 'personality':
        return;
    }
  }

  /** After the last event: the warning about calls of another architecture, if any. */
  finish(): void {
    if (this.foreign === 0) return;
    const calls = `${this.foreign} call${this.foreign === 1 ? '' : 's'}`;
    this.emit({
      op: 'warning',
      text: `${calls} had a syscall number that is not the x86_64 number of its name (first at ${this.foreignFirst}); the log may come from another architecture; recorded by the names strace printed`,
    });
  }

  private info(abi: Abi, name: string): CallInfo {
    const byName = (this.infos[abi] ??= new Map());
    let info = byName.get(name);
    if (!info) {
      const semantics = semanticsOf(name, this.table);
      info = {
        semantics,
        argsNeeded: semantics?.effect ? argumentsNeeded(semantics) : 0,
        placeholder: placeholderNumber(name) !== undefined,
        known: knownName(abi, name),
        nr: syscallNumber(abi, name),
      };
      byName.set(name, info);
    }
    return info;
  }

  private call(ev: SyscallEvent): CallOp {
    const info = this.info(ev.abi, ev.name);
    // When the number is the name's own (nearly always), foreignNumber has nothing to say and realName is the name.
    const agrees = ev.nr === null || info.placeholder || info.nr === ev.nr;
    const expected = agrees ? undefined : foreignNumber(ev.abi, ev.name, ev.nr);
    if (expected !== undefined) this.noteForeign(ev, expected);
    const printed = info.placeholder ? (info.known ?? ev.name) : ev.name;
    const name = agrees || expected !== undefined ? printed : realName(ev.abi, ev.name, ev.nr);
    const s = info.semantics;
    const effect = s?.effect && ev.complete ? straceEffect(s, parseArgs(ev.args, info.argsNeeded), ev) : null;
    return {
      op: 'call',
      pid: ev.pid,
      time: ev.time,
      abi: ev.abi,
      name,
      counted: true,
      argFacts: name === printed && Boolean(s?.facts),
      outcome: outcomeOf(ev),
      effect,
    };
  }

  private noteForeign(ev: SyscallEvent, expected: number): void {
    const what = `line ${ev.line}: syscall ${ev.name} has number ${ev.nr} in the log, but ${expected} on x86_64`;
    if (this.opts.foreignArch === 'refuse') {
      throw badInput(
        `${what}: the log was not made on x86_64 (tracewall reads x86_64 strace logs made with -n) or is corrupt`,
      );
    }
    if (this.foreign++ === 0) this.foreignFirst = what;
  }
}

/** The table's name for the number of strace's `syscall_0x...` placeholder, or undefined. */
function knownName(abi: Abi, name: string): string | undefined {
  const nr = placeholderNumber(name);
  return nr === undefined ? undefined : syscallName(abi, nr);
}

function extras(e: Extract<TraceEvent, { kind: 'process' }>): Pick<Extract<Op, { op: 'task' }>, 'exe' | 'creds'> {
  return { ...(e.exe === undefined ? {} : { exe: e.exe }), ...(e.creds ? { creds: e.creds } : {}) };
}
