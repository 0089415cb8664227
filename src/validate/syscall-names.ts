// Which syscall names a seccomp profile may use: the generated x86 tables (Linux 6.1 headers), syscalls added since
// (src/syscalls/newer.ts), and names libseccomp knows only on other architectures.
import { closestMatch } from './closest.js';
import { I386_SYSCALLS, X32_SYSCALLS, X86_64_SYSCALLS } from '../syscalls/table.generated.js';
import { NEWER_SYSCALLS } from '../syscalls/newer.js';

export { NEWER_SYSCALLS };

/** Names in libseccomp's table that are not syscalls on x86_64, i386 or x32 (other architectures' own calls, multiplexed pseudo-calls). */
export const OTHER_ARCH_SYSCALLS: ReadonlySet<string> = new Set([
  'arm_fadvise64_64',
  'arm_sync_file_range',
  'atomic_barrier',
  'atomic_cmpxchg_32',
  'breakpoint',
  'cachectl',
  'cacheflush',
  'get_tls',
  'getpagesize',
  'multiplexer',
  'pciconfig_iobase',
  'pciconfig_read',
  'pciconfig_write',
  'recv',
  'riscv_flush_icache',
  'riscv_hwprobe',
  'rtas',
  's390_guarded_storage',
  's390_pci_mmio_read',
  's390_pci_mmio_write',
  's390_runtime_instr',
  's390_sthyi',
  'send',
  'set_tls',
  'spu_create',
  'spu_run',
  'subpage_prot',
  'swapcontext',
  'switch_endian',
  'sync_file_range2',
  'sys_debug_setcontext',
  'syscall',
  'sysmips',
  'timerfd',
  'usr26',
  'usr32',
]);

/** How a name relates to what this build knows. */
export type SyscallNameClass = 'x86' | 'newer' | 'other-arch' | 'unknown';

/** Classify a syscall name as used in a seccomp profile. */
export function classifySyscallName(name: string): SyscallNameClass {
  if (Object.hasOwn(X86_64_SYSCALLS, name) || Object.hasOwn(I386_SYSCALLS, name) || Object.hasOwn(X32_SYSCALLS, name))
    return 'x86';
  if (Object.hasOwn(NEWER_SYSCALLS, name)) return 'newer';
  if (OTHER_ARCH_SYSCALLS.has(name)) return 'other-arch';
  return 'unknown';
}

let allNames: string[] | undefined;
function knownNames(): string[] {
  allNames ??= [
    ...new Set([
      ...Object.keys(X86_64_SYSCALLS),
      ...Object.keys(I386_SYSCALLS),
      ...Object.keys(X32_SYSCALLS),
      ...Object.keys(NEWER_SYSCALLS),
      ...OTHER_ARCH_SYSCALLS,
    ]),
  ].sort();
  return allNames;
}

/** The closest known syscall name to a misspelt one (case-insensitive match first, then edit distance ≤ 2), if any. */
export function suggestSyscall(name: string): string | undefined {
  return closestMatch(name, knownNames());
}
