// What each system call means to tracewall, in one table: which effect it has on the Recording, which arguments are
// paths (and what they are relative to), which are values policy needs, and whether strace prints it raw. The tracers'
// adapters read their arguments from here, the Recording builder dispatches on the effect, strace's `-e raw=` list and
// the bpftrace program's probe list are checked against it. Numbers per ABI come from the generated tables
// (src/syscalls/index.ts); a name here applies on every ABI that has it.
import type { FileAccess } from '../recording/types.js';

/** What a call does that the Recording records; the builder has one handler per effect. */
export type EffectKind =
  | 'file' // an access to a path or an fd's file (stat, metadata, truncate, delete, mkdir, link, lock, dir-list)
  | 'open'
  | 'rename'
  | 'mknod'
  | 'chdir'
  | 'chroot'
  | 'mmap'
  | 'mprotect'
  | 'exec'
  | 'clone'
  | 'socket'
  | 'bind'
  | 'connect'
  | 'listen'
  | 'setid'
  | 'getid'
  | 'setgroups'
  | 'chown'
  | 'mount'
  | 'umount'
  | 'pivot_root'
  | 'hostname'
  | 'setns'
  | 'unshare'
  | 'ptrace'
  | 'prctl'
  | 'personality'
  | 'ioctl';

/** Broad classes, for documentation and reports. */
export type Category = 'file' | 'network' | 'process' | 'identity' | 'memory' | 'io' | 'control';

/** One call's meaning. Argument positions count from 0, as the kernel (and strace) order them. */
export interface Semantics {
  effect?: EffectKind;
  category: Category;
  /** For 'file': the accesses it makes. */
  access?: readonly FileAccess[];
  /** For 'file': the path names a directory (rules end in `/`). */
  dir?: boolean;
  /** A path argument, and the dirfd argument it is relative to (none: the process's working directory). */
  path?: number;
  dirfd?: number;
  /** A second path (rename's new name) and its dirfd. */
  path2?: number;
  dirfd2?: number;
  /** An fd argument whose file the call acts on. */
  fd?: number;
  /** For 'setid': how many id arguments it takes (positions 0 to ids - 1). */
  ids?: number;
  /** Value arguments by role (flags, mode, family, ...): positions, or `name.field` inside a struct argument. */
  values?: Readonly<Record<string, number | string>>;
  /** strace prints it with `-e raw=`: nothing but its name, number and result is read. */
  raw?: boolean;
  /** The value whose name the Recording keeps as the call's argument fact (socket's domain, prctl's option, ...). */
  facts?: readonly string[];
}

const stat = (path: number, dirfd?: number): Semantics => ({
  effect: 'file',
  category: 'file',
  access: ['stat'],
  path,
  ...(dirfd === undefined ? {} : { dirfd }),
});
const meta = (where: { path?: number; dirfd?: number; fd?: number }): Semantics => ({
  effect: 'file',
  category: 'file',
  access: ['metadata'],
  ...where,
});
const file = (access: readonly FileAccess[], where: Partial<Semantics>): Semantics => ({
  effect: 'file',
  category: 'file',
  access,
  ...where,
});
const raw = (category: Category): Semantics => ({ category, raw: true });
const setid = (ids: number): Semantics => ({ effect: 'setid', category: 'identity', ids });
const chown = (where: { path?: number; dirfd?: number; fd?: number }, uid: number): Semantics => ({
  effect: 'chown',
  category: 'identity',
  ...where,
  values: { uid, gid: uid + 1 },
});

/**
 * The table. The raw rows keep the order of strace's `-e raw=` list. A syscall that is not here is only counted.
 * i386-only names (stat64, chown32, mmap2, ...) have rows of their own.
 */
export const SYSCALL_SEMANTICS: Readonly<Record<string, Semantics>> = {
  // hot data-transfer, wait and socket-option calls: strace prints them raw (see straceArgs)
  read: raw('io'),
  write: raw('io'),
  pread64: raw('io'),
  pwrite64: raw('io'),
  readv: raw('io'),
  writev: raw('io'),
  preadv: raw('io'),
  pwritev: raw('io'),
  preadv2: raw('io'),
  pwritev2: raw('io'),
  recvfrom: raw('network'),
  recvmsg: raw('network'),
  recvmmsg: raw('network'),
  close: raw('io'),
  fstat: raw('file'),
  lseek: raw('io'),
  sendfile: raw('io'),
  accept: raw('network'),
  accept4: raw('network'),
  setsockopt: raw('network'),
  getsockopt: raw('network'),
  getsockname: raw('network'),
  getpeername: raw('network'),
  shutdown: raw('network'),
  epoll_wait: raw('io'),
  epoll_pwait: raw('io'),
  epoll_pwait2: raw('io'),
  epoll_ctl: raw('io'),
  poll: raw('io'),
  ppoll: raw('io'),
  select: raw('io'),
  pselect6: raw('io'),
  futex: raw('process'),

  // paths looked at
  stat: stat(0),
  lstat: stat(0),
  stat64: stat(0),
  lstat64: stat(0),
  oldstat: stat(0),
  oldlstat: stat(0),
  access: stat(0),
  readlink: stat(0),
  getxattr: stat(0),
  lgetxattr: stat(0),
  listxattr: stat(0),
  llistxattr: stat(0),
  statfs: stat(0),
  statfs64: stat(0),
  newfstatat: stat(1, 0),
  fstatat64: stat(1, 0),
  statx: stat(1, 0),
  faccessat: stat(1, 0),
  faccessat2: stat(1, 0),
  readlinkat: stat(1, 0),

  // metadata changed
  chmod: meta({ path: 0 }),
  utime: meta({ path: 0 }),
  utimes: meta({ path: 0 }),
  setxattr: meta({ path: 0 }),
  lsetxattr: meta({ path: 0 }),
  removexattr: meta({ path: 0 }),
  lremovexattr: meta({ path: 0 }),
  fchmod: meta({ fd: 0 }),
  fsetxattr: meta({ fd: 0 }),
  fremovexattr: meta({ fd: 0 }),
  fchmodat: meta({ dirfd: 0, path: 1 }),
  fchmodat2: meta({ dirfd: 0, path: 1 }),
  futimesat: meta({ dirfd: 0, path: 1 }),
  // utimensat(dirfd, NULL, ...) changes the fd's own file
  utimensat: meta({ dirfd: 0, path: 1, fd: 0 }),
  chown: chown({ path: 0 }, 1),
  lchown: chown({ path: 0 }, 1),
  chown32: chown({ path: 0 }, 1),
  lchown32: chown({ path: 0 }, 1),
  fchown: chown({ fd: 0 }, 1),
  fchown32: chown({ fd: 0 }, 1),
  fchownat: chown({ dirfd: 0, path: 1 }, 2),

  // contents changed, entries created and removed
  truncate: file(['write'], { path: 0 }),
  truncate64: file(['write'], { path: 0 }),
  ftruncate: file(['write'], { fd: 0 }),
  ftruncate64: file(['write'], { fd: 0 }),
  unlink: file(['delete'], { path: 0 }),
  rmdir: file(['delete'], { path: 0, dir: true }),
  // AT_REMOVEDIR in flags makes the path a directory
  unlinkat: file(['delete'], { dirfd: 0, path: 1, values: { flags: 2 } }),
  mkdir: file(['create'], { path: 0, dir: true }),
  mkdirat: file(['create'], { dirfd: 0, path: 1, dir: true }),
  link: file(['link'], { path: 1 }),
  linkat: file(['link'], { dirfd: 2, path: 3 }),
  symlink: file(['link', 'create'], { path: 1 }),
  symlinkat: file(['link', 'create'], { dirfd: 1, path: 2 }),
  flock: file(['lock'], { fd: 0 }),
  // only the locking commands lock
  fcntl: file(['lock'], { fd: 0, values: { cmd: 1 } }),
  fcntl64: file(['lock'], { fd: 0, values: { cmd: 1 } }),
  getdents: file(['dir-list'], { fd: 0, dir: true }),
  getdents64: file(['dir-list'], { fd: 0, dir: true }),
  rename: { effect: 'rename', category: 'file', path: 0, path2: 1 },
  renameat: { effect: 'rename', category: 'file', dirfd: 0, path: 1, dirfd2: 2, path2: 3 },
  renameat2: { effect: 'rename', category: 'file', dirfd: 0, path: 1, dirfd2: 2, path2: 3 },
  mknod: { effect: 'mknod', category: 'file', path: 0, values: { mode: 1 } },
  mknodat: { effect: 'mknod', category: 'file', dirfd: 0, path: 1, values: { mode: 2 } },
  open: { effect: 'open', category: 'file', path: 0, values: { flags: 1 } },
  openat: { effect: 'open', category: 'file', dirfd: 0, path: 1, values: { flags: 2 } },
  openat2: { effect: 'open', category: 'file', dirfd: 0, path: 1, values: { flags: '2.flags' } },
  // creat(path, mode) opens O_WRONLY|O_CREAT|O_TRUNC
  creat: { effect: 'open', category: 'file', path: 0 },

  // where a process is
  chdir: { effect: 'chdir', category: 'file', path: 0 },
  fchdir: { effect: 'chdir', category: 'file', fd: 0 },
  chroot: { effect: 'chroot', category: 'file', path: 0 },

  // memory that maps files executable
  mmap: { effect: 'mmap', category: 'memory', fd: 4, values: { len: 1, prot: 2 } },
  mmap2: { effect: 'mmap', category: 'memory', fd: 4, values: { len: 1, prot: 2 } },
  mprotect: { effect: 'mprotect', category: 'memory', values: { addr: 0, prot: 2 } },
  pkey_mprotect: { effect: 'mprotect', category: 'memory', values: { addr: 0, prot: 2 } },

  // processes
  execve: { effect: 'exec', category: 'process', path: 0, values: { argv: 1 } },
  execveat: { effect: 'exec', category: 'process', dirfd: 0, path: 1, values: { argv: 2 } },
  clone: { effect: 'clone', category: 'process', values: { flags: 'flags' }, facts: ['flags'] },
  clone3: { effect: 'clone', category: 'process', values: { flags: '0.flags' }, facts: ['flags'] },
  fork: { effect: 'clone', category: 'process' },
  vfork: { effect: 'clone', category: 'process' },
  unshare: { effect: 'unshare', category: 'process', values: { flags: 0 }, facts: ['flags'] },
  setns: { effect: 'setns', category: 'process', values: { nstype: 1 }, facts: ['nstype'] },
  prctl: { effect: 'prctl', category: 'control', values: { option: 0 }, facts: ['option'] },
  personality: { effect: 'personality', category: 'control', values: { persona: 0 }, facts: ['persona'] },
  ioctl: { effect: 'ioctl', category: 'control', fd: 0, values: { request: 1 }, facts: ['request'] },
  ptrace: { effect: 'ptrace', category: 'process', values: { request: 0, pid: 1 } },

  // network
  socket: {
    effect: 'socket',
    category: 'network',
    values: { family: 0, type: 1, protocol: 2 },
    facts: ['domain', 'type', 'protocol'],
  },
  socketpair: {
    effect: 'socket',
    category: 'network',
    values: { family: 0, type: 1, protocol: 2 },
    facts: ['domain', 'type', 'protocol'],
  },
  bind: { effect: 'bind', category: 'network', fd: 0, values: { addr: 1 } },
  connect: { effect: 'connect', category: 'network', values: { addr: 1 } },
  sendto: { effect: 'connect', category: 'network', values: { addr: 4 } },
  sendmsg: { effect: 'connect', category: 'network', values: { addr: '1.msg_name' } },
  listen: { effect: 'listen', category: 'network', fd: 0 },

  // identity
  setuid: setid(1),
  setuid32: setid(1),
  setgid: setid(1),
  setgid32: setid(1),
  setfsuid: setid(1),
  setfsuid32: setid(1),
  setfsgid: setid(1),
  setfsgid32: setid(1),
  setreuid: setid(2),
  setreuid32: setid(2),
  setregid: setid(2),
  setregid32: setid(2),
  setresuid: setid(3),
  setresuid32: setid(3),
  setresgid: setid(3),
  setresgid32: setid(3),
  getuid: { effect: 'getid', category: 'identity' },
  geteuid: { effect: 'getid', category: 'identity' },
  getuid32: { effect: 'getid', category: 'identity' },
  geteuid32: { effect: 'getid', category: 'identity' },
  getgid: { effect: 'getid', category: 'identity' },
  getegid: { effect: 'getid', category: 'identity' },
  getgid32: { effect: 'getid', category: 'identity' },
  getegid32: { effect: 'getid', category: 'identity' },
  setgroups: { effect: 'setgroups', category: 'identity', values: { count: 0, list: 1 } },
  setgroups32: { effect: 'setgroups', category: 'identity', values: { count: 0, list: 1 } },
  mount: { effect: 'mount', category: 'control', path: 1 },
  umount: { effect: 'umount', category: 'control', path: 0 },
  umount2: { effect: 'umount', category: 'control', path: 0 },
  pivot_root: { effect: 'pivot_root', category: 'control', values: { new: 0, old: 1 } },
  sethostname: { effect: 'hostname', category: 'control' },
  setdomainname: { effect: 'hostname', category: 'control' },
};

/** A call's row, or undefined for a call that is only counted. */
export function semanticsOf(name: string, table: SemanticsTable = SYSCALL_SEMANTICS): Semantics | undefined {
  return Object.prototype.hasOwnProperty.call(table, name) ? table[name] : undefined;
}

/** A semantics table (the real one, or a test's extension of it). */
export type SemanticsTable = Readonly<Record<string, Semantics>>;

/** The calls strace prints raw, in the table's order (straceArgs' `-e raw=`). */
export function rawCalls(table: SemanticsTable = SYSCALL_SEMANTICS): string[] {
  return Object.entries(table)
    .filter(([, s]) => s.raw)
    .map(([n]) => n);
}

/** How many leading arguments a tracer adapter must read for a call: the highest position the row uses, plus one. */
export function argumentsNeeded(s: Semantics): number {
  const ids = s.ids === undefined ? undefined : s.ids - 1;
  const positions = [s.path, s.dirfd, s.path2, s.dirfd2, s.fd, ids, ...Object.values(s.values ?? {})].map((p) =>
    typeof p === 'string' ? (/^\d+/.test(p) ? Number.parseInt(p, 10) : Infinity) : p,
  );
  const used = positions.filter((p): p is number => p !== undefined);
  return used.length === 0 ? 0 : Math.max(...used) + 1;
}
