// One bpftrace call record (an R line: the kernel's numbers, the user strings and the paths it named) → its typed
// effect, reading the strings and paths in the places the syscall table gives and the scalars the program stashed.
import path from 'node:path';
import type { Dir, Effect, Endpoint, FdRef, FileRef, PathTarget, StrArg, Where } from '../model/operations.js';
import type { EffectKind, Semantics } from '../syscalls/semantics.js';
import { O } from '../syscalls/values.js';
import type { BtPath, BtRecord, BtString } from './bpftrace.js';

type CallRecord = Extract<BtRecord, { k: 'call' }>;

/** What an effect reader gets: the row, the record, the name it was counted under. */
interface Call {
  s: Semantics;
  r: CallRecord;
  name: string;
}

/** A kernel scalar as a signed 32-bit number (ids, flags, modes and families are ints). */
const int = (v: bigint): number => Number(BigInt.asIntN(32, v));
const u32 = (v: bigint): number => Number(BigInt.asUintN(32, v));

const str = (s: BtString | null): StrArg | null => (s ? { text: s.text, invalidUtf8: s.invalidUtf8 } : null);
const file = (p: BtPath | null): FileRef | null => (p ? { path: p.text, invalidUtf8: p.invalidUtf8 } : null);
/** The directory the kernel named for a relative path of a dirfd argument; AT_FDCWD (the cwd) when it named none. */
const dir = (p: BtPath | null, hasDirfd: boolean): Dir =>
  hasDirfd && p ? { at: 'fd', file: file(p), isCwd: false } : { at: 'cwd' };
const fdRef = (p: BtPath | null): FdRef => ({ key: '3', file: file(p), socket: null });

function first(c: Call): PathTarget {
  return { path: str(c.r.str1), dir: dir(c.r.path1, c.s.dirfd !== undefined) };
}

function second(c: Call): PathTarget {
  return { path: str(c.r.str2), dir: dir(c.r.path2, c.s.dirfd2 !== undefined) };
}

function where(c: Call): Where | null {
  if (c.s.path !== undefined && (c.s.fd === undefined || c.r.str1)) return { path: first(c) };
  if (c.s.fd !== undefined) return { fd: fdRef(c.r.path1) };
  return null;
}

/** open/openat/openat2/creat: the kernel named the file the returned fd refers to; O_TMPFILE names its directory. */
function openEffect(c: Call): Effect {
  const flags = c.s.values?.flags === undefined ? O.WRONLY | O.CREAT | O.TRUNC : int(c.r.a[0]);
  const p = c.r.path1;
  if (p && (flags & O.TMPFILE) === O.TMPFILE) {
    const parent = { text: path.posix.dirname(p.text), invalidUtf8: p.invalidUtf8 };
    return { kind: 'open', where: { path: parent, dir: { at: 'cwd' } }, flags, opened: null };
  }
  return { kind: 'open', where: null, flags, opened: file(p) };
}

function ipv4(v: number): string {
  return [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff].join('.');
}

/** IPv6 text as inet_ntop prints it (longest run of zero groups as ::, IPv4-mapped as ::ffff:a.b.c.d), from the 16 bytes. */
export function ipv6(bytes: number[]): string {
  const g: number[] = [];
  for (let i = 0; i < 16; i += 2) g.push((bytes[i]! << 8) | bytes[i + 1]!);
  if (g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff) return `::ffff:${bytes.slice(12).join('.')}`;
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8;) {
    if (g[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = g.map((x) => x.toString(16));
  if (best < 0) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

/** Little-endian u64 halves (as the program read them) → 16 address bytes. */
export function bytesOf64(hi: bigint, lo: bigint): number[] {
  const out: number[] = [];
  for (const v of [hi, lo]) for (let i = 0n; i < 8n; i++) out.push(Number((BigInt.asUintN(64, v) >> (8n * i)) & 0xffn));
  return out;
}

/** The address the program decoded into a[0..3]: family, port, IPv4 address or IPv6 halves; a unix path in str1. */
function sockaddr(r: CallRecord): Endpoint {
  const family = int(r.a[0]);
  if (family === 2) return { family, address: ipv4(int(r.a[2])), port: portOf(r.a[1]) };
  if (family === 10) return { family, address: ipv6(bytesOf64(r.a[2], r.a[3])), port: portOf(r.a[1]) };
  if (family === 1) return { family, address: r.str1 === null ? '@' : r.str1.text, port: 0 };
  return { family, address: '', port: 0 };
}

function portOf(v: bigint): number {
  const n = int(v);
  return n >= 0 && n <= 65535 ? n : 0;
}

type Reader = (c: Call) => Effect | null;
const none: Reader = () => null;

/** How each effect's values are read from a call record (exec, clone and listen have records of their own). */
const READERS: { [K in EffectKind]: Reader } = {
  file: (c) => ({ kind: 'file', access: c.s.access ?? [], where: where(c), dir: Boolean(c.s.dir) }),
  open: openEffect,
  rename: (c) => ({ kind: 'rename', from: first(c), to: second(c) }),
  mknod: (c) => ({ kind: 'mknod', where: first(c), mode: int(c.r.a[0]) }),
  chdir: (c) => ({ kind: 'chdir', where: where(c)! }),
  chroot: (c) => ({ kind: 'chroot', where: first(c) }),
  mmap: (c) => ({ kind: 'mmap', file: file(c.r.path1), prot: int(c.r.a[0]), len: 0n, addr: c.r.ret }),
  mprotect: none,
  exec: none,
  clone: none,
  socket: none,
  bind: (c) => ({
    kind: 'bind',
    fd: { key: int(c.r.a[0]) === 10 ? '-1' : String(int(c.r.a[3])), file: null, socket: null },
    addr: sockaddr(c.r),
  }),
  connect: (c) => ({ kind: 'connect', addr: sockaddr(c.r), viaSend: c.name !== 'connect' }),
  listen: none,
  setid: (c) => ({
    kind: 'setid',
    call: c.name,
    id: c.name.includes('gid') ? 'gid' : 'uid',
    ids: c.r.a.slice(0, c.s.ids ?? 0).map(u32),
  }),
  getid: none,
  setgroups: (c) => ({ kind: 'setgroups', count: int(c.r.a[0]), gids: [] }),
  chown: (c) => ({ kind: 'chown', call: c.name, where: where(c), uid: u32(c.r.a[0]), gid: u32(c.r.a[1]) }),
  mount: (c) => ({ kind: 'mount', where: first(c) }),
  umount: (c) => ({ kind: 'umount', call: c.name, where: first(c) }),
  pivot_root: (c) => ({ kind: 'pivot_root', paths: [c.r.str1?.text ?? null, c.r.str2?.text ?? null] }),
  hostname: (c) => ({ kind: 'hostname', call: c.name }),
  setns: none,
  unshare: none,
  ptrace: (c) => ({ kind: 'ptrace', request: int(c.r.a[0]), pid: int(c.r.a[1]) }),
  prctl: none,
  personality: none,
  ioctl: none,
};

/** The effect of one call record, read as its table row says; null for calls the program sends no record of. */
export function bpftraceEffect(s: Semantics, r: CallRecord, name: string): Effect | null {
  if (s.effect === undefined) return null;
  if (s.effect === 'file' && s.values?.cmd !== undefined && ![6, 7, 37, 38].includes(int(r.a[0]))) return null;
  return READERS[s.effect]({ s, r, name });
}

/** The working directory a call record shows: the kernel names the cwd for a relative path of a call without dirfd. */
export function cwdOf(s: Semantics, r: CallRecord): string | null {
  if (s.effect === 'open' || s.path === undefined || s.dirfd !== undefined) return null;
  const relative = r.str1 !== null && !r.str1.text.startsWith('/');
  if (relative && r.path1) return r.path1.text;
  if (s.path2 !== undefined && s.dirfd2 === undefined && r.path2) return r.path2.text;
  return null;
}
