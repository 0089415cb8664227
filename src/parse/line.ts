// One strace output line, taken apart without context: pid, -ttt time, and what the line says.
import type { Abi } from '../recording/types.js';
import { decorationEnd } from './decoration.js';

/** The result part of a finished call. */
export interface CallResult {
  ret: string;
  errno: string;
  retDeco: string | null;
  retHostPid: number | null;
}

/** What one line says, before unfinished/resumed pairs are joined. */
export type LineRecord =
  | { k: 'call'; pid: number; time: string; nr: number | null; name: string; args: string; result: CallResult }
  | { k: 'unfinished'; pid: number; time: string; nr: number | null; name: string; args: string }
  | { k: 'resumed'; pid: number; time: string; nr: number | null; name: string; args: string; result: CallResult | null }
  | { k: 'detached'; pid: number; time: string; nr: number | null; name: string; args: string; resumed: boolean }
  | { k: 'signal'; pid: number; time: string; signal: string; info: string }
  | { k: 'exit'; pid: number; time: string; code: number }
  | { k: 'killed'; pid: number; time: string; signal: string; coreDumped: boolean }
  | { k: 'personality'; pid: number; time: string; abi: Abi }
  | { k: 'superseded'; pid: number; time: string; by: number }
  | { k: 'bad'; pid: number; time: string; reason: string; name: string };

const UNFINISHED = ' <unfinished ...>';
const DETACHED = ' <detached ...>';
const RESUMED_UNFINISHED = '<unfinished ...>';

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isNameChar(c: number): boolean {
  return (c >= 97 && c <= 122) || isDigit(c) || c === 95 || (c >= 65 && c <= 90);
}

const RET_RE = /^(\?|0x[0-9a-fA-F]+|-?\d+)/;
const ERRNO_RE = /^ (E[A-Z0-9_]+)(?: \(|$)/;
const NSPID_RE = /\/\* (\d+) in strace's PID NS \*\//;

/** Parse what follows `) = ` if it has the shape of a syscall result; null when it does not. */
export function parseResult(r: string): CallResult | null {
  // Fast path: a plain decimal result with nothing after it (`= 0`, `= 832`).
  let k = 0;
  while (k < r.length && r.charCodeAt(k) >= 48 && r.charCodeAt(k) <= 57) k++;
  if (k === r.length && k > 0 && (k === 1 || r.charCodeAt(0) !== 48)) return { ret: r, errno: '', retDeco: null, retHostPid: null };
  const m = RET_RE.exec(r);
  if (!m) return null;
  const ret = m[1]!;
  let tail = r.slice(ret.length);
  // `= ? <unavailable>`: strace could not read the result (the process vanished).
  if (ret === '?' && tail === ' <unavailable>') return { ret, errno: '', retDeco: null, retHostPid: null };
  let retDeco: string | null = null;
  if (tail.charCodeAt(0) === 60 /* < */) {
    const end = decorationEnd(tail, 0);
    if (end < 0) return null;
    const after = tail.slice(end + 1);
    if (after !== '' && after !== '(deleted)' && !after.startsWith(' /*')) return null;
    retDeco = tail.slice(1, end);
    tail = after === '(deleted)' ? '' : after;
  } else if (tail !== '' && tail.charCodeAt(0) !== 32) {
    return null;
  }
  if (tail.includes('<') || tail.includes('>')) return null;
  let errno = '';
  const e = ERRNO_RE.exec(tail);
  if (e) errno = e[1]!;
  let retHostPid: number | null = null;
  if (tail.includes('/*')) {
    const n = NSPID_RE.exec(tail);
    if (n) retHostPid = Number(n[1]);
  }
  return { ret, errno, retDeco, retHostPid };
}

/** Split `ARGS) = RESULT` at the real `) = ` (the last one whose right side is a result); strace pads short calls with spaces before `=`. */
export function splitCall(rest: string): { args: string; result: CallResult } | null {
  let pos = rest.lastIndexOf(' = ');
  let guard = 0;
  while (pos >= 0 && guard++ < 64) {
    let j = pos;
    while (j > 0 && rest.charCodeAt(j - 1) === 32) j--;
    if (j > 0 && rest.charCodeAt(j - 1) === 41 /* ) */) {
      const result = parseResult(rest.slice(pos + 3));
      if (result) return { args: rest.slice(0, j - 1), result };
    }
    pos = pos > 0 ? rest.lastIndexOf(' = ', pos - 1) : -1;
  }
  return null;
}

const PERSONALITY: Record<string, Abi> = { '64 bit': 'x86_64', '32 bit': 'i386', x32: 'x32' };

/** Parse one line (without its newline). */
export function parseLine(line: string): LineRecord {
  let s = line;
  if (s.endsWith('\r')) s = s.slice(0, -1);
  let i = 0;
  let pid = 0;
  // `PID ` (strace -f -o), `[pid PID] ` (strace -f to a terminal), or nothing (no -f).
  if (s.startsWith('[pid ')) {
    i = 5;
    while (s.charCodeAt(i) === 32) i++;
    const st = i;
    while (isDigit(s.charCodeAt(i))) i++;
    pid = Number(s.slice(st, i));
    if (s.charCodeAt(i) !== 93) return bad(pid, '', 'malformed [pid N] prefix');
    i++;
  } else if (isDigit(s.charCodeAt(0))) {
    while (isDigit(s.charCodeAt(i))) i++;
    if (s.charCodeAt(i) === 46 /* . */) {
      i = 0; // a timestamp, no pid column
    } else {
      pid = Number(s.slice(0, i));
    }
  }
  while (s.charCodeAt(i) === 32) i++;
  let time = '';
  if (isDigit(s.charCodeAt(i))) {
    const st = i;
    while (isDigit(s.charCodeAt(i))) i++;
    if (s.charCodeAt(i) === 46) {
      i++;
      while (isDigit(s.charCodeAt(i))) i++;
      time = s.slice(st, i);
      while (s.charCodeAt(i) === 32) i++;
    } else {
      i = st;
    }
  }
  // `[  41] ` (strace -n): the syscall number, also before messages (where it is the last call's).
  let nr: number | null = null;
  if (s.charCodeAt(i) === 91 /* [ */) {
    let j = i + 1;
    while (s.charCodeAt(j) === 32) j++;
    const st = j;
    while (isDigit(s.charCodeAt(j))) j++;
    if (j > st && s.charCodeAt(j) === 93 /* ] */ && s.charCodeAt(j + 1) === 32) {
      nr = Number(s.slice(st, j));
      i = j + 2;
      while (s.charCodeAt(i) === 32) i++;
    }
  }
  const c = s.charCodeAt(i);
  if (c === 43 /* + */) return plusLine(pid, time, s.slice(i));
  if (c === 45 /* - */) return signalLine(pid, time, s.slice(i));
  if (c === 91 /* [ */) {
    const m = /^\[ Process PID=(\d+) runs in (64 bit|32 bit|x32) mode\. \]$/.exec(s.slice(i));
    if (m) return { k: 'personality', pid: pid || Number(m[1]), time, abi: PERSONALITY[m[2]!]! };
    return bad(pid, time, 'unknown bracketed message');
  }
  if (c === 60 /* < */) return resumedLine(pid, time, nr, s, i);
  const st = i;
  while (isNameChar(s.charCodeAt(i))) i++;
  if (i === st || s.charCodeAt(i) !== 40 /* ( */) return bad(pid, time, 'not a syscall line');
  const name = s.slice(st, i);
  const rest = s.slice(i + 1);
  if (rest.endsWith(UNFINISHED)) return { k: 'unfinished', pid, time, nr, name, args: rest.slice(0, -UNFINISHED.length) };
  if (rest.endsWith(DETACHED)) return { k: 'detached', pid, time, nr, name, args: rest.slice(0, -DETACHED.length), resumed: false };
  const split = splitCall(rest);
  if (!split) return bad(pid, time, 'no result', name);
  return { k: 'call', pid, time, nr, name, args: split.args, result: split.result };
}

function bad(pid: number, time: string, reason: string, name = ''): LineRecord {
  return { k: 'bad', pid, time, reason, name };
}

function plusLine(pid: number, time: string, body: string): LineRecord {
  let m = /^\+\+\+ exited with (-?\d+) \+\+\+$/.exec(body);
  if (m) return { k: 'exit', pid, time, code: Number(m[1]) };
  m = /^\+\+\+ killed by (SIG[A-Z0-9_+]+|\d+)( \(core dumped\))? \+\+\+$/.exec(body);
  if (m) return { k: 'killed', pid, time, signal: m[1]!, coreDumped: m[2] !== undefined };
  m = /^\+\+\+ superseded by execve in pid (\d+) \+\+\+$/.exec(body);
  if (m) return { k: 'superseded', pid, time, by: Number(m[1]) };
  return bad(pid, time, 'unknown +++ message');
}

function signalLine(pid: number, time: string, body: string): LineRecord {
  if (!body.startsWith('--- ') || !body.endsWith(' ---')) return bad(pid, time, 'unknown --- message');
  const inner = body.slice(4, -4);
  const stopped = /^stopped by (SIG[A-Z0-9_+]+)$/.exec(inner);
  if (stopped) return { k: 'signal', pid, time, signal: stopped[1]!, info: inner };
  const sp = inner.indexOf(' ');
  const signal = sp < 0 ? inner : inner.slice(0, sp);
  if (!/^SIG[A-Z0-9_+]+$/.test(signal) && !/^\d+$/.test(signal)) return bad(pid, time, 'unknown signal message');
  return { k: 'signal', pid, time, signal, info: sp < 0 ? '' : inner.slice(sp + 1) };
}

function resumedLine(pid: number, time: string, nr: number | null, s: string, i: number): LineRecord {
  if (!s.startsWith('<... ', i)) return bad(pid, time, 'not a syscall line');
  const close = s.indexOf(' resumed>', i + 5);
  if (close < 0) return bad(pid, time, 'malformed resumed line');
  const name = s.slice(i + 5, close);
  if (!/^[A-Za-z0-9_]+$/.test(name)) return bad(pid, time, 'malformed resumed line');
  let rest = s.slice(close + 9);
  // `<... futex resumed> <unfinished ...>) = ?`: the process ended inside the call.
  const trimmed = rest.trimStart();
  if (trimmed.startsWith(RESUMED_UNFINISHED)) rest = trimmed.slice(RESUMED_UNFINISHED.length);
  if (rest.endsWith(UNFINISHED)) return { k: 'detached', pid, time, nr, name, args: rest.slice(0, -UNFINISHED.length), resumed: true };
  if (rest.endsWith(DETACHED)) return { k: 'detached', pid, time, nr, name, args: rest.slice(0, -DETACHED.length), resumed: true };
  const split = splitCall(rest);
  if (!split) return bad(pid, time, 'no result', name);
  return { k: 'resumed', pid, time, nr, name, args: split.args, result: split.result };
}
