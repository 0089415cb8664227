// File system effects of syscalls: which paths were touched how, and how cwd/root/exe/mappings of a process change.
import type { FileAccess } from '../recording/types.js';
import type { SyscallEvent } from '../parse/events.js';
import { asString, field, flagSet, type Arg, type ArgValue } from '../parse/args.js';
import { decodeDecoration } from '../parse/decoration.js';
import { detached } from '../util/strings.js';
import { decoInvalid, decoPath, normalizeAbs, resolveIn, type Facts, type Proc } from './from-strace-state.js';

/** What a file call needs: the event, its parsed arguments, the process, whether it succeeded, facts (null when not recorded). */
export interface FileCall {
  ev: SyscallEvent;
  args: Arg[];
  proc: Proc;
  ok: boolean;
  facts: Facts | null;
}

function warnInvalid(c: FileCall, p: string): void {
  c.facts?.warn(`path is not valid UTF-8 (invalid bytes shown as U+FFFD): ${p}`);
}

/** Resolve a (dirfd, path) pair, or a plain path against the cwd when `dirfd` is undefined; null when unknown. */
export function atPath(c: FileCall, dirfd: ArgValue | undefined | null, pathArg: ArgValue | undefined): string | null {
  const s = asString(pathArg);
  if (!s) return null;
  let result: string | null;
  if (s.text === '') {
    result = dirfd ? decoPath(c.proc, dirfd) : null;
  } else if (s.text.startsWith('/')) {
    result = resolveIn(c.proc, '/', s.text);
  } else {
    let base: string | null = c.proc.fs.cwd;
    if (dirfd) {
      if (dirfd.t === 'fd') {
        base = decoPath(c.proc, dirfd);
        if (dirfd.fd === 'AT_FDCWD' && base !== null) c.proc.fs.cwd = base;
      } else if (!(dirfd.t === 'word' && dirfd.text === 'AT_FDCWD')) {
        base = null;
      }
    }
    result = base === null ? null : resolveIn(c.proc, base, s.text);
  }
  if (result !== null && (s.invalidUtf8 || (s.text === '' && decoInvalid(dirfd ?? undefined)))) warnInvalid(c, result);
  return result;
}

/** A directory's path with the trailing slash AppArmor expects of directory rules (mkdir, rmdir). */
function asDir(p: string | null): string | null {
  return p === null || p.endsWith('/') ? p : `${p}/`;
}

/** The path of an fd argument (from its -yy decoration). */
function fdPath(c: FileCall, v: ArgValue | undefined): string | null {
  const p = decoPath(c.proc, v);
  if (p !== null && decoInvalid(v)) warnInvalid(c, p);
  return p;
}

/** The path of the fd a call returned (openat's `= 3</etc/passwd>`), when it is a file. */
function returnedPath(c: FileCall): string | null {
  if (c.ev.retDeco === null) return null;
  const info = decodeDecoration(c.ev.retDeco);
  if (info.kind !== 'path' || !info.path.startsWith('/') || info.path.startsWith('/memfd:')) return null;
  const p = normalizeAbs(info.path);
  if (info.invalidUtf8) warnInvalid(c, p);
  return p;
}

/** Accesses an open(2) flag set implies. */
export function openAccesses(flags: string[]): FileAccess[] {
  const f = new Set(flags);
  if (f.has('O_PATH')) return ['stat'];
  const out = new Set<FileAccess>();
  const writes = f.has('O_WRONLY') || f.has('O_RDWR');
  if (!f.has('O_WRONLY')) out.add('read');
  if (writes) out.add(f.has('O_APPEND') && !f.has('O_TRUNC') ? 'append' : 'write');
  if (f.has('O_CREAT') || f.has('O_TMPFILE')) out.add('create');
  if (f.has('O_TRUNC') || f.has('O_TMPFILE')) out.add('write');
  if (f.has('O_DIRECTORY') && !f.has('O_TMPFILE')) {
    out.delete('read');
    out.add('dir-list');
  }
  return [...out];
}

function record(c: FileCall, p: string | null, ...access: FileAccess[]): void {
  if (p !== null && c.ok) c.facts?.file(p, ...access);
}

function open(c: FileCall, dirfd: ArgValue | null, pathArg: ArgValue | undefined, flags: string[]): void {
  if (!c.ok || !c.facts) return;
  const requested = atPath(c, dirfd, pathArg);
  const p = flags.includes('O_TMPFILE') ? requested : (returnedPath(c) ?? requested);
  record(c, flags.includes('O_DIRECTORY') && !flags.includes('O_TMPFILE') ? asDir(p) : p, ...openAccesses(flags));
}

const STAT_PATH_CALLS = [
  'stat',
  'lstat',
  'stat64',
  'lstat64',
  'oldstat',
  'oldlstat',
  'access',
  'readlink',
  'getxattr',
  'lgetxattr',
  'listxattr',
  'llistxattr',
  'statfs',
  'statfs64',
  'truncate',
  'truncate64',
  'chmod',
  'chown',
  'lchown',
  'chown32',
  'lchown32',
  'utime',
  'utimes',
  'setxattr',
  'lsetxattr',
  'removexattr',
  'lremovexattr',
];
const STAT_AT = new Set(['newfstatat', 'fstatat64', 'statx', 'faccessat', 'faccessat2', 'readlinkat']);
const META_FD = new Set(['fchmod', 'fchown', 'fchown32', 'fsetxattr', 'fremovexattr']);
const LOCK_CMDS = new Set(['F_SETLK', 'F_SETLKW', 'F_SETLK64', 'F_SETLKW64', 'F_OFD_SETLK', 'F_OFD_SETLKW']);
const PROT_EXEC = 'PROT_EXEC';

function accessOf(name: string): FileAccess {
  if (name.startsWith('truncate')) return 'write';
  if (/^(l?chmod|l?chown|utime|setxattr|lsetxattr|removexattr|lremovexattr)/.test(name)) return 'metadata';
  return 'stat';
}

/** Calls on a path argument, with the access each implies. */
const STAT_PATH: ReadonlyMap<string, FileAccess> = new Map(STAT_PATH_CALLS.map((n) => [n, accessOf(n)]));

/** Apply the file-system effects of one call; returns true when the name was a file call. */
export function fileCall(c: FileCall): boolean {
  const a = c.args;
  const v = (i: number): ArgValue | undefined => a[i]?.value;
  const name = c.ev.name;
  // The stat-like calls first: they are most of a typical log's file calls.
  const pathAccess = STAT_PATH.get(name);
  if (pathAccess !== undefined) {
    if (c.facts) record(c, atPath(c, null, v(0)), pathAccess);
    return true;
  }
  if (STAT_AT.has(name)) {
    // fstat through an fd (empty path + AT_EMPTY_PATH) touches no path.
    const p = asString(v(1));
    if (c.facts && p && p.text !== '') record(c, atPath(c, v(0) ?? null, v(1)), 'stat');
    return true;
  }
  if (META_FD.has(name)) {
    if (c.facts) record(c, fdPath(c, v(0)), 'metadata');
    return true;
  }
  return otherFileCall(c, v);
}

// The rest of fileCall, by name.
function otherFileCall(c: FileCall, v: (i: number) => ArgValue | undefined): boolean {
  switch (c.ev.name) {
    case 'open':
      open(c, null, v(0), flagSet(v(1)));
      return true;
    case 'openat':
      open(c, v(0) ?? null, v(1), flagSet(v(2)));
      return true;
    case 'openat2': {
      const how = v(2);
      open(c, v(0) ?? null, v(1), flagSet(how && how.t === 'struct' ? field(how.fields, 'flags') : undefined));
      return true;
    }
    case 'creat':
      open(c, null, v(0), ['O_WRONLY', 'O_CREAT', 'O_TRUNC']);
      return true;
    case 'chdir':
      if (c.ok) {
        const p = atPath(c, null, v(0));
        if (p !== null) c.proc.fs.cwd = p;
      }
      return true;
    case 'fchdir':
      if (c.ok) {
        const p = decoPath(c.proc, v(0));
        if (p !== null) c.proc.fs.cwd = p;
      }
      return true;
    case 'chroot':
      if (c.ok) {
        const p = atPath(c, null, v(0));
        if (p !== null) {
          c.facts?.cap('CAP_SYS_CHROOT', `chroot(${p})`);
          c.proc.fs.root = p;
        }
      }
      return true;
    case 'getdents':
    case 'getdents64':
      if (c.ok && c.facts) record(c, asDir(fdPath(c, v(0))), 'dir-list');
      return true;
    case 'mmap':
    case 'mmap2':
      mmap(c, v);
      return true;
    case 'mprotect':
    case 'pkey_mprotect':
      mprotect(c, v);
      return true;
    case 'unlink':
      if (c.facts) record(c, atPath(c, null, v(0)), 'delete');
      return true;
    case 'rmdir':
      if (c.facts) record(c, asDir(atPath(c, null, v(0))), 'delete');
      return true;
    case 'unlinkat': {
      const removeDir = flagSet(v(2)).includes('AT_REMOVEDIR');
      if (c.facts)
        record(c, removeDir ? asDir(atPath(c, v(0) ?? null, v(1))) : atPath(c, v(0) ?? null, v(1)), 'delete');
      return true;
    }
    case 'rename':
      if (c.facts) renamePair(c, atPath(c, null, v(0)), atPath(c, null, v(1)));
      return true;
    case 'renameat':
    case 'renameat2':
      if (c.facts) renamePair(c, atPath(c, v(0) ?? null, v(1)), atPath(c, v(2) ?? null, v(3)));
      return true;
    case 'mkdir':
      if (c.facts) record(c, asDir(atPath(c, null, v(0))), 'create');
      return true;
    case 'mkdirat':
      if (c.facts) record(c, asDir(atPath(c, v(0) ?? null, v(1))), 'create');
      return true;
    case 'mknod':
      mknod(c, atPath(c, null, v(0)), v(1));
      return true;
    case 'mknodat':
      mknod(c, atPath(c, v(0) ?? null, v(1)), v(2));
      return true;
    case 'link':
      if (c.facts) record(c, atPath(c, null, v(1)), 'link');
      return true;
    case 'linkat':
      if (c.facts) record(c, atPath(c, v(2) ?? null, v(3)), 'link');
      return true;
    case 'symlink':
      if (c.facts) record(c, atPath(c, null, v(1)), 'link', 'create');
      return true;
    case 'symlinkat':
      if (c.facts) record(c, atPath(c, v(1) ?? null, v(2)), 'link', 'create');
      return true;
    case 'flock':
      if (c.facts) record(c, fdPath(c, v(0)), 'lock');
      return true;
    case 'fcntl':
    case 'fcntl64': {
      const cmd = v(1);
      if (c.facts && cmd && cmd.t === 'word' && LOCK_CMDS.has(cmd.text)) record(c, fdPath(c, v(0)), 'lock');
      return true;
    }
    case 'ftruncate':
    case 'ftruncate64':
      if (c.facts) record(c, fdPath(c, v(0)), 'write');
      return true;
    case 'fchmodat':
    case 'fchmodat2':
    case 'fchownat':
    case 'futimesat':
      if (c.facts) record(c, atPath(c, v(0) ?? null, v(1)), 'metadata');
      return true;
    case 'utimensat': {
      if (!c.facts) return true;
      const p = v(1);
      const target = p && p.t === 'str' ? atPath(c, v(0) ?? null, p) : fdPath(c, v(0));
      record(c, target, 'metadata');
      return true;
    }
    default:
      return false;
  }
}

function renamePair(c: FileCall, from: string | null, to: string | null): void {
  record(c, from, 'rename');
  record(c, to, 'create', 'write');
}

function mknod(c: FileCall, p: string | null, mode: ArgValue | undefined): void {
  if (!c.ok || !c.facts || p === null) return;
  record(c, p, 'create');
  const m = mode && mode.t === 'word' ? mode.text : '';
  const dev = /S_IFCHR|S_IFBLK/.exec(m);
  if (dev) c.facts.cap('CAP_MKNOD', `mknod(${p}, ${dev[0]})`);
}

function parseBig(text: string): bigint | null {
  try {
    return /^(0x[0-9a-fA-F]+|\d+)$/.test(text) ? BigInt(text) : null;
  } catch {
    return null;
  }
}

const MAX_MAPS = 4096;

function mmap(c: FileCall, v: (i: number) => ArgValue | undefined): void {
  if (!c.ok) return;
  const p = decoPath(c.proc, v(4));
  if (p === null) return;
  const prot = flagSet(v(2));
  if (prot.includes(PROT_EXEC)) {
    if (decoInvalid(v(4))) warnInvalid(c, p);
    record(c, p, 'mmap-exec');
  }
  const start = parseBig(c.ev.ret);
  const lenArg = v(1);
  const len = lenArg && lenArg.t === 'word' ? parseBig(lenArg.text) : null;
  if (start !== null && len !== null) {
    const maps = c.proc.maps;
    if (maps.length >= MAX_MAPS) maps.shift();
    // Kept while the process lives: detached, so up to MAX_MAPS paths do not each keep a chunk of the log.
    maps.push({ start, end: start + len, path: detached(p) });
  }
}

function mprotect(c: FileCall, v: (i: number) => ArgValue | undefined): void {
  if (!c.ok || !c.facts) return;
  if (!flagSet(v(2)).includes(PROT_EXEC)) return;
  const addrArg = v(0);
  const addr = addrArg && addrArg.t === 'word' ? parseBig(addrArg.text) : null;
  if (addr === null) return;
  const maps = c.proc.maps;
  for (let i = maps.length - 1; i >= 0; i--) {
    const m = maps[i]!;
    if (addr >= m.start && addr < m.end) {
      record(c, m.path, 'mmap-exec');
      return;
    }
  }
}
