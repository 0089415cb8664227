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

/** Parse the whole log text. Unknown lines are counted in a warning, never fatal. */
export function parseBpftraceLog(text: string): BpftraceLog {
  const lines = text.split('\n');
  const raws: Raw[] = [];
  const paths = new Map<string, { parts: number[][]; truncated: boolean }>();
  const out: BpftraceLog = { records: [], calls: [], fails: [], argFacts: [], clock: null, ended: false, warnings: [] };
  let bad = 0;
  let firstBad = '';
  let lost = 0;
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!;
    if (line === '' || line === BPFTRACE_LOG_HEADER || line === 'READY' || line.startsWith('Attaching ')) continue;
    if (line.startsWith('# tracewall: ')) continue;
    const lostM = /^Lost (\d+) events/.exec(line);
    if (lostM) {
      lost += Number(lostM[1]);
      continue;
    }
    if (line === 'END') {
      out.ended = true;
      continue;
    }
    const map = /^@(calls|fails|af)\[([^\]]*)\]: (\d+)$/.exec(line);
    if (map) {
      const keys = map[2]!.split(', ');
      const count = Number(map[3]);
      if (map[1] === 'af' && keys.length === 5) {
        out.argFacts.push({
          nr: num(keys[0]),
          values: [big(keys[1]), big(keys[2]), big(keys[3])],
          ok: keys[4] === '1',
          count,
        });
      } else if (keys.length === 2 && ABI_OF[keys[0]!]) {
        (map[1] === 'calls' ? out.calls : out.fails).push({ abi: ABI_OF[keys[0]!]!, nr: num(keys[1]), count });
      }
      continue;
    }
    const kind = line.slice(0, line.indexOf(' '));
    if (kind === 'T') {
      const m = /^T (\d+)\.(\d{6}) (\d+)$/.exec(line);
      if (m) out.clock = { epochMicros: BigInt(m[1]!) * 1000000n + BigInt(m[2]!), ns: BigInt(m[3]!) };
      continue;
    }
    const width = FIELDS[kind];
    const split = width === undefined ? null : splitFields(line, width);
    if (!split || !INT.test(split.fields[1] ?? '')) {
      if (bad++ === 0) firstBad = `line ${n + 1}: ${line.length > 80 ? line.slice(0, 80) + '...' : line}`;
      continue;
    }
    if (kind === 'N' || kind === 'NT' || kind === 'NE') {
      const key = split.fields[2]!;
      const p = paths.get(key) ?? { parts: [], truncated: false };
      if (kind === 'N') p.parts.push(bytesOfR(split.rest));
      else if (kind === 'NT') p.truncated = true;
      paths.set(key, p);
      continue;
    }
    raws.push({ ts: BigInt(split.fields[1]!), order: n, fields: split.fields, rest: split.rest });
  }
  if (bad > 0)
    out.warnings.push(`bpftrace log: ${bad} line${bad === 1 ? '' : 's'} not understood (first at ${firstBad})`);
  if (lost > 0)
    out.warnings.push(
      `bpftrace lost ${lost} events (its output buffer overflowed): files, execs or network facts may be missing`,
    );
  raws.sort((a, b) => (a.ts < b.ts ? -1 : a.ts > b.ts ? 1 : a.order - b.order));

  const pathOf = (serial: string | undefined): BtPath | null => {
    if (serial === undefined || serial === '0') return null;
    const p = paths.get(serial);
    if (!p) return null;
    const bytes: number[] = [];
    for (let i = p.parts.length - 1; i >= 0; i--) bytes.push(47, ...p.parts[i]!);
    if (bytes.length === 0) bytes.push(47);
    return { ...textOfBytes(bytes), escaped: escapeBytes(bytes), truncated: p.truncated };
  };
  // Strings come before the record of the same tid that uses them: slot → bytes.
  const pending = new Map<number, Map<string, number[]>>();
  const take = (tid: number, slot: string, truncatedSlot: boolean): BtString | null => {
    const bytes = pending.get(tid)?.get(slot);
    if (bytes === undefined) return null;
    return { ...textOfBytes(bytes), truncated: truncatedSlot };
  };
  for (const r of raws) {
    const f = r.fields;
    const ts = r.ts;
    const tid = num(f[2]);
    switch (f[0]) {
      case 'S': {
        const slots = pending.get(tid) ?? new Map<string, number[]>();
        pending.set(tid, slots);
        const slot = f[3]!;
        const bytes = bytesOfR(r.rest);
        // argv[0] comes from a fixed-size buffer: cut at the first NUL
        const cut = slot === '2' && bytes.includes(0) ? bytes.slice(0, bytes.indexOf(0)) : bytes;
        slots.set(slot, [...(slots.get(slot) ?? []), ...cut]);
        break;
      }
      case 'A':
        out.records.push({ k: 'app', ts, tid });
        break;
      case 'F':
        out.records.push({ k: 'fork', ts, tid, child: num(f[3]), flags: big(f[4]) });
        break;
      case 'Q':
        out.records.push({ k: 'exit', ts, tid, tgid: num(f[3]), code: num(f[4]), groupDead: f[5] === '1' });
        break;
      case 'XE': {
        const truncated = pending.get(tid)?.has('9') ?? false;
        out.records.push({
          k: 'exec',
          ts,
          tid,
          nr: num(f[3]),
          dir: pathOf(f[4]),
          filename: take(tid, '1', truncated) ?? { text: '', invalidUtf8: false, truncated: false },
          argv0: take(tid, '2', false),
        });
        pending.delete(tid);
        break;
      }
      case 'XS':
        out.records.push({ k: 'exec-ok', ts, tid, oldTid: num(f[3]) });
        break;
      case 'XF':
        out.records.push({ k: 'exec-failed', ts, tid, ret: num(f[3]) });
        break;
      case 'R': {
        const flags = num(f[11]);
        out.records.push({
          k: 'call',
          ts,
          tid,
          nr: num(f[3]),
          ret: big(f[4]),
          a: [big(f[5]), big(f[6]), big(f[7]), big(f[8])],
          path1: pathOf(f[9]),
          path2: pathOf(f[10]),
          str1: take(tid, '1', (flags & 1) !== 0),
          str2: take(tid, '2', (flags & 2) !== 0),
        });
        pending.delete(tid);
        break;
      }
      case 'B':
        out.records.push({ k: 'blocked', ts, tid, nr: num(f[3]) });
        break;
      case 'P':
        out.records.push({
          k: 'running',
          ts,
          tid,
          tgid: num(f[3]),
          euid: num(f[4]),
          egid: num(f[5]),
          exe: textOfR(r.rest),
        });
        break;
      case 'L':
        out.records.push({
          k: 'listen',
          ts,
          tid,
          fd: num(f[3]),
          family: num(f[4]),
          port: num(f[5]),
          addr4: num(f[6]),
          addr6: [num(f[7]), num(f[8]), num(f[9]), num(f[10])],
        });
        break;
    }
  }
  return out;
}
