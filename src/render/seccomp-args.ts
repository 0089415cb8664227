// Argument facts (strace's symbolic values) to the numbers a seccomp argument rule compares with.
import { ADDRESS_FAMILIES, CLONE_FLAGS } from '../syscalls/table.generated.js';

/** Namespace flags that make clone(2) create namespaces; the mask Docker's default profile uses (CLONE_NEWTIME is the exit-signal byte in clone(2), so it is not included). */
export const CLONE_NAMESPACE_FLAGS = [
  'CLONE_NEWNS',
  'CLONE_NEWUTS',
  'CLONE_NEWIPC',
  'CLONE_NEWUSER',
  'CLONE_NEWPID',
  'CLONE_NEWNET',
  'CLONE_NEWCGROUP',
] as const;

/** The clone(2) namespace mask (2114060288 = 0x7E020000), built from the generated header values. */
export const CLONE_NAMESPACE_MASK: number = CLONE_NAMESPACE_FLAGS.reduce((m, f) => m + CLONE_FLAGS[f]!, 0);

/** personality(2) values from <linux/personality.h> (not part of the generated table). */
const PERSONALITY: Readonly<Record<string, number>> = {
  UNAME26: 0x0020000,
  ADDR_NO_RANDOMIZE: 0x0040000,
  FDPIC_FUNCPTRS: 0x0080000,
  MMAP_PAGE_ZERO: 0x0100000,
  ADDR_COMPAT_LAYOUT: 0x0200000,
  READ_IMPLIES_EXEC: 0x0400000,
  ADDR_LIMIT_32BIT: 0x0800000,
  SHORT_INODE: 0x1000000,
  WHOLE_SECONDS: 0x2000000,
  STICKY_TIMEOUTS: 0x4000000,
  ADDR_LIMIT_3GB: 0x8000000,
  PER_LINUX: 0x0000,
  PER_LINUX_32BIT: 0x0800000,
  PER_LINUX_FDPIC: 0x0080000,
  PER_BSD: 0x0006,
  PER_LINUX32: 0x0008,
  PER_LINUX32_3GB: 0x8000008,
  PER_RISCOS: 0x000c,
  PER_OSF4: 0x000f,
  PER_HPUX: 0x0010,
};

/** A decimal or 0x-hex unsigned number, or undefined. */
export function parseNumber(s: string): number | undefined {
  const t = s.trim();
  if (/^[0-9]+$/.test(t)) return Number(t);
  if (/^0x[0-9a-fA-F]+$/.test(t)) return Number.parseInt(t.slice(2), 16);
  return undefined;
}

/** An address family name (AF_*, PF_*, AF_UNIX/AF_LOCAL/AF_FILE, AF_ROUTE) or number to its value. */
export function addressFamilyValue(s: string): number | undefined {
  const n = parseNumber(s);
  if (n !== undefined) return n;
  const name = s.trim().replace(/^PF_/, 'AF_');
  const alias: Record<string, string> = { AF_UNIX: 'AF_LOCAL', AF_FILE: 'AF_LOCAL', AF_ROUTE: 'AF_NETLINK' };
  return ADDRESS_FAMILIES[alias[name] ?? name];
}

/** The canonical AF_* name for a family value, for comments ("AF_UNIX" for 1). */
export function addressFamilyName(value: number): string {
  if (value === 1) return 'AF_UNIX';
  const hit = Object.entries(ADDRESS_FAMILIES).find(([, v]) => v === value);
  return hit ? hit[0] : String(value);
}

/** Whether a clone flags value (e.g. "CLONE_VM|CLONE_NEWNS|SIGCHLD" or "0x20011") creates namespaces; undefined if it cannot be told. */
export function cloneCreatesNamespace(s: string): boolean | undefined {
  let unknown = false;
  for (const tok of s.split('|').map((t) => t.trim())) {
    if (tok === '') continue;
    if (tok.startsWith('CLONE_NEW')) return true;
    const n = parseNumber(tok);
    if (n !== undefined) {
      if ((BigInt(n) & BigInt(CLONE_NAMESPACE_MASK)) !== 0n) return true;
      continue;
    }
    if (tok in CLONE_FLAGS || /^SIG[A-Z0-9+]+$/.test(tok) || /^[0-9]+$/.test(tok)) continue;
    unknown = true;
  }
  return unknown ? undefined : false;
}

/** A personality value ("PER_LINUX", "PER_LINUX|ADDR_NO_RANDOMIZE", "0xffffffff") as a number, or undefined. */
export function personalityValue(s: string): number | undefined {
  let v = 0n;
  for (const tok of s.split('|').map((t) => t.trim())) {
    const n = parseNumber(tok) ?? PERSONALITY[tok];
    if (n === undefined) return undefined;
    v |= BigInt(n);
  }
  return Number(v);
}
