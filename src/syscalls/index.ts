// Lookups over the syscall tables (generated from the headers, plus the syscalls newer than them): name ↔ number per
// ABI, and whether a name is a known syscall.
import type { Abi } from '../recording/types.js';
import {
  X86_64_SYSCALLS,
  I386_SYSCALLS,
  X32_SYSCALLS,
  ADDRESS_FAMILIES,
  SOCKET_TYPES,
  CLONE_FLAGS,
} from './table.generated.js';
import { NEWER_SYSCALLS } from './newer.js';

/** A generated table with the syscalls newer than its headers added (a newer header always wins). */
function withNewer(abi: Abi, table: Readonly<Record<string, number>>): Readonly<Record<string, number>> {
  const out: Record<string, number> = { ...table };
  for (const [name, s] of Object.entries(NEWER_SYSCALLS)) {
    if (Object.hasOwn(out, name) || (s.only64 && abi !== 'x86_64')) continue;
    out[name] = abi === 'x32' ? s.nr + 0x40000000 : s.nr;
  }
  return out;
}

const TABLES: Record<Abi, Readonly<Record<string, number>>> = {
  x86_64: withNewer('x86_64', X86_64_SYSCALLS),
  i386: withNewer('i386', I386_SYSCALLS),
  x32: withNewer('x32', X32_SYSCALLS),
};

const reverse = new Map<Abi, Map<number, string>>();

function byNumber(abi: Abi): Map<number, string> {
  let m = reverse.get(abi);
  if (!m) {
    m = new Map();
    for (const [name, nr] of Object.entries(TABLES[abi])) if (!m.has(nr)) m.set(nr, name);
    reverse.set(abi, m);
  }
  return m;
}

/** The syscall table of an ABI (name → number). */
export function syscallTable(abi: Abi): Readonly<Record<string, number>> {
  return TABLES[abi];
}

/** The number of a syscall name on an ABI, or undefined when the ABI has no such call. */
export function syscallNumber(abi: Abi, name: string): number | undefined {
  return Object.prototype.hasOwnProperty.call(TABLES[abi], name) ? TABLES[abi][name] : undefined;
}

// Every name of every table, each mapped to itself: the tables' own (interned) strings.
const CANONICAL = new Map<string, string>();
for (const table of Object.values(TABLES)) for (const name of Object.keys(table)) CANONICAL.set(name, name);

/**
 * The same name as the syscall tables' own string when it is one of their names, else `name` itself. A parser that cuts
 * millions of names out of a log hands on one shared string per name this way, so later lookups and comparisons of it
 * are cheap and the log text it was cut from is not kept alive by it.
 */
export function canonicalName(name: string): string {
  return CANONICAL.get(name) ?? name;
}

/** The name of a syscall number on an ABI, or undefined. */
export function syscallName(abi: Abi, nr: number): string | undefined {
  return byNumber(abi).get(nr);
}

/** True when `name` is a syscall of this ABI in the generated table. */
export function isKnownSyscall(abi: Abi, name: string): boolean {
  return syscallNumber(abi, name) !== undefined;
}

/** The number strace's `syscall_0x1b3` placeholder names, or undefined for a real name. */
export function placeholderNumber(name: string): number | undefined {
  const m = /^syscall_0x([0-9a-f]+)$/.exec(name);
  return m ? parseInt(m[1]!, 16) : undefined;
}

/** All syscall names of an ABI, sorted by number. */
export function syscallNames(abi: Abi): string[] {
  return Object.entries(TABLES[abi])
    .sort((a, b) => a[1] - b[1])
    .map(([n]) => n);
}

/** True when `name` is an address family strace may print (AF_INET, ...). */
export function isAddressFamily(name: string): boolean {
  return Object.prototype.hasOwnProperty.call(ADDRESS_FAMILIES, name) || name === 'AF_UNIX' || name === 'AF_FILE';
}

/** The base socket types (SOCK_STREAM, ...), without the SOCK_CLOEXEC/SOCK_NONBLOCK flags. */
export function isSocketBaseType(name: string): boolean {
  return (
    Object.prototype.hasOwnProperty.call(SOCKET_TYPES, name) && name !== 'SOCK_CLOEXEC' && name !== 'SOCK_NONBLOCK'
  );
}

/** True when `name` is a clone(2) flag (CLONE_VM, ...). */
export function isCloneFlag(name: string): boolean {
  return Object.prototype.hasOwnProperty.call(CLONE_FLAGS, name);
}
