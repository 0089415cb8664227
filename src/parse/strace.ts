// The strace log parser: lines to events, joining unfinished/resumed calls, tracking ABI per pid, and ordering each
// process after the clone/fork that created it (strace may print a child's first lines before the parent's result).
import type { Abi } from '../recording/types.js';
import type { ParsedTrace, SyscallEvent, TraceEvent } from './events.js';
import { detached } from '../util/strings.js';
import { parseLineIn, type CallResult, type LineRecord } from './line.js';

const CLONE_CALLS = new Set(['clone', 'clone3', 'fork', 'vfork']);

/** Events held for a pid whose parent is not known yet are released after this many, with an inferred parent. */
const MAX_HELD = 20000;

interface Pending {
  nr: number | null;
  name: string;
  args: string;
  time: string;
  line: number;
  abi: Abi;
}

interface PidState {
  abi: Abi;
  abiKnown: boolean;
  /** Events held until the parent is known (null once known). */
  held: TraceEvent[] | null;
  /** Set when the parent is known but is itself held: our events go where the parent's go. */
  under: number | null;
  /** A likely parent: a pid with a clone/fork in flight when this one first appeared. */
  candidate: number | null;
  exited: boolean;
  order: number;
}

function incomplete(pid: number, p: Pending): SyscallEvent {
  return {
    kind: 'syscall',
    line: p.line,
    pid,
    time: p.time,
    abi: p.abi,
    nr: p.nr,
    name: p.name,
    args: p.args,
    ret: '',
    errno: '',
    retDeco: null,
    retHostPid: null,
    complete: false,
  };
}

/** A call that returned. */
function finished(
  pid: number,
  line: number,
  time: string,
  abi: Abi,
  nr: number | null,
  name: string,
  args: string,
  r: CallResult,
): SyscallEvent {
  return {
    kind: 'syscall',
    line,
    pid,
    time,
    abi,
    nr,
    name,
    args,
    ret: r.ret,
    errno: r.errno,
    retDeco: r.retDeco,
    retHostPid: r.retHostPid,
    complete: true,
  };
}

/** Streaming parser: feed lines in order, then call finish(). */
export class StraceParser {
  private readonly pids = new Map<number, PidState>();
  private readonly pending = new Map<number, Pending>();
  /** pid → line number of a clone/fork call in flight. */
  private readonly cloning = new Map<number, number>();
  /** Child pid → parent, from clone/fork results whose child has not been seen yet. */
  private readonly expected = new Map<number, number>();
  private lineNo = 0;
  private order = 0;
  private seenRoot = false;
  private badCount = 0;
  private readonly badLines: number[] = [];
  private neverResumed = 0;
  private readonly neverResumedFirst: string[] = [];
  private readonly warnings: string[] = [];
  firstTime = '';
  lastTime = '';

  constructor(private readonly emit: (e: TraceEvent) => void) {}

  /** Parse one line (without newline). `complete` is false for a last line that had no newline. */
  line(text: string, complete = true): void {
    this.lineIn(text, 0, text.length, complete);
  }

  /** line() of the line s[start, end), read in place (s is usually a chunk of the log holding many lines). */
  lineIn(s: string, start: number, end: number, complete = true): void {
    this.lineNo++;
    if (end === start) return;
    const lineNo = this.lineNo;
    // tracewall's own lines: when the run started and ended (the calls carry no time), which tracer made the log
    if (s.charCodeAt(start) === 35 /* # */ && s.startsWith('# tracewall: ', start)) {
      const line = s.slice(start, end);
      const m = /^# tracewall: (started|ended) (\d+\.\d{6})$/.exec(line);
      if (m?.[1] === 'started' && this.firstTime === '') this.firstTime = m[2]!;
      if (m?.[1] === 'ended') this.lastTime = m[2]!;
      if (m || /^# tracewall: tracer \S+ \S+$/.test(line)) return;
    }
    const rec = parseLineIn(s, start, end);
    if (rec.time !== '') {
      if (this.firstTime === '') this.firstTime = detached(rec.time);
      this.lastTime = rec.time;
    }
    // Most lines are finished calls: their path is kept short, and the rest is handled apart.
    if (rec.k === 'call' && complete) {
      const st = this.state(rec.pid, lineNo, rec.time);
      this.finishCall(rec.pid, finished(rec.pid, lineNo, rec.time, st.abi, rec.nr, rec.name, rec.args, rec.result));
      return;
    }
    this.otherLine(rec, lineNo, complete);
  }

  private otherLine(rec: LineRecord, lineNo: number, complete: boolean): void {
    if (!complete) this.warnings.push(`strace log is truncated: the last line (${lineNo}) is incomplete`);
    if (rec.k === 'bad') return this.badLine(rec, lineNo, complete);
    const pid = rec.pid;
    const st = this.state(pid, lineNo, rec.time);
    switch (rec.k) {
      case 'call':
        this.finishCall(pid, finished(pid, lineNo, rec.time, st.abi, rec.nr, rec.name, rec.args, rec.result));
        return;
      case 'unfinished':
        return this.unfinished(rec, lineNo, st);
      case 'resumed': {
        const p = this.takePending(pid, rec.nr, rec.name, lineNo, rec.time, st.abi);
        const result = rec.result ?? { ret: '?', errno: '', retDeco: null, retHostPid: null };
        this.finishCall(pid, finished(pid, p.line, p.time, p.abi, p.nr, p.name, joinArgs(p.args, rec.args), result));
        return;
      }
      case 'detached': {
        const p = rec.resumed
          ? this.takePending(pid, rec.nr, rec.name, lineNo, rec.time, st.abi)
          : { nr: rec.nr, name: rec.name, args: '', time: rec.time, line: lineNo, abi: st.abi };
        this.cloning.delete(pid);
        this.out(pid, incomplete(pid, { ...p, args: joinArgs(p.args, rec.args) }));
        return;
      }
      case 'signal':
        this.out(pid, { kind: 'signal', line: lineNo, pid, time: rec.time, signal: rec.signal, info: rec.info });
        return;
      case 'personality':
        st.abi = rec.abi;
        st.abiKnown = true;
        this.out(pid, { kind: 'personality', line: lineNo, pid, time: rec.time, abi: rec.abi });
        return;
      case 'superseded':
        return this.superseded(rec, lineNo, st);
      case 'exit':
      case 'killed':
        return this.ended(rec, lineNo, st);
    }
  }

  /** A line that is not strace output; at the very end, a call cut off mid-line (it happened, its result is lost). */
  private badLine(rec: Extract<LineRecord, { k: 'bad' }>, lineNo: number, complete: boolean): void {
    if (!complete && rec.pid > 0 && rec.name !== '') {
      const st = this.state(rec.pid, lineNo, rec.time);
      this.out(
        rec.pid,
        incomplete(rec.pid, { nr: null, name: rec.name, args: '', time: rec.time, line: lineNo, abi: st.abi }),
      );
      this.countNeverResumed(rec.pid, rec.name, lineNo);
      return;
    }
    if (complete || rec.pid === 0) this.malformed(lineNo);
  }

  /** `<unfinished ...>`: the call waits for its resumed line; a clone in flight may be a new pid's parent. */
  private unfinished(rec: Extract<LineRecord, { k: 'unfinished' }>, lineNo: number, st: PidState): void {
    const old = this.pending.get(rec.pid);
    if (old) this.dropPending(rec.pid, old);
    this.pending.set(rec.pid, {
      nr: rec.nr,
      name: rec.name,
      args: rec.args,
      time: rec.time,
      line: lineNo,
      abi: st.abi,
    });
    if (CLONE_CALLS.has(rec.name)) this.cloning.set(rec.pid, lineNo);
  }

  /** A thread's execve made it the leader: its pending call and ABI move to the leader's pid. */
  private superseded(rec: Extract<LineRecord, { k: 'superseded' }>, lineNo: number, st: PidState): void {
    const pid = rec.pid;
    const p = this.pending.get(rec.by);
    if (p) {
      this.pending.delete(rec.by);
      this.pending.set(pid, p);
    }
    const by = this.pids.get(rec.by);
    if (by && by.held === null) {
      st.abi = by.abi;
      this.pids.delete(rec.by);
    }
    this.cloning.delete(rec.by);
    this.out(pid, { kind: 'superseded', line: lineNo, pid, time: rec.time, by: rec.by });
  }

  /** `+++ exited +++` / `+++ killed +++`: the process is gone (a later process may reuse its pid). */
  private ended(rec: Extract<LineRecord, { k: 'exit' | 'killed' }>, lineNo: number, st: PidState): void {
    const pid = rec.pid;
    const p = this.pending.get(pid);
    if (p) this.dropPending(pid, p);
    this.cloning.delete(pid);
    if (rec.k === 'exit') this.out(pid, { kind: 'exit', line: lineNo, pid, time: rec.time, code: rec.code });
    else {
      const { signal, coreDumped } = rec;
      this.out(pid, { kind: 'killed', line: lineNo, pid, time: rec.time, signal, coreDumped });
    }
    st.exited = true;
    if (this.sink(pid) === null) this.pids.delete(pid);
  }

  /** Flush what is still open (calls never resumed, processes with no known parent) and return the warnings. */
  finish(): string[] {
    for (const [pid, p] of [...this.pending.entries()].sort((a, b) => a[1].line - b[1].line)) this.dropPending(pid, p);
    this.pending.clear();
    const held = [...this.pids.entries()].filter(([, s]) => s.held !== null).sort((a, b) => a[1].order - b[1].order);
    for (const [pid] of held) this.release(pid);
    const w = [...this.warnings];
    if (this.badCount > 0) {
      w.push(
        `${this.badCount} strace line${this.badCount === 1 ? ' was' : 's were'} not understood and skipped (first at line${this.badLines.length === 1 ? '' : 's'} ${this.badLines.join(', ')})`,
      );
    }
    if (this.neverResumed > 0) {
      w.push(
        `${this.neverResumed} call${this.neverResumed === 1 ? '' : 's'} never returned before the process ended or the log stopped (counted as calls; first: ${this.neverResumedFirst.join(', ')})`,
      );
    }
    return w;
  }

  private malformed(lineNo: number): void {
    this.badCount++;
    if (this.badLines.length < 5) this.badLines.push(lineNo);
  }

  private countNeverResumed(pid: number, name: string, lineNo: number): void {
    this.neverResumed++;
    if (this.neverResumedFirst.length < 3) this.neverResumedFirst.push(`${name} in pid ${pid} at line ${lineNo}`);
  }

  private dropPending(pid: number, p: Pending): void {
    this.pending.delete(pid);
    if (this.cloning.get(pid) === p.line) this.cloning.delete(pid);
    this.countNeverResumed(pid, p.name, p.line);
    this.out(pid, incomplete(pid, p));
  }

  private takePending(pid: number, nr: number | null, name: string, lineNo: number, time: string, abi: Abi): Pending {
    const p = this.pending.get(pid);
    if (p && p.name === name) {
      this.pending.delete(pid);
      if (this.cloning.get(pid) === p.line) this.cloning.delete(pid);
      return p;
    }
    // A resumed line without its start (log begins mid-call, or lines were lost): the call still happened.
    return { nr, name, args: '', time, line: lineNo, abi };
  }

  private finishCall(pid: number, ev: SyscallEvent): void {
    this.out(pid, ev);
    if (CLONE_CALLS.has(ev.name) && ev.errno === '' && /^\d+$/.test(ev.ret) && ev.ret !== '0') {
      this.childCreated(pid, ev.retHostPid ?? Number(ev.ret));
    }
  }

  // A clone/fork of `parent` returned `child`.
  private childCreated(parent: number, child: number): void {
    const cs = this.pids.get(child);
    if (cs && cs.held !== null) {
      this.resolve(child, parent);
      return;
    }
    if (!cs) this.expected.set(child, parent);
  }

  private state(pid: number, lineNo: number, time: string): PidState {
    let st = this.pids.get(pid);
    if (st && !(st.exited && this.sink(pid) === null)) return st;
    st = {
      abi: 'x86_64',
      abiKnown: false,
      held: null,
      under: null,
      candidate: null,
      exited: false,
      order: this.order++,
    };
    this.pids.set(pid, st);
    const parent = this.expected.get(pid);
    if (parent !== undefined) {
      this.expected.delete(pid);
      const ps = this.pids.get(parent);
      if (ps) st.abi = ps.abi;
      if (ps && ps.held !== null) st.under = parent;
      else if (ps && ps.under !== null) st.under = parent;
      this.out(pid, { kind: 'process', line: lineNo, pid, time, ppid: parent, exact: true });
      return st;
    }
    if (!this.seenRoot) {
      this.seenRoot = true;
      this.out(pid, { kind: 'process', line: lineNo, pid, time, ppid: null, exact: true });
      return st;
    }
    // Parent unknown yet: hold this pid's events until a clone/fork result names it. With no clone in progress none
    // can: a child's first line always follows its parent's clone entry, printed whole (expected) or unfinished
    // (cloning). Such a pid (a log cut at the front, logs run together) is a root of its own, at once.
    let best: number | null = null;
    let bestLine = -1;
    for (const [p, l] of this.cloning)
      if (p !== pid && l > bestLine) {
        best = p;
        bestLine = l;
      }
    if (best === null) {
      this.warnings.push(
        `process ${pid} was not created by any traced process that strace showed; treated as a separate root`,
      );
      this.out(pid, { kind: 'process', line: lineNo, pid, time, ppid: null, exact: false });
      return st;
    }
    st.candidate = best;
    st.held = [{ kind: 'process', line: lineNo, pid, time, ppid: null, exact: false }];
    return st;
  }

  // The nearest ancestor (or the pid itself) whose parent is unknown, so that holds this pid's events; null when none.
  private holder(pid: number): number | null {
    let cur: number | null = pid;
    for (let depth = 0; cur !== null && depth < 10000; depth++) {
      const st = this.pids.get(cur);
      if (!st) return null;
      if (st.held !== null) return cur;
      cur = st.under;
    }
    return null;
  }

  // Where a pid's events go now: the output (null), or the held list of its holder.
  private sink(pid: number): TraceEvent[] | null {
    const h = this.holder(pid);
    return h === null ? null : this.pids.get(h)!.held;
  }

  private out(pid: number, ev: TraceEvent): void {
    const st = this.pids.get(pid);
    if (!st || (st.held === null && st.under === null)) {
      this.emit(ev);
      return;
    }
    const h = this.holder(pid);
    if (h === null) {
      st.under = null;
      this.emit(ev);
      return;
    }
    const held = this.pids.get(h)!.held!;
    held.push(ev);
    // Bounded memory: a subtree held too long is released with its inferred parent.
    if (held.length > MAX_HELD) this.release(h);
  }

  // The parent of a held pid is now known.
  private resolve(pid: number, parent: number | null, exact = true): void {
    const st = this.pids.get(pid);
    if (!st || st.held === null) return;
    const held = st.held;
    st.held = null;
    const ps = parent === null ? undefined : this.pids.get(parent);
    if (!st.abiKnown && ps) {
      st.abi = ps.abi;
      for (const ev of held) {
        if (ev.pid !== pid) continue;
        if (ev.kind === 'personality') break;
        if (ev.kind === 'syscall') ev.abi = ps.abi;
      }
    }
    const first = held[0];
    if (first && first.kind === 'process') {
      first.ppid = parent;
      first.exact = exact && parent !== null;
    }
    st.under = ps ? parent : null;
    const sink = ps ? this.sink(pid) : null;
    if (sink) for (const ev of held) sink.push(ev);
    else for (const ev of held) this.emit(ev);
    if (st.exited && this.sink(pid) === null) this.pids.delete(pid);
  }

  // Give up waiting for an exact parent: use the likely one (or none).
  private release(pid: number): void {
    const st = this.pids.get(pid);
    if (!st || st.held === null) return;
    let parent = st.candidate;
    if (parent !== null && !this.pids.has(parent)) parent = null;
    if (parent === null)
      this.warnings.push(
        `process ${pid} was not created by any traced process that strace showed; treated as a separate root`,
      );
    this.resolve(pid, parent, false);
  }
}

// `wait4(-1, ` + `[{...}], 0, NULL` → one argument list.
function joinArgs(a: string, b: string): string {
  if (a === '') return b;
  if (b === '') return a.trimEnd();
  return a.endsWith(' ') ? a.trimEnd() + ' ' + b : a + b;
}

/** Parse a whole strace log (made with straceArgs(); -ttt stamps are read where present) into events in order, with warnings. Never throws. */
export function parseStraceLog(text: string): ParsedTrace {
  const events: TraceEvent[] = [];
  const parser = new StraceParser((e) => events.push(e));
  const lines = feedText(parser, text);
  const warnings = parser.finish();
  return { events, warnings, lines, firstTime: parser.firstTime, lastTime: parser.lastTime };
}

/**
 * Feed text delivered in pieces (a file read in chunks) to a parser line by line, as feedText would the whole text. Lines
 * are cut from each chunk where they lie; only a line that spans chunks is put together.
 */
export function feedChunks(parser: StraceParser, chunks: Iterable<string>): void {
  let carry = '';
  for (const chunk of chunks) {
    let nl = chunk.indexOf('\n');
    if (nl < 0) {
      carry += chunk;
      continue;
    }
    if (carry === '') parser.lineIn(chunk, 0, nl);
    else parser.line(carry + chunk.slice(0, nl));
    let start = nl + 1;
    while ((nl = chunk.indexOf('\n', start)) >= 0) {
      parser.lineIn(chunk, start, nl);
      start = nl + 1;
    }
    carry = chunk.slice(start);
  }
  if (carry !== '') parser.line(carry, false);
}

/** Feed text to a parser line by line; a last line without a newline is marked incomplete. Returns the line count. */
export function feedText(parser: StraceParser, text: string): number {
  let start = 0;
  let n = 0;
  while (start < text.length) {
    const nl = text.indexOf('\n', start);
    if (nl < 0) {
      parser.lineIn(text, start, text.length, false);
      n++;
      break;
    }
    parser.lineIn(text, start, nl, true);
    n++;
    start = nl + 1;
  }
  return n;
}
