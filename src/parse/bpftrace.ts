// tracewall's bpftrace log (src/trace/bpftrace/tracewall.bt's output, behind one header line) → ordered records and
// the kernel maps printed at the end. Pure: the same text always gives the same result.
import type { Abi } from '../recording/types.js';
import { bytesOfR, escapeBytes, textOfBytes, textOfR, type DecodedText } from './bpftrace-text.js';

/** The first line of every log tracewall writes for bpftrace; `record --from-log` recognises a log by it. */
export const BPFTRACE_LOG_HEADER = '# tracewall bpftrace log v1';

/** A path the kernel named (walked up from a dentry to the root of its mount namespace). */
export interface BtPath extends DecodedText {
  /** The path in strace's escaped form (as in a -yy decoration). */
  escaped: string;
  /** More than the program's 48 levels: the leading part is missing. */
  truncated: boolean;
}

/** A string argument, read from the process's memory. */
export interface BtString extends DecodedText {
  /** Longer than the 512 bytes the program reads. */
  truncated: boolean;
}

interface Base {
  /** CLOCK_MONOTONIC nanoseconds. */
  ts: bigint;
  tid: number;
}

/** One thing the log says, in time order. */
export type BtRecord =
  | (Base & { k: 'app' })
  | (Base & { k: 'fork'; child: number; flags: bigint })
  | (Base & { k: 'exit'; tgid: number; code: number; groupDead: boolean })
  | (Base & { k: 'exec'; nr: number; dir: BtPath | null; filename: BtString; argv0: BtString | null })
  | (Base & { k: 'exec-ok'; oldTid: number })
  | (Base & { k: 'exec-failed'; ret: number })
  | (Base & {
      k: 'call';
      nr: number;
      ret: bigint;
      a: [bigint, bigint, bigint, bigint];
      path1: BtPath | null;
      path2: BtPath | null;
      str1: BtString | null;
      str2: BtString | null;
    })
  | (Base & {
      k: 'listen';
      fd: number;
      family: number;
      port: number;
      addr4: number;
      addr6: [number, number, number, number];
    })
  /** Attach modes: a call (x86_64 number) the thread was already inside when the probes attached. */
  | (Base & { k: 'blocked'; nr: number })
  /** Attach modes: a thread of the tree that was already running, with its process, effective ids and executable. */
  | (Base & { k: 'running'; tgid: number; euid: number; egid: number; exe: DecodedText });

/** A count from the map @calls or @fails. */
export interface BtCount {
  abi: Abi;
  nr: number;
  count: number;
}

/** An entry of @af: argument values of a call and whether it succeeded, with how often. */
export interface BtArgFact {
  nr: number;
  values: [bigint, bigint, bigint];
  ok: boolean;
  count: number;
}

/** A parsed log. */
export interface BpftraceLog {
  records: BtRecord[];
  calls: BtCount[];
  fails: BtCount[];
  argFacts: BtArgFact[];
  /** The wall clock at one monotonic instant (from the T line), to turn stamps into times; null when missing. */
  clock: { epochMicros: bigint; ns: bigint } | null;
  /** True when the END marker and maps were printed (bpftrace stopped cleanly). */
  ended: boolean;
  warnings: string[];
}

const ABI_OF: Record<string, Abi> = { '0': 'x86_64', '1': 'i386', '2': 'x32' };

interface Raw {
  ts: bigint;
  order: number;
  fields: string[];
  /** The %r text after the fixed fields (S and N lines). */
  rest: string;
}

/** Split `KIND f1 f2 ... rest` taking `n` fields; the rest of the line is kept verbatim. */
function splitFields(line: string, n: number): { fields: string[]; rest: string } | null {
  const fields: string[] = [];
  let i = 0;
  for (let k = 0; k < n; k++) {
    const sp = line.indexOf(' ', i);
    if (sp < 0) {
      if (k === n - 1 && i < line.length) {
        fields.push(line.slice(i));
        return { fields, rest: '' };
      }
      return null;
    }
    fields.push(line.slice(i, sp));
    i = sp + 1;
  }
  return { fields, rest: line.slice(i) };
}

const FIELDS: Record<string, number> = {
  B: 4,
  P: 6,
  A: 3,
  F: 5,
  Q: 6,
  XE: 5,
  XS: 4,
  XF: 4,
  S: 4,
  N: 3,
  NT: 3,
  NE: 3,
  R: 12,
  L: 11,
};
const INT = /^-?\d+$/;

function big(s: string | undefined): bigint {
  return s !== undefined && INT.test(s) ? BigInt(s) : 0n;
}

function num(s: string | undefined): number {
  return s !== undefined && INT.test(s) ? Number(s) : 0;
}

type PathParts = Map<string, { parts: number[][]; truncated: boolean }>;

/** The first pass: every line sorted into maps, the clock, path components, and the records to order by stamp. */
class LineScan {
  readonly raws: Raw[] = [];
  readonly paths: PathParts = new Map();
  readonly out: BpftraceLog = {
    records: [],
    calls: [],
    fails: [],
    argFacts: [],
    clock: null,
    ended: false,
    warnings: [],
  };
  private bad = 0;
  private firstBad = '';
  private lost = 0;

  line(line: string, n: number): void {
    if (line === '' || line === BPFTRACE_LOG_HEADER || line === 'READY' || line.startsWith('Attaching ')) return;
    if (line.startsWith('# tracewall: ')) return;
    const lostM = /^Lost (\d+) events/.exec(line);
    if (lostM) this.lost += Number(lostM[1]);
    else if (line === 'END') this.out.ended = true;
    else if (!this.mapLine(line) && !this.clockLine(line)) this.recordLine(line, n);
  }

  /** `@calls[abi, nr]: count`, `@fails[...]`, `@af[nr, v1, v2, v3, ok]: count`. */
  private mapLine(line: string): boolean {
    const map = /^@(calls|fails|af)\[([^\]]*)\]: (\d+)$/.exec(line);
    if (!map) return false;
    const keys = map[2]!.split(', ');
    const count = Number(map[3]);
    if (map[1] === 'af' && keys.length === 5) {
      const values: [bigint, bigint, bigint] = [big(keys[1]), big(keys[2]), big(keys[3])];
      this.out.argFacts.push({ nr: num(keys[0]), values, ok: keys[4] === '1', count });
    } else if (keys.length === 2 && ABI_OF[keys[0]!]) {
      (map[1] === 'calls' ? this.out.calls : this.out.fails).push({ abi: ABI_OF[keys[0]!]!, nr: num(keys[1]), count });
    }
    return true;
  }

  private clockLine(line: string): boolean {
    if (!line.startsWith('T ')) return false;
    const m = /^T (\d+)\.(\d{6}) (\d+)$/.exec(line);
    if (m) this.out.clock = { epochMicros: BigInt(m[1]!) * 1000000n + BigInt(m[2]!), ns: BigInt(m[3]!) };
    return true;
  }

  private recordLine(line: string, n: number): void {
    const kind = line.slice(0, line.indexOf(' '));
    const width = FIELDS[kind];
    const split = width === undefined ? null : splitFields(line, width);
    if (!split || !INT.test(split.fields[1] ?? '')) {
      if (this.bad++ === 0) this.firstBad = `line ${n + 1}: ${line.length > 80 ? line.slice(0, 80) + '...' : line}`;
      return;
    }
    if (kind === 'N' || kind === 'NT' || kind === 'NE') {
      const key = split.fields[2]!;
      const p = this.paths.get(key) ?? { parts: [], truncated: false };
      if (kind === 'N') p.parts.push(bytesOfR(split.rest));
      else if (kind === 'NT') p.truncated = true;
      this.paths.set(key, p);
      return;
    }
    this.raws.push({ ts: BigInt(split.fields[1]!), order: n, fields: split.fields, rest: split.rest });
  }

  /** The warnings of the first pass: lines not understood, events bpftrace lost. */
  warnings(): string[] {
    const w: string[] = [];
    if (this.bad > 0)
      w.push(`bpftrace log: ${this.bad} line${this.bad === 1 ? '' : 's'} not understood (first at ${this.firstBad})`);
    if (this.lost > 0)
      w.push(
        `bpftrace lost ${this.lost} events (its output buffer overflowed): files, execs or network facts may be missing`,
      );
    return w;
  }
}

/** The second pass: records in stamp order, with their strings (sent before them) and paths joined in. */
class RecordBuilder {
  /** Strings come before the record of the same tid that uses them: slot → bytes. */
  private readonly pending = new Map<number, Map<string, number[]>>();

  constructor(private readonly paths: PathParts) {}

  pathOf(serial: string | undefined): BtPath | null {
    if (serial === undefined || serial === '0') return null;
    const p = this.paths.get(serial);
    if (!p) return null;
    const bytes: number[] = [];
    for (let i = p.parts.length - 1; i >= 0; i--) bytes.push(47, ...p.parts[i]!);
    if (bytes.length === 0) bytes.push(47);
    return { ...textOfBytes(bytes), escaped: escapeBytes(bytes), truncated: p.truncated };
  }

  take(tid: number, slot: string, truncatedSlot: boolean): BtString | null {
    const bytes = this.pending.get(tid)?.get(slot);
    if (bytes === undefined) return null;
    return { ...textOfBytes(bytes), truncated: truncatedSlot };
  }

  /** An S line: a chunk of a string of the tid's next record (argv[0] comes from a fixed buffer: cut at its NUL). */
  string(tid: number, slot: string, rest: string): void {
    const slots = this.pending.get(tid) ?? new Map<string, number[]>();
    this.pending.set(tid, slots);
    const bytes = bytesOfR(rest);
    const cut = slot === '2' && bytes.includes(0) ? bytes.slice(0, bytes.indexOf(0)) : bytes;
    slots.set(slot, [...(slots.get(slot) ?? []), ...cut]);
  }

  /** The record of one line (null for S lines, which only feed later records). */
  record(r: Raw): BtRecord | null {
    const f = r.fields;
    const ts = r.ts;
    const tid = num(f[2]);
    switch (f[0]) {
      case 'S':
        this.string(tid, f[3]!, r.rest);
        return null;
      case 'A':
        return { k: 'app', ts, tid };
      case 'F':
        return { k: 'fork', ts, tid, child: num(f[3]), flags: big(f[4]) };
      case 'Q':
        return { k: 'exit', ts, tid, tgid: num(f[3]), code: num(f[4]), groupDead: f[5] === '1' };
      case 'XE':
        return this.exec(r, tid);
      case 'XS':
        return { k: 'exec-ok', ts, tid, oldTid: num(f[3]) };
      case 'XF':
        return { k: 'exec-failed', ts, tid, ret: num(f[3]) };
      case 'R':
        return this.call(r, tid);
      case 'B':
        return { k: 'blocked', ts, tid, nr: num(f[3]) };
      case 'P':
        return { k: 'running', ts, tid, tgid: num(f[3]), euid: num(f[4]), egid: num(f[5]), exe: textOfR(r.rest) };
      case 'L':
        return listenRecord(r, tid);
      default:
        return null;
    }
  }

  private exec(r: Raw, tid: number): BtRecord {
    const f = r.fields;
    const truncated = this.pending.get(tid)?.has('9') ?? false;
    const rec: BtRecord = {
      k: 'exec',
      ts: r.ts,
      tid,
      nr: num(f[3]),
      dir: this.pathOf(f[4]),
      filename: this.take(tid, '1', truncated) ?? { text: '', invalidUtf8: false, truncated: false },
      argv0: this.take(tid, '2', false),
    };
    this.pending.delete(tid);
    return rec;
  }

  private call(r: Raw, tid: number): BtRecord {
    const f = r.fields;
    const flags = num(f[11]);
    const rec: BtRecord = {
      k: 'call',
      ts: r.ts,
      tid,
      nr: num(f[3]),
      ret: big(f[4]),
      a: [big(f[5]), big(f[6]), big(f[7]), big(f[8])],
      path1: this.pathOf(f[9]),
      path2: this.pathOf(f[10]),
      str1: this.take(tid, '1', (flags & 1) !== 0),
      str2: this.take(tid, '2', (flags & 2) !== 0),
    };
    this.pending.delete(tid);
    return rec;
  }
}

function listenRecord(r: Raw, tid: number): BtRecord {
  const f = r.fields;
  return {
    k: 'listen',
    ts: r.ts,
    tid,
    fd: num(f[3]),
    family: num(f[4]),
    port: num(f[5]),
    addr4: num(f[6]),
    addr6: [num(f[7]), num(f[8]), num(f[9]), num(f[10])],
  };
}

/** Parse the whole log text. Unknown lines are counted in a warning, never fatal. */
export function parseBpftraceLog(text: string): BpftraceLog {
  const scan = new LineScan();
  const lines = text.split('\n');
  for (let n = 0; n < lines.length; n++) scan.line(lines[n]!, n);
  const out = scan.out;
  out.warnings.push(...scan.warnings());
  scan.raws.sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : a.order - b.order));
  const records = new RecordBuilder(scan.paths);
  for (const r of scan.raws) {
    const rec = records.record(r);
    if (rec) out.records.push(rec);
  }
  return out;
}
