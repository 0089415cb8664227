// One strace output line, taken apart without context: pid, time (when the log has -ttt stamps), and what it says.
import type { Abi } from '../recording/types.js';
import { canonicalName } from '../syscalls/index.js';
import { codeAt } from './chars.js';
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
  | {
      k: 'resumed';
      pid: number;
      time: string;
      nr: number | null;
      name: string;
      args: string;
      result: CallResult | null;
    }
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
const UNAVAILABLE = ' <unavailable>';
const DELETED = '(deleted)';
const NSPID_RE = /\/\* (\d+) in strace's PID NS \*\//;
const PERSONALITY: Record<string, Abi> = { '64 bit': 'x86_64', '32 bit': 'i386', x32: 'x32' };

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isNameChar(c: number): boolean {
  return (c >= 97 && c <= 122) || isDigit(c) || c === 95 || (c >= 65 && c <= 90);
}

function isHexDigit(c: number): boolean {
  return isDigit(c) || (c >= 97 && c <= 102) || (c >= 65 && c <= 70);
}

function isErrnoChar(c: number): boolean {
  return (c >= 65 && c <= 90) || isDigit(c) || c === 95;
}

// Where a run of spaces, digits, ... that starts at i ends (at most at `end`).
function spacesEnd(s: string, i: number, end: number): number {
  while (i < end && s.charCodeAt(i) === 32) i++;
  return i;
}

function digitsEnd(s: string, i: number, end: number): number {
  while (i < end && isDigit(s.charCodeAt(i))) i++;
  return i;
}

function hexDigitsEnd(s: string, i: number, end: number): number {
  while (i < end && isHexDigit(s.charCodeAt(i))) i++;
  return i;
}

function nameEnd(s: string, i: number, end: number): number {
  while (i < end && isNameChar(s.charCodeAt(i))) i++;
  return i;
}

function errnoEnd(s: string, i: number, end: number): number {
  while (i < end && isErrnoChar(s.charCodeAt(i))) i++;
  return i;
}

/** The number the decimal digits s[from, to) spell, as Number() reads them (0 for none). */
function digitsValue(s: string, from: number, to: number): number {
  if (to - from > 15) return Number(s.slice(from, to));
  let n = 0;
  for (let k = from; k < to; k++) n = n * 10 + (s.charCodeAt(k) - 48);
  return n;
}

/** Parse what follows `) = ` if it has the shape of a syscall result; null when it does not. */
export function parseResult(r: string): CallResult | null {
  return resultIn(r, 0, r.length);
}

/**
 * parseResult of s[from, end), read in place. The result is `?`, `0x` and hex digits, or decimal digits with an optional
 * minus (the longest of these at the start), then nothing, an fd decoration (`3</etc/passwd>`, maybe `(deleted)`), or a
 * tail without `<`/`>`: an errno (` ENOENT (No such file or directory)`), a note (` (flags O_RDWR)`), a pid-namespace comment.
 */
function resultIn(s: string, from: number, end: number): CallResult | null {
  let k = from;
  const c0 = codeAt(s, k, end);
  if (c0 === 63 /* ? */) {
    k++;
  } else if (c0 === 48 && codeAt(s, k + 1, end) === 120 /* x */ && isHexDigit(codeAt(s, k + 2, end))) {
    k = hexDigitsEnd(s, k + 3, end);
  } else {
    const digits = c0 === 45 /* - */ ? k + 1 : k;
    k = digitsEnd(s, digits, end);
    if (k === digits) return null;
  }
  const ret = from === 0 && k === s.length ? s : s.slice(from, k);
  // The tail, s[t, end): what follows the number.
  let t = k;
  // `= ? <unavailable>`: strace could not read the result (the process vanished).
  if (c0 === 63 && end - t === UNAVAILABLE.length && s.startsWith(UNAVAILABLE, t))
    return { ret, errno: '', retDeco: null, retHostPid: null };
  let retDeco: string | null = null;
  if (codeAt(s, t, end) === 60 /* < */) {
    const close = decorationEnd(s, t, end);
    if (close < 0) return null;
    const after = close + 1;
    const deleted = end - after === DELETED.length && s.startsWith(DELETED, after);
    if (after !== end && !deleted && !(end - after >= 3 && s.startsWith(' /*', after))) return null;
    retDeco = s.slice(t + 1, close);
    t = deleted ? end : after;
  } else if (t < end && s.charCodeAt(t) !== 32) {
    return null;
  }
  if (t === end) return { ret, errno: '', retDeco, retHostPid: null };
  let comment = false;
  for (let q = t; q < end; q++) {
    const c = s.charCodeAt(q);
    if (c === 60 || c === 62) return null;
    if (c === 47 && codeAt(s, q + 1, end) === 42) comment = true;
  }
  // ` ENOENT (No such file or directory)` or a bare ` ENOENT`.
  let errno = '';
  if (s.charCodeAt(t) === 32 && codeAt(s, t + 1, end) === 69 /* E */) {
    const e = errnoEnd(s, t + 2, end);
    if (e > t + 2 && (e === end || (s.charCodeAt(e) === 32 && codeAt(s, e + 1, end) === 40)) /* ( */)
      errno = s.slice(t + 1, e);
  }
  let retHostPid: number | null = null;
  if (comment) {
    const m = NSPID_RE.exec(s.slice(t, end));
    if (m) retHostPid = Number(m[1]);
  }
  return { ret, errno, retDeco, retHostPid };
}

/** Split `ARGS) = RESULT` at the real `) = ` (the last one whose right side is a result); strace pads short calls with spaces before `=`. */
export function splitCall(rest: string): { args: string; result: CallResult } | null {
  const r = callLine('call', 0, '', null, '', rest, 0, rest.length);
  return r.k === 'call' ? { args: r.args, result: r.result } : null;
}

/** The record of a call line whose rest, s[from, end), is `ARGS) = RESULT` (split as splitCall does); bad when it has no result. */
function callLine(
  k: 'call' | 'resumed',
  pid: number,
  time: string,
  nr: number | null,
  name: string,
  s: string,
  from: number,
  end: number,
): LineRecord {
  let pos = s.lastIndexOf(' = ', end - 3);
  let guard = 0;
  while (pos >= from && guard++ < 64) {
    let j = pos;
    while (j > from && s.charCodeAt(j - 1) === 32) j--;
    if (j > from && s.charCodeAt(j - 1) === 41 /* ) */) {
      const result = resultIn(s, pos + 3, end);
      if (result) return { k, pid, time, nr, name, args: s.slice(from, j - 1), result };
    }
    pos = pos > from ? s.lastIndexOf(' = ', pos - 1) : -1;
  }
  return bad(pid, time, 'no result', name);
}

/** Parse one line (without its newline). */
export function parseLine(line: string): LineRecord {
  return parseLineIn(line, 0, line.length);
}

/**
 * parseLine of the line s[start, end), read in place: `s` is typically a chunk of the log holding many lines, so no line
 * is cut out of it, and the characters are read from one flat string.
 */
export function parseLineIn(s: string, start: number, end: number): LineRecord {
  if (end > start && s.charCodeAt(end - 1) === 13 /* \r */) end--;
  let i: number;
  let pid = 0;
  // `PID ` (strace -f -o), `[pid PID] ` (strace -f to a terminal), or nothing (no -f).
  if (end - start >= 5 && s.startsWith('[pid ', start)) {
    const st = spacesEnd(s, start + 5, end);
    i = digitsEnd(s, st, end);
    pid = digitsValue(s, st, i);
    if (codeAt(s, i, end) !== 93) return bad(pid, '', 'malformed [pid N] prefix');
    i++;
  } else {
    i = digitsEnd(s, start, end);
    if (codeAt(s, i, end) === 46 /* . */)
      i = start; // a timestamp, no pid column
    else pid = digitsValue(s, start, i);
  }
  i = spacesEnd(s, i, end);
  let time = '';
  const whole = digitsEnd(s, i, end);
  if (whole > i && codeAt(s, whole, end) === 46) {
    const fraction = digitsEnd(s, whole + 1, end);
    time = s.slice(i, fraction);
    i = spacesEnd(s, fraction, end);
  }
  // `[  41] ` (strace -n): the syscall number, also before messages (where it is the last call's).
  let nr: number | null = null;
  if (codeAt(s, i, end) === 91 /* [ */) {
    const st = spacesEnd(s, i + 1, end);
    const j = digitsEnd(s, st, end);
    if (j > st && codeAt(s, j, end) === 93 /* ] */ && codeAt(s, j + 1, end) === 32) {
      nr = digitsValue(s, st, j);
      i = spacesEnd(s, j + 2, end);
    }
  }
  const c = codeAt(s, i, end);
  if (c === 43 /* + */) return plusLine(pid, time, s.slice(i, end));
  if (c === 45 /* - */) return signalLine(pid, time, s.slice(i, end));
  if (c === 91 /* [ */) {
    const m = /^\[ Process PID=(\d+) runs in (64 bit|32 bit|x32) mode\. \]$/.exec(s.slice(i, end));
    if (m) return { k: 'personality', pid: pid || Number(m[1]), time, abi: PERSONALITY[m[2]!]! };
    return bad(pid, time, 'unknown bracketed message');
  }
  if (c === 60 /* < */) return resumedLine(pid, time, nr, s.slice(i, end));
  const st = i;
  i = nameEnd(s, i, end);
  if (i === st || codeAt(s, i, end) !== 40 /* ( */) return bad(pid, time, 'not a syscall line');
  const name = canonicalName(s.slice(st, i));
  // The rest, s[from, end): `ARGS) = RESULT`, or `ARGS <unfinished ...>`.
  const from = i + 1;
  if (end - from >= UNFINISHED.length && s.startsWith(UNFINISHED, end - UNFINISHED.length)) {
    return { k: 'unfinished', pid, time, nr, name, args: s.slice(from, end - UNFINISHED.length) };
  }
  if (end - from >= DETACHED.length && s.startsWith(DETACHED, end - DETACHED.length)) {
    return { k: 'detached', pid, time, nr, name, args: s.slice(from, end - DETACHED.length), resumed: false };
  }
  return callLine('call', pid, time, nr, name, s, from, end);
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

// `<... NAME resumed>REST` (s is the line from its `<`).
function resumedLine(pid: number, time: string, nr: number | null, s: string): LineRecord {
  if (!s.startsWith('<... ')) return bad(pid, time, 'not a syscall line');
  const close = s.indexOf(' resumed>', 5);
  if (close < 0) return bad(pid, time, 'malformed resumed line');
  const name = canonicalName(s.slice(5, close));
  if (!/^[A-Za-z0-9_]+$/.test(name)) return bad(pid, time, 'malformed resumed line');
  let rest = s.slice(close + 9);
  // `<... futex resumed> <unfinished ...>) = ?`: the process ended inside the call.
  const trimmed = rest.trimStart();
  if (trimmed.startsWith(RESUMED_UNFINISHED)) rest = trimmed.slice(RESUMED_UNFINISHED.length);
  if (rest.endsWith(UNFINISHED))
    return { k: 'detached', pid, time, nr, name, args: rest.slice(0, -UNFINISHED.length), resumed: true };
  if (rest.endsWith(DETACHED))
    return { k: 'detached', pid, time, nr, name, args: rest.slice(0, -DETACHED.length), resumed: true };
  return callLine('resumed', pid, time, nr, name, rest, 0, rest.length);
}
