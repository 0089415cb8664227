// Syscalls newer than the Linux 6.1 headers the generated tables come from (Debian 12's linux-libc-dev), which kernels
// here and on users' nodes already have. Since Linux 5.1 every architecture gives a new syscall the same number (x32
// adds __X32_SYSCALL_BIT); the few that exist on 64-bit only say so. Kernel versions and libseccomp coverage were read
// from libseccomp's src/syscalls.csv (header "v6.16.0 2025-08-26") and the kernel's x86 syscall tables.

/** One newer syscall: its number, the x86_64 kernel release that added it, whether libseccomp (6.16) knows it. */
export interface NewerSyscall {
  nr: number;
  kernel: string;
  libseccomp: boolean;
  /** Only on x86_64 (no i386 or x32 number). */
  only64?: boolean;
}

/** Syscalls newer than the Linux 6.1 headers, by name. */
export const NEWER_SYSCALLS: Readonly<Record<string, NewerSyscall>> = {
  cachestat: { nr: 451, kernel: '6.5', libseccomp: true },
  fchmodat2: { nr: 452, kernel: '6.6', libseccomp: true },
  map_shadow_stack: { nr: 453, kernel: '6.6', libseccomp: true, only64: true },
  futex_wake: { nr: 454, kernel: '6.7', libseccomp: true },
  futex_wait: { nr: 455, kernel: '6.7', libseccomp: true },
  futex_requeue: { nr: 456, kernel: '6.7', libseccomp: true },
  statmount: { nr: 457, kernel: '6.8', libseccomp: true },
  listmount: { nr: 458, kernel: '6.8', libseccomp: true },
  lsm_get_self_attr: { nr: 459, kernel: '6.8', libseccomp: true },
  lsm_set_self_attr: { nr: 460, kernel: '6.8', libseccomp: true },
  lsm_list_modules: { nr: 461, kernel: '6.8', libseccomp: true },
  mseal: { nr: 462, kernel: '6.10', libseccomp: true },
  uretprobe: { nr: 335, kernel: '6.11', libseccomp: true, only64: true },
  setxattrat: { nr: 463, kernel: '6.13', libseccomp: true },
  getxattrat: { nr: 464, kernel: '6.13', libseccomp: true },
  listxattrat: { nr: 465, kernel: '6.13', libseccomp: true },
  removexattrat: { nr: 466, kernel: '6.13', libseccomp: true },
  open_tree_attr: { nr: 467, kernel: '6.15', libseccomp: true },
  file_getattr: { nr: 468, kernel: '6.17', libseccomp: false },
  file_setattr: { nr: 469, kernel: '6.17', libseccomp: false },
  listns: { nr: 470, kernel: '6.18', libseccomp: false },
};
