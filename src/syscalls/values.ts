// Argument values ↔ the names tracewall writes in a Recording (strace's spelling): one table per kind of value, used in
// both directions — the tracers' adapters turn printed names into numbers, the Recording writer and the renderers turn
// numbers into names, and the seccomp renderer turns a Recording's names back into the numbers a rule compares.
import { ADDRESS_FAMILIES, CLONE_FLAGS, SOCKET_TYPES } from './table.generated.js';

/** A value as a number, or a name no table here knows, kept exactly as the tracer printed it. */
export type Sym = number | string;
/** A flag word (clone flags are 64-bit), or a printed name no table here knows. */
export type BigSym = bigint | string;

const hex = (v: bigint | number): string => `0x${BigInt(v).toString(16)}`;

/** A name → value map and its reverse (the first name listed for a value wins). */
function twoWay(entries: ReadonlyArray<readonly [number, string]>): {
  name: Map<number, string>;
  value: Map<string, number>;
} {
  const name = new Map<number, string>();
  const value = new Map<string, number>();
  for (const [v, n] of entries) {
    if (!name.has(v)) name.set(v, n);
    value.set(n, v);
  }
  return { name, value };
}

/** A decimal, 0x-hex or 0-octal integer (optionally negative), or undefined. */
export function parseInteger(s: string): number | undefined {
  const t = s.trim();
  if (/^-?[0-9]+$/.test(t)) return /^-?0[0-7]+$/.test(t) ? Number.parseInt(t, 8) : Number(t);
  if (/^0x[0-9a-fA-F]+$/.test(t)) return Number.parseInt(t.slice(2), 16);
  return undefined;
}

/** A decimal or 0x-hex unsigned number, or undefined. */
export function parseNumber(s: string): number | undefined {
  const t = s.trim();
  if (/^[0-9]+$/.test(t)) return Number(t);
  if (/^0x[0-9a-fA-F]+$/.test(t)) return Number.parseInt(t.slice(2), 16);
  return undefined;
}

/** `A|B|0x10` → the OR of each part's value, or undefined when a part is unknown. */
function orOfParts(s: string, part: (p: string) => number | bigint | undefined): bigint | undefined {
  let v = 0n;
  for (const tok of s.split('|').map((t) => t.trim())) {
    if (tok === '') continue;
    const n = part(tok) ?? parseNumber(tok);
    if (n === undefined) return undefined;
    v |= BigInt(n);
  }
  return v;
}

// ---- address families -----------------------------------------------------------------------------------------

const FAMILY = twoWay([
  [1, 'AF_UNIX'],
  [16, 'AF_NETLINK'],
  ...Object.entries(ADDRESS_FAMILIES)
    .filter(([n]) => n !== 'AF_LOCAL' && n !== 'AF_FILE' && n !== 'AF_ROUTE')
    .map(([n, v]) => [v, n] as const),
]);
for (const [alias, v] of [
  ['AF_LOCAL', 1],
  ['AF_FILE', 1],
  ['AF_ROUTE', 16],
] as const)
  FAMILY.value.set(alias, v);

/** An address family as strace names it (AF_INET; AF_UNIX for 1), or the number. */
export function familyName(v: number): string {
  return FAMILY.name.get(v) ?? String(v);
}

/** An address family name (AF_*, PF_*, AF_UNIX/AF_LOCAL/AF_FILE, AF_ROUTE) or number to its value. */
export function familyValue(s: string): number | undefined {
  const t = s.trim();
  return parseNumber(t) ?? FAMILY.value.get(t.replace(/^PF_/, 'AF_'));
}

// ---- socket types ---------------------------------------------------------------------------------------------

const SOCK_FLAGS = { SOCK_CLOEXEC: 0o2000000, SOCK_NONBLOCK: 0o4000 } as const;
const SOCK_BASE = twoWay(
  Object.entries(SOCKET_TYPES)
    .filter(([n]) => !(n in SOCK_FLAGS))
    .map(([n, v]) => [v, n] as const),
);

/** A socket type with its flags (`SOCK_STREAM|SOCK_CLOEXEC`). */
export function socketTypeName(v: number): string {
  const parts = [SOCK_BASE.name.get(v & 0xf) ?? String(v & 0xf)];
  if (v & SOCK_FLAGS.SOCK_CLOEXEC) parts.push('SOCK_CLOEXEC');
  if (v & SOCK_FLAGS.SOCK_NONBLOCK) parts.push('SOCK_NONBLOCK');
  const rest = v & ~(0xf | SOCK_FLAGS.SOCK_CLOEXEC | SOCK_FLAGS.SOCK_NONBLOCK);
  if (rest) parts.push(hex(rest));
  return parts.join('|');
}

/** The base socket type of a type word, without SOCK_CLOEXEC/SOCK_NONBLOCK (`SOCK_STREAM`). */
export function socketBaseTypeName(v: number): string {
  return socketTypeName(v & ~(SOCK_FLAGS.SOCK_CLOEXEC | SOCK_FLAGS.SOCK_NONBLOCK));
}

/** `SOCK_STREAM|SOCK_CLOEXEC` → its value, or undefined. */
export function socketTypeValue(s: string): number | undefined {
  const v = orOfParts(s, (p) => SOCK_BASE.value.get(p) ?? SOCK_FLAGS[p as keyof typeof SOCK_FLAGS]);
  return v === undefined ? undefined : Number(v);
}

// ---- protocols ------------------------------------------------------------------------------------------------

const IPPROTO = twoWay([
  [0, 'IPPROTO_IP'],
  [1, 'IPPROTO_ICMP'],
  [2, 'IPPROTO_IGMP'],
  [6, 'IPPROTO_TCP'],
  [17, 'IPPROTO_UDP'],
  [41, 'IPPROTO_IPV6'],
  [58, 'IPPROTO_ICMPV6'],
  [132, 'IPPROTO_SCTP'],
  [136, 'IPPROTO_UDPLITE'],
  [255, 'IPPROTO_RAW'],
  [262, 'IPPROTO_MPTCP'],
]);
const NETLINK = twoWay([
  [0, 'NETLINK_ROUTE'],
  [4, 'NETLINK_SOCK_DIAG'],
  [6, 'NETLINK_XFRM'],
  [9, 'NETLINK_AUDIT'],
  [12, 'NETLINK_NETFILTER'],
  [15, 'NETLINK_KOBJECT_UEVENT'],
  [16, 'NETLINK_GENERIC'],
]);
const ETH_P = twoWay([
  [0x0003, 'ETH_P_ALL'],
  [0x0800, 'ETH_P_IP'],
  [0x0806, 'ETH_P_ARP'],
  [0x86dd, 'ETH_P_IPV6'],
]);
const swap16 = (v: number): number => ((v & 0xff) << 8) | ((v >> 8) & 0xff);

/** A socket protocol as strace prints it for the family (IPPROTO_TCP, NETLINK_ROUTE, htons(ETH_P_ALL), 0). */
export function protocolName(family: number, v: number): string {
  if (family === 2 || family === 10) return IPPROTO.name.get(v) ?? String(v);
  if (family === 16) return NETLINK.name.get(v) ?? String(v);
  if (family === 17) {
    const host = swap16(v);
    return `htons(${ETH_P.name.get(host) ?? String(host)})`;
  }
  return String(v);
}

/** A protocol as strace prints it (`IPPROTO_TCP`, `htons(ETH_P_ALL)`, `0`) → its value, or undefined. */
export function protocolValue(s: string): number | undefined {
  const t = s.trim();
  const htons = /^htons\((.*)\)$/.exec(t);
  if (htons) {
    const host = ETH_P.value.get(htons[1]!) ?? parseNumber(htons[1]!);
    return host === undefined ? undefined : swap16(host);
  }
  return parseNumber(t) ?? IPPROTO.value.get(t) ?? NETLINK.value.get(t);
}

// ---- clone flags ----------------------------------------------------------------------------------------------

const CLONE = twoWay(Object.entries(CLONE_FLAGS).map(([n, v]) => [v, n] as const));

/** Clone flag names (`CLONE_VM`, ...) of a flag word, unknown bits as one hex number. */
function cloneFlagParts(v: bigint): string[] {
  const parts: string[] = [];
  let rest = BigInt.asUintN(64, v);
  for (let bit = 0n; bit < 64n; bit++) {
    const m = 1n << bit;
    const name = (rest & m) !== 0n ? CLONE.name.get(Number(m)) : undefined;
    if (name) {
      parts.push(name);
      rest &= ~m;
    }
  }
  if (rest !== 0n) parts.push(hex(rest));
  return parts;
}

/**
 * Clone flags as the Recording keeps them: names sorted and joined by `|`, "0" when none. clone(2)'s exit signal (its
 * low byte) is not a flag: the adapters take it off before.
 */
export function cloneFlagSetName(v: bigint): string {
  const parts = cloneFlagParts(v);
  return parts.length === 0 ? '0' : [...new Set(parts)].sort().join('|');
}

/**
 * A clone flag word as strace prints it (`CLONE_VM|CLONE_VFORK|SIGCHLD`, `0x20011`) → its flags without the exit signal
 * name, or undefined when a part is unknown.
 */
export function cloneFlagsValue(s: string): bigint | undefined {
  return orOfParts(s, (p) => {
    if (/^SIG[A-Z0-9_+]+$/.test(p) || p === '0') return 0;
    const n = CLONE.value.get(p);
    return n === undefined ? undefined : BigInt(n);
  });
}

// ---- open flags -----------------------------------------------------------------------------------------------

const O_FLAGS: ReadonlyArray<readonly [number, string]> = [
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
const O_MORE: Readonly<Record<string, number>> = {
  O_RDONLY: 0,
  O_WRONLY: 1,
  O_RDWR: 2,
  O_ACCMODE: 3,
  O_LARGEFILE: 0o100000,
  O_DSYNC: 0o10000,
  O_ASYNC: 0o20000,
  O_NDELAY: 0o4000,
  O_RSYNC: 0o4010000,
};
/** Open flag bits tracewall reads. */
export const O = {
  WRONLY: 1,
  RDWR: 2,
  CREAT: 0o100,
  TRUNC: 0o1000,
  APPEND: 0o2000,
  DIRECTORY: 0o200000,
  PATH: 0o10000000,
  TMPFILE: 0o20200000,
} as const;

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

const O_VALUE = new Map<string, number>([...O_FLAGS.map(([v, n]) => [n, v] as const), ...Object.entries(O_MORE)]);

/**
 * Printed open flags → their value. A name no table here knows counts as no bits: only the access mode, O_CREAT,
 * O_TRUNC, O_APPEND, O_DIRECTORY, O_PATH and O_TMPFILE matter to the Recording, and those are all known.
 */
export function openFlagsValue(s: string): number {
  let v = 0;
  for (const tok of s.split('|').map((t) => t.trim())) v |= O_VALUE.get(tok) ?? parseInteger(tok) ?? 0;
  return v;
}

// ---- prctl, ioctl, personality, setns, fcntl, mmap, mknod, ptrace --------------------------------------------

const PRCTL = twoWay([
  [1, 'PR_SET_PDEATHSIG'],
  [2, 'PR_GET_PDEATHSIG'],
  [3, 'PR_GET_DUMPABLE'],
  [4, 'PR_SET_DUMPABLE'],
  [5, 'PR_GET_UNALIGN'],
  [6, 'PR_SET_UNALIGN'],
  [7, 'PR_GET_KEEPCAPS'],
  [8, 'PR_SET_KEEPCAPS'],
  [9, 'PR_GET_FPEMU'],
  [10, 'PR_SET_FPEMU'],
  [11, 'PR_GET_FPEXC'],
  [12, 'PR_SET_FPEXC'],
  [13, 'PR_GET_TIMING'],
  [14, 'PR_SET_TIMING'],
  [15, 'PR_SET_NAME'],
  [16, 'PR_GET_NAME'],
  [19, 'PR_GET_ENDIAN'],
  [20, 'PR_SET_ENDIAN'],
  [21, 'PR_GET_SECCOMP'],
  [22, 'PR_SET_SECCOMP'],
  [23, 'PR_CAPBSET_READ'],
  [24, 'PR_CAPBSET_DROP'],
  [25, 'PR_GET_TSC'],
  [26, 'PR_SET_TSC'],
  [27, 'PR_GET_SECUREBITS'],
  [28, 'PR_SET_SECUREBITS'],
  [29, 'PR_SET_TIMERSLACK'],
  [30, 'PR_GET_TIMERSLACK'],
  [31, 'PR_TASK_PERF_EVENTS_DISABLE'],
  [32, 'PR_TASK_PERF_EVENTS_ENABLE'],
  [33, 'PR_MCE_KILL'],
  [34, 'PR_MCE_KILL_GET'],
  [35, 'PR_SET_MM'],
  [36, 'PR_SET_CHILD_SUBREAPER'],
  [37, 'PR_GET_CHILD_SUBREAPER'],
  [38, 'PR_SET_NO_NEW_PRIVS'],
  [39, 'PR_GET_NO_NEW_PRIVS'],
  [40, 'PR_GET_TID_ADDRESS'],
  [41, 'PR_SET_THP_DISABLE'],
  [42, 'PR_GET_THP_DISABLE'],
  [45, 'PR_SET_FP_MODE'],
  [46, 'PR_GET_FP_MODE'],
  [47, 'PR_CAP_AMBIENT'],
  [52, 'PR_GET_SPECULATION_CTRL'],
  [53, 'PR_SET_SPECULATION_CTRL'],
  [55, 'PR_SET_TAGGED_ADDR_CTRL'],
  [56, 'PR_GET_TAGGED_ADDR_CTRL'],
  [57, 'PR_SET_IO_FLUSHER'],
  [58, 'PR_GET_IO_FLUSHER'],
  [59, 'PR_SET_SYSCALL_USER_DISPATCH'],
  [62, 'PR_SCHED_CORE'],
  [0x59616d61, 'PR_SET_PTRACER'],
  [0x53564d41, 'PR_SET_VMA'],
]);

/** A prctl option (PR_SET_NAME), or the number. */
export function prctlName(v: number): string {
  return PRCTL.name.get(v) ?? String(v);
}

/** A printed prctl option → its value, or undefined. */
export function prctlValue(s: string): number | undefined {
  return PRCTL.value.get(s.trim()) ?? parseNumber(s);
}

const IOCTL = twoWay([
  [0x5401, 'TCGETS'],
  [0x5402, 'TCSETS'],
  [0x5403, 'TCSETSW'],
  [0x5404, 'TCSETSF'],
  [0x5409, 'TCSBRK'],
  [0x540a, 'TCXONC'],
  [0x540b, 'TCFLSH'],
  [0x540e, 'TIOCSCTTY'],
  [0x540f, 'TIOCGPGRP'],
  [0x5410, 'TIOCSPGRP'],
  [0x5411, 'TIOCOUTQ'],
  [0x5412, 'TIOCSTI'],
  [0x5413, 'TIOCGWINSZ'],
  [0x5414, 'TIOCSWINSZ'],
  [0x5415, 'TIOCMGET'],
  [0x541b, 'FIONREAD'],
  [0x541e, 'TIOCGSERIAL'],
  [0x5421, 'FIONBIO'],
  [0x5422, 'TIOCNOTTY'],
  [0x5429, 'TIOCGSID'],
  [0x5450, 'FIONCLEX'],
  [0x5451, 'FIOCLEX'],
  [0x5452, 'FIOASYNC'],
  [0x80045430, 'TIOCGPTN'],
  [0x40045431, 'TIOCSPTLCK'],
  [0x5441, 'TIOCGPTPEER'],
]);

/** An ioctl request strace names (TCGETS, FIONBIO, ...), or its hex value. */
export function ioctlName(v: number): string {
  return IOCTL.name.get(v >>> 0) ?? hex(v >>> 0);
}

/** A printed ioctl request → its value, or undefined (strace knows many more names than this table). */
export function ioctlValue(s: string): number | undefined {
  return IOCTL.value.get(s.trim()) ?? parseNumber(s);
}

const PER_BASE = twoWay([
  [0, 'PER_LINUX'],
  [6, 'PER_BSD'],
  [8, 'PER_LINUX32'],
  [0x0c, 'PER_RISCOS'],
  [0x0f, 'PER_OSF4'],
  [0x10, 'PER_HPUX'],
]);
const PER_FLAGS: ReadonlyArray<readonly [number, string]> = [
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
const PER_ALIASES: Readonly<Record<string, number>> = {
  PER_LINUX_32BIT: 0x0800000,
  PER_LINUX_FDPIC: 0x0080000,
  PER_LINUX32_3GB: 0x8000008,
};
const PER_VALUE = new Map<string, number>([
  ...PER_BASE.value,
  ...PER_FLAGS.map(([v, n]) => [n, v] as const),
  ...Object.entries(PER_ALIASES),
]);

/** A personality value (`PER_LINUX`, `PER_LINUX|ADDR_NO_RANDOMIZE`, `0xffffffff` for the query). */
export function personalityName(v: number): string {
  const u = v >>> 0;
  if (u === 0xffffffff) return '0xffffffff';
  const base = PER_BASE.name.get(u & 0xff);
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

/** A personality value ("PER_LINUX", "PER_LINUX|ADDR_NO_RANDOMIZE", "0xffffffff") as a number, or undefined. */
export function personalityValue(s: string): number | undefined {
  const v = orOfParts(s, (p) => PER_VALUE.get(p));
  return v === undefined ? undefined : Number(v);
}

/** setns's nstype (0 or a CLONE_NEW* flag). */
export function nstypeName(v: number): string {
  return v === 0 ? '0' : cloneFlagParts(BigInt(v >>> 0)).join('|');
}

/** A printed nstype (`CLONE_NEWNET`, `0`) → its value, or undefined. */
export function nstypeValue(s: string): number | undefined {
  const v = orOfParts(s, (p) => (p === '0' ? 0 : CLONE.value.get(p)));
  return v === undefined ? undefined : Number(v);
}

const FCNTL = twoWay([
  [6, 'F_SETLK'],
  [7, 'F_SETLKW'],
  [13, 'F_SETLK64'],
  [14, 'F_SETLKW64'],
  [37, 'F_OFD_SETLK'],
  [38, 'F_OFD_SETLKW'],
]);

/** fcntl commands that take a lock. */
export function isLockCommand(cmd: Sym): boolean {
  return typeof cmd === 'number' ? FCNTL.name.has(cmd) : FCNTL.value.has(cmd);
}

/** A printed fcntl command → its value when it is a locking command, else the text. */
export function fcntlCommand(s: string): Sym {
  return FCNTL.value.get(s.trim()) ?? parseNumber(s) ?? s;
}

/** mmap/mprotect PROT_EXEC. */
export const PROT_EXEC = 4;

/** Printed protection bits (`PROT_READ|PROT_EXEC`) → their value (unknown names count as no bits). */
export function protValue(s: string): number {
  const bits: Record<string, number> = { PROT_NONE: 0, PROT_READ: 1, PROT_WRITE: 2, PROT_EXEC: 4 };
  let v = 0;
  for (const tok of s.split('|')) v |= bits[tok.trim()] ?? parseInteger(tok) ?? 0;
  return v;
}

const FILE_TYPES = twoWay([
  [0o140000, 'S_IFSOCK'],
  [0o120000, 'S_IFLNK'],
  [0o100000, 'S_IFREG'],
  [0o60000, 'S_IFBLK'],
  [0o40000, 'S_IFDIR'],
  [0o20000, 'S_IFCHR'],
  [0o10000, 'S_IFIFO'],
]);

/** The file type name of a mode (`S_IFCHR`), or undefined. */
export function fileTypeName(mode: number): string | undefined {
  return FILE_TYPES.name.get(mode & 0o170000);
}

/** A printed mode (`S_IFCHR|0666`, `0644`) → its value (unknown parts count as no bits). */
export function modeValue(s: string): number {
  let v = 0;
  for (const tok of s.split('|')) v |= FILE_TYPES.value.get(tok.trim()) ?? parseInteger(tok) ?? 0;
  return v;
}

const PTRACE = twoWay([
  [0, 'PTRACE_TRACEME'],
  [16, 'PTRACE_ATTACH'],
  [17, 'PTRACE_DETACH'],
  [0x4206, 'PTRACE_SEIZE'],
  [7, 'PTRACE_CONT'],
  [8, 'PTRACE_KILL'],
]);

/** A ptrace request (PTRACE_ATTACH, ...), or the number. */
export function ptraceName(v: number): string {
  return PTRACE.name.get(v) ?? String(v);
}

/** A printed ptrace request → its value, or undefined. */
export function ptraceValue(s: string): number | undefined {
  return PTRACE.value.get(s.trim()) ?? parseNumber(s);
}

/** A uid/gid as the Recording writes it: decimal, -1 for "unchanged". */
export function idName(v: number): string {
  const u = v >>> 0;
  return u === 0xffffffff ? '-1' : String(u);
}

/** A printed uid/gid (`1000`, `-1`) → its 32-bit value, or undefined. */
export function idValue(s: string): number | undefined {
  const n = parseInteger(s);
  return n === undefined ? undefined : n >>> 0;
}

/** Name a value with `name`, or keep a printed name as it is. */
export function symName(v: Sym, name: (n: number) => string): string {
  return typeof v === 'number' ? name(v) : v;
}
