// Which syscall names a seccomp profile may use: the generated x86 tables (Linux 6.1 headers), syscalls added since,
// and names libseccomp knows only on other architectures. Kernel versions and libseccomp coverage were read from
// libseccomp's src/syscalls.csv (header "v6.16.0 2025-08-26") and the kernel's x86 syscall tables.
import { closestMatch } from './closest.js';
import { I386_SYSCALLS, X32_SYSCALLS, X86_64_SYSCALLS } from '../syscalls/table.generated.js';

/** Syscalls newer than the Linux 6.1 headers the tables come from: the x86_64 kernel release that added each, and whether libseccomp's table (as of its 6.16 sync) has it. */
export const NEWER_SYSCALLS: Readonly<Record<string, { kernel: string; libseccomp: boolean }>> = {
  cachestat: { kernel: '6.5', libseccomp: true },
  fchmodat2: { kernel: '6.6', libseccomp: true },
  map_shadow_stack: { kernel: '6.6', libseccomp: true },
  futex_wake: { kernel: '6.7', libseccomp: true },
  futex_wait: { kernel: '6.7', libseccomp: true },
  futex_requeue: { kernel: '6.7', libseccomp: true },
  statmount: { kernel: '6.8', libseccomp: true },
  listmount: { kernel: '6.8', libseccomp: true },
  lsm_get_self_attr: { kernel: '6.8', libseccomp: true },
  lsm_set_self_attr: { kernel: '6.8', libseccomp: true },
  lsm_list_modules: { kernel: '6.8', libseccomp: true },
  mseal: { kernel: '6.10', libseccomp: true },
  uretprobe: { kernel: '6.11', libseccomp: true },
  setxattrat: { kernel: '6.13', libseccomp: true },
  getxattrat: { kernel: '6.13', libseccomp: true },
  listxattrat: { kernel: '6.13', libseccomp: true },
  removexattrat: { kernel: '6.13', libseccomp: true },
  open_tree_attr: { kernel: '6.15', libseccomp: true },
  file_getattr: { kernel: '6.17', libseccomp: false },
  file_setattr: { kernel: '6.17', libseccomp: false },
  listns: { kernel: '6.18', libseccomp: false },
};

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
