// bpftrace records → the argument lists strace would have printed (already parsed), so the Recording builder applies
// the same file, network and identity rules to both tracers.
import type { Arg, ArgValue } from '../parse/args.js';
import type { BtPath, BtRecord, BtString } from '../parse/bpftrace.js';
import type { DecodedText } from '../parse/bpftrace-text.js';
import {
  cloneFlagsName,
  familyName,
  fcntlName,
  idName,
  ioctlName,
  modeName,
  nstypeName,
  openFlagsName,
  personalityName,
  prctlName,
  protName,
  protocolName,
  ptraceName,
  socketTypeName,
} from '../parse/bpftrace-names.js';

type CallRecord = Extract<BtRecord, { k: 'call' }>;

const arg = (value: ArgValue, key: string | null = null): Arg => ({ key, value });
/** A bare word (flags, numbers). */
export const word = (text: string): ArgValue => ({ t: 'word', text });
/** A string argument. */
export function str(s: DecodedText | null, abstract = false, truncated = false): ArgValue {
  return { t: 'str', text: s?.text ?? '', invalidUtf8: s?.invalidUtf8 ?? false, truncated, abstract };
}
/** An fd decorated with the path the kernel named, or a plain word when unnamed. */
export function fdPath(p: BtPath | null, fd = '3'): ArgValue {
  if (!p) return word(fd);
  return {
    t: 'fd',
    fd,
    info: { kind: 'path', path: p.text, invalidUtf8: p.invalidUtf8, device: null },
    deleted: false,
  };
}
const s1 = (r: CallRecord): ArgValue => str(r.str1, false, r.str1?.truncated ?? false);
const s2 = (r: CallRecord): ArgValue => str(r.str2, false, r.str2?.truncated ?? false);
// The dirfd of an *at call: the directory the kernel named for a relative path, AT_FDCWD otherwise.
const dir1 = (r: CallRecord): ArgValue => (r.path1 ? fdPath(r.path1) : word('AT_FDCWD'));
const dir2 = (r: CallRecord): ArgValue => (r.path2 ? fdPath(r.path2) : word('AT_FDCWD'));
const n = (v: bigint): number => Number(BigInt.asIntN(32, v));

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

/** A sockaddr as strace prints it: family, port, address or unix path. */
function sockaddr(r: CallRecord): ArgValue {
  const family = n(r.a[0]);
  const fields: Arg[] = [arg(word(familyName(family)), 'sa_family')];
  const port: ArgValue = { t: 'call', name: 'htons', args: [arg(word(String(n(r.a[1]))))] };
  if (family === 2) {
    fields.push(
      arg(port, 'sin_port'),
      arg(
        { t: 'call', name: 'inet_addr', args: [arg(str({ text: ipv4(n(r.a[2])), invalidUtf8: false }))] },
        'sin_addr',
      ),
    );
  } else if (family === 10) {
    const text = ipv6(bytesOf64(r.a[2], r.a[3]));
    fields.push(
      arg(port, 'sin6_port'),
      arg(
        { t: 'call', name: 'inet_pton', args: [arg(word('AF_INET6')), arg(str({ text, invalidUtf8: false }))] },
        'sin6_addr',
      ),
    );
  } else if (family === 1) {
    const abstract = r.str1 === null;
    fields.push(arg(str(r.str1, abstract), 'sun_path'));
  }
  return { t: 'struct', fields };
}

/** The arguments of one call record, in strace's positions, for the builder's rules on `name`. */
export function callArgs(name: string, r: CallRecord): Arg[] {
  const a = r.a;
  switch (name) {
    case 'mount':
      return [arg(str(null)), arg(s1(r))];
    case 'link':
      return [arg(str(null)), arg(s1(r))];
    case 'symlink':
      return [arg(str(null)), arg(s1(r))];
    case 'chown':
    case 'lchown':
      return [arg(s1(r)), arg(word(idName(a[0]))), arg(word(idName(a[1])))];
    case 'mknod':
      return [arg(s1(r)), arg(word(modeName(n(a[0]))))];
    case 'fchownat':
      return [arg(dir1(r)), arg(s1(r)), arg(word(idName(a[0]))), arg(word(idName(a[1])))];
    case 'mknodat':
      return [arg(dir1(r)), arg(s1(r)), arg(word(modeName(n(a[0]))))];
    case 'linkat':
      return [arg(word('AT_FDCWD')), arg(str(null)), arg(dir1(r)), arg(s1(r))];
    case 'symlinkat':
      return [arg(str(null)), arg(dir1(r)), arg(s1(r))];
    case 'rename':
      return [arg(s1(r)), arg(s2(r))];
    case 'renameat':
    case 'renameat2':
      return [arg(dir1(r)), arg(s1(r)), arg(dir2(r)), arg(s2(r))];
    case 'pivot_root':
      return [arg(s1(r)), arg(s2(r))];
    case 'newfstatat':
    case 'statx':
    case 'faccessat':
    case 'faccessat2':
    case 'fchmodat':
    case 'fchmodat2':
    case 'futimesat':
    case 'readlinkat':
    case 'unlinkat':
    case 'mkdirat':
      return [arg(dir1(r)), arg(s1(r))];
    case 'utimensat':
      return r.str1 ? [arg(dir1(r)), arg(s1(r))] : [arg(fdPath(r.path1)), arg(word('NULL'))];
    case 'open':
      return [arg(str(null)), arg(word(openFlagsName(n(a[0]))))];
    case 'openat':
      return [arg(word('AT_FDCWD')), arg(str(null)), arg(word(openFlagsName(n(a[0]))))];
    case 'openat2':
      return [
        arg(word('AT_FDCWD')),
        arg(str(null)),
        arg({ t: 'struct', fields: [arg(word(openFlagsName(n(a[0]))), 'flags')] }),
      ];
    case 'creat':
      return [arg(str(null))];
    case 'fchown':
      return [arg(fdPath(r.path1)), arg(word(idName(a[0]))), arg(word(idName(a[1])))];
    case 'fcntl':
      return [arg(fdPath(r.path1)), arg(word(fcntlName(n(a[0]))))];
    case 'mmap':
      return [
        arg(word('NULL')),
        arg(word('0')),
        arg(word(protName(n(a[0])))),
        arg(word('MAP_PRIVATE')),
        arg(fdPath(r.path1)),
        arg(word('0')),
      ];
    case 'getdents':
    case 'getdents64':
    case 'flock':
    case 'ftruncate':
    case 'fchmod':
    case 'fsetxattr':
    case 'fremovexattr':
      return [arg(fdPath(r.path1))];
    case 'setuid':
    case 'setgid':
    case 'setfsuid':
    case 'setfsgid':
      return [arg(word(idName(a[0])))];
    case 'setreuid':
    case 'setregid':
      return [arg(word(idName(a[0]))), arg(word(idName(a[1])))];
    case 'setresuid':
    case 'setresgid':
      return [arg(word(idName(a[0]))), arg(word(idName(a[1]))), arg(word(idName(a[2])))];
    case 'setgroups':
      return [arg(word(String(n(a[0])))), arg(word('NULL'))];
    case 'ptrace':
      return [arg(word(ptraceName(n(a[0])))), arg(word(String(n(a[1]))))];
    case 'sethostname':
    case 'setdomainname':
      return [];
    case 'bind':
      return [arg(word(n(a[0]) === 10 ? '-1' : String(n(a[3])))), arg(sockaddr(r))];
    case 'connect':
      return [arg(word('-1')), arg(sockaddr(r))];
    case 'sendto':
      return [arg(word('-1')), arg(word('NULL')), arg(word('0')), arg(word('0')), arg(sockaddr(r))];
    case 'sendmsg':
      return [arg(word('-1')), arg({ t: 'struct', fields: [arg(sockaddr(r), 'msg_name')] })];
    default:
      // stat, lstat, access, chmod, unlink, rmdir, mkdir, readlink, truncate, chroot, umount2, xattrs, statfs, utime(s)
      return [arg(s1(r))];
  }
}

/** The arguments of an aggregated argument fact (socket triple, clone flags, ...) in strace's positions. */
export function factArgs(name: string, v: [bigint, bigint, bigint]): Arg[] {
  const x = (i: 0 | 1 | 2): number => Number(BigInt.asIntN(32, v[i]));
  switch (name) {
    case 'socket':
    case 'socketpair':
      return [arg(word(familyName(x(0)))), arg(word(socketTypeName(x(1)))), arg(word(protocolName(x(0), x(2))))];
    case 'clone':
      return [arg(word(cloneFlagsName(BigInt.asUintN(64, v[0]), true)), 'flags')];
    case 'clone3':
      return [arg({ t: 'struct', fields: [arg(word(cloneFlagsName(BigInt.asUintN(64, v[0]), false)), 'flags')] })];
    case 'unshare':
      return [arg(word(cloneFlagsName(BigInt.asUintN(64, v[0]), false)))];
    case 'setns':
      return [arg(word('-1')), arg(word(nstypeName(x(0))))];
    case 'prctl':
      return [arg(word(prctlName(x(0))))];
    case 'personality':
      return [arg(word(personalityName(x(0))))];
    case 'ioctl':
      return [arg(word('-1')), arg(word(ioctlName(x(0))))];
    default:
      return [];
  }
}

/** A string of the log as an argument value (exec's filename and argv[0]). */
export function strArg(s: BtString | null): ArgValue {
  return str(s, false, s?.truncated ?? false);
}
