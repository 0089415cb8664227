// Numbers from bpftrace's log as the symbolic names strace prints, so both tracers give the same argument facts.
import { ADDRESS_FAMILIES, CLONE_FLAGS, SOCKET_TYPES } from '../syscalls/table.generated.js';

const byValue = (
  table: Readonly<Record<string, number>>,
  skip: (name: string) => boolean = () => false,
): Map<number, string> => {
  const m = new Map<number, string>();
  for (const [name, v] of Object.entries(table)) if (!skip(name) && !m.has(v)) m.set(v, name);
  return m;
};

const FAMILIES = byValue(ADDRESS_FAMILIES, (n) => n === 'AF_LOCAL' || n === 'AF_FILE' || n === 'AF_ROUTE');
FAMILIES.set(1, 'AF_UNIX');
FAMILIES.set(16, 'AF_NETLINK');
const SOCK_BASE = byValue(SOCKET_TYPES, (n) => n === 'SOCK_CLOEXEC' || n === 'SOCK_NONBLOCK');

const hex = (v: bigint | number): string => `0x${BigInt(v).toString(16)}`;

/** An address family as strace names it (AF_INET; AF_UNIX for 1), or the number. */
export function familyName(v: number): string {
  return FAMILIES.get(v) ?? String(v);
}

/** A socket type with its flags (`SOCK_STREAM|SOCK_CLOEXEC`). */
export function socketTypeName(v: number): string {
  const parts = [SOCK_BASE.get(v & 0xf) ?? String(v & 0xf)];
  if (v & 0o2000000) parts.push('SOCK_CLOEXEC');
  if (v & 0o4000) parts.push('SOCK_NONBLOCK');
  const rest = v & ~(0xf | 0o2000000 | 0o4000);
  if (rest) parts.push(hex(rest));
  return parts.join('|');
}

const IPPROTO: Record<number, string> = {
  0: 'IPPROTO_IP',
  1: 'IPPROTO_ICMP',
  6: 'IPPROTO_TCP',
  17: 'IPPROTO_UDP',
  58: 'IPPROTO_ICMPV6',
  132: 'IPPROTO_SCTP',
  136: 'IPPROTO_UDPLITE',
  255: 'IPPROTO_RAW',
  262: 'IPPROTO_MPTCP',
};
const NETLINK: Record<number, string> = {
  0: 'NETLINK_ROUTE',
  4: 'NETLINK_SOCK_DIAG',
  6: 'NETLINK_XFRM',
  9: 'NETLINK_AUDIT',
  12: 'NETLINK_NETFILTER',
  15: 'NETLINK_KOBJECT_UEVENT',
  16: 'NETLINK_GENERIC',
};
const ETH_P: Record<number, string> = {
  0x0003: 'ETH_P_ALL',
  0x0800: 'ETH_P_IP',
  0x0806: 'ETH_P_ARP',
  0x86dd: 'ETH_P_IPV6',
};

/** A socket protocol as strace prints it for the family (IPPROTO_TCP, NETLINK_ROUTE, htons(ETH_P_ALL), 0). */
export function protocolName(family: number, v: number): string {
  if (family === 2 || family === 10) return IPPROTO[v] ?? String(v);
  if (family === 16) return NETLINK[v] ?? String(v);
  if (family === 17) {
    const host = ((v & 0xff) << 8) | ((v >> 8) & 0xff);
    return `htons(${ETH_P[host] ?? String(host)})`;
  }
  return String(v);
}

const CLONE = byValue(CLONE_FLAGS);
const SIGNALS: Record<number, string> = {
  17: 'SIGCHLD',
  9: 'SIGKILL',
  15: 'SIGTERM',
  1: 'SIGHUP',
  2: 'SIGINT',
  10: 'SIGUSR1',
  12: 'SIGUSR2',
};

/** Clone flags as strace prints them (`CLONE_VM|CLONE_FS|...|SIGCHLD`); `withSignal` reads the low byte as the exit signal. */
export function cloneFlagsName(v: bigint, withSignal: boolean): string {
  const parts: string[] = [];
  let rest = v;
  for (let bit = 8n; bit < 64n; bit++) {
    const m = 1n << bit;
    if ((rest & m) === 0n) continue;
    const name = CLONE.get(Number(m));
    if (name) {
      parts.push(name);
      rest &= ~m;
    }
  }
  const sig = withSignal ? Number(rest & 0xffn) : 0;
  if (withSignal) rest &= ~0xffn;
  if (rest !== 0n) parts.push(hex(rest));
  if (sig) parts.push(SIGNALS[sig] ?? String(sig));
  return parts.length ? parts.join('|') : '0';
}

const O_FLAGS: Array<[number, string]> = [
  [0o100, 'O_CREAT'],
  [0o200, 'O_EXCL'],
  [0o400, 'O_NOCTTY'],
  [0o1000, 'O_TRUNC'],
  [0o2000, 'O_APPEND'],
  [0o4000, 'O_NONBLOCK'],
  [0o4010000, 'O_SYNC'],
  [0o40000, 'O_DIRECT'],
  [0o200000, 'O_DIRECTORY'],
  [0o400000, 'O_NOFOLLOW'],
  [0o1000000, 'O_NOATIME'],
  [0o2000000, 'O_CLOEXEC'],
  [0o10000000, 'O_PATH'],
  [0o20200000, 'O_TMPFILE'],
];

/** open(2) flags as strace prints them (`O_WRONLY|O_CREAT|O_TRUNC|O_CLOEXEC`); O_TMPFILE includes O_DIRECTORY. */
export function openFlagsName(v: number): string {
  const parts = [['O_RDONLY', 'O_WRONLY', 'O_RDWR', 'O_ACCMODE'][v & 3]!];
  let rest = v & ~3 & ~0o100000; // O_LARGEFILE is implied on x86_64
  for (const [bits, name] of [...O_FLAGS].reverse()) {
    if ((rest & bits) === bits) {
      parts.push(name);
      rest &= ~bits;
    }
  }
  if (rest) parts.push(hex(rest));
  return parts.join('|');
}

const PRCTL: Record<number, string> = {
  1: 'PR_SET_PDEATHSIG',
  2: 'PR_GET_PDEATHSIG',
  3: 'PR_GET_DUMPABLE',
  4: 'PR_SET_DUMPABLE',
  5: 'PR_GET_UNALIGN',
  6: 'PR_SET_UNALIGN',
  7: 'PR_GET_KEEPCAPS',
  8: 'PR_SET_KEEPCAPS',
  9: 'PR_GET_FPEMU',
  10: 'PR_SET_FPEMU',
  11: 'PR_GET_FPEXC',
  12: 'PR_SET_FPEXC',
  13: 'PR_GET_TIMING',
  14: 'PR_SET_TIMING',
  15: 'PR_SET_NAME',
  16: 'PR_GET_NAME',
  19: 'PR_GET_ENDIAN',
  20: 'PR_SET_ENDIAN',
  21: 'PR_GET_SECCOMP',
  22: 'PR_SET_SECCOMP',
  23: 'PR_CAPBSET_READ',
  24: 'PR_CAPBSET_DROP',
  25: 'PR_GET_TSC',
  26: 'PR_SET_TSC',
  27: 'PR_GET_SECUREBITS',
  28: 'PR_SET_SECUREBITS',
  29: 'PR_SET_TIMERSLACK',
  30: 'PR_GET_TIMERSLACK',
  31: 'PR_TASK_PERF_EVENTS_DISABLE',
  32: 'PR_TASK_PERF_EVENTS_ENABLE',
  33: 'PR_MCE_KILL',
  34: 'PR_MCE_KILL_GET',
  35: 'PR_SET_MM',
  36: 'PR_SET_CHILD_SUBREAPER',
  37: 'PR_GET_CHILD_SUBREAPER',
  38: 'PR_SET_NO_NEW_PRIVS',
  39: 'PR_GET_NO_NEW_PRIVS',
  40: 'PR_GET_TID_ADDRESS',
  41: 'PR_SET_THP_DISABLE',
  42: 'PR_GET_THP_DISABLE',
  45: 'PR_SET_FP_MODE',
  46: 'PR_GET_FP_MODE',
  47: 'PR_CAP_AMBIENT',
  52: 'PR_GET_SPECULATION_CTRL',
  53: 'PR_SET_SPECULATION_CTRL',
  55: 'PR_SET_TAGGED_ADDR_CTRL',
  56: 'PR_GET_TAGGED_ADDR_CTRL',
  57: 'PR_SET_IO_FLUSHER',
  58: 'PR_GET_IO_FLUSHER',
  59: 'PR_SET_SYSCALL_USER_DISPATCH',
  62: 'PR_SCHED_CORE',
  0x59616d61: 'PR_SET_PTRACER',
  0x53564d41: 'PR_SET_VMA',
};

/** A prctl option (PR_SET_NAME), or the number. */
export function prctlName(v: number): string {
  return PRCTL[v] ?? String(v);
}

const IOCTL: Record<number, string> = {
  0x5401: 'TCGETS',
  0x5402: 'TCSETS',
  0x5403: 'TCSETSW',
  0x5404: 'TCSETSF',
  0x5409: 'TCSBRK',
  0x540a: 'TCXONC',
  0x540b: 'TCFLSH',
  0x540e: 'TIOCSCTTY',
  0x540f: 'TIOCGPGRP',
  0x5410: 'TIOCSPGRP',
  0x5411: 'TIOCOUTQ',
  0x5412: 'TIOCSTI',
  0x5413: 'TIOCGWINSZ',
  0x5414: 'TIOCSWINSZ',
  0x5415: 'TIOCMGET',
  0x541b: 'FIONREAD',
  0x541e: 'TIOCGSERIAL',
  0x5421: 'FIONBIO',
  0x5422: 'TIOCNOTTY',
  0x5429: 'TIOCGSID',
  0x5450: 'FIONCLEX',
  0x5451: 'FIOCLEX',
  0x5452: 'FIOASYNC',
  0x80045430: 'TIOCGPTN',
  0x40045431: 'TIOCSPTLCK',
  0x5441: 'TIOCGPTPEER',
};

/** An ioctl request strace names (TCGETS, FIONBIO, ...), or its hex value. */
export function ioctlName(v: number): string {
  return IOCTL[v >>> 0] ?? hex(v >>> 0);
}

const PER_BASE: Record<number, string> = {
  0: 'PER_LINUX',
  6: 'PER_BSD',
  8: 'PER_LINUX32',
  0x0c: 'PER_RISCOS',
  0x0f: 'PER_OSF4',
  0x10: 'PER_HPUX',
};
const PER_FLAGS: Array<[number, string]> = [
  [0x0020000, 'UNAME26'],
  [0x0040000, 'ADDR_NO_RANDOMIZE'],
  [0x0080000, 'FDPIC_FUNCPTRS'],
  [0x0100000, 'MMAP_PAGE_ZERO'],
  [0x0200000, 'ADDR_COMPAT_LAYOUT'],
  [0x0400000, 'READ_IMPLIES_EXEC'],
  [0x0800000, 'ADDR_LIMIT_32BIT'],
  [0x1000000, 'SHORT_INODE'],
  [0x2000000, 'WHOLE_SECONDS'],
  [0x4000000, 'STICKY_TIMEOUTS'],
  [0x8000000, 'ADDR_LIMIT_3GB'],
];

/** A personality value (`PER_LINUX`, `PER_LINUX|ADDR_NO_RANDOMIZE`, `0xffffffff` for the query). */
export function personalityName(v: number): string {
  const u = v >>> 0;
  if (u === 0xffffffff) return '0xffffffff';
  const base = PER_BASE[u & 0xff];
  if (base === undefined) return hex(u);
  const parts = [base];
  let rest = u & ~0xff;
  for (const [bit, name] of PER_FLAGS)
    if (rest & bit) {
      parts.push(name);
      rest &= ~bit;
    }
  if (rest) parts.push(hex(rest));
  return parts.join('|');
}

/** setns's nstype (0 or a CLONE_NEW* flag). */
export function nstypeName(v: number): string {
  return v === 0 ? '0' : cloneFlagsName(BigInt(v >>> 0), false);
}

const LOCKS: Record<number, string> = { 6: 'F_SETLK', 7: 'F_SETLKW', 37: 'F_OFD_SETLK', 38: 'F_OFD_SETLKW' };

/** The fcntl locking commands tracewall asks bpftrace about. */
export function fcntlName(v: number): string {
  return LOCKS[v] ?? String(v);
}

/** mmap/mprotect protection bits (`PROT_READ|PROT_EXEC`). */
export function protName(v: number): string {
  const parts = [
    [1, 'PROT_READ'],
    [2, 'PROT_WRITE'],
    [4, 'PROT_EXEC'],
  ]
    .filter(([b]) => v & (b as number))
    .map(([, n]) => n as string);
  return parts.length ? parts.join('|') : 'PROT_NONE';
}

/** A file mode with its type (`S_IFCHR|0666`), as strace prints mknod's. */
export function modeName(v: number): string {
  const types: Record<number, string> = {
    0o140000: 'S_IFSOCK',
    0o120000: 'S_IFLNK',
    0o100000: 'S_IFREG',
    0o60000: 'S_IFBLK',
    0o40000: 'S_IFDIR',
    0o20000: 'S_IFCHR',
    0o10000: 'S_IFIFO',
  };
  const t = types[v & 0o170000];
  const perm = `0${(v & 0o7777).toString(8)}`;
  return t ? `${t}|${perm}` : perm;
}

const PTRACE: Record<number, string> = {
  0: 'PTRACE_TRACEME',
  16: 'PTRACE_ATTACH',
  17: 'PTRACE_DETACH',
  0x4206: 'PTRACE_SEIZE',
  7: 'PTRACE_CONT',
  8: 'PTRACE_KILL',
};

/** A ptrace request (PTRACE_ATTACH, ...), or the number. */
export function ptraceName(v: number): string {
  return PTRACE[v] ?? String(v);
}

/** A uid/gid argument: decimal, -1 for "unchanged". */
export function idName(v: bigint): string {
  const u = Number(v & 0xffffffffn);
  return u === 0xffffffff ? '-1' : String(u);
}
