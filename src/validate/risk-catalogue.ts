// How dangerous it is to let a container make a syscall, one line of reason each. Used by validate (critical
// syscalls allowed unconditionally) and by risk-rated diffs; a syscall that is not listed is low risk.

/** Risk levels, lowest first. */
export type RiskLevel = 'low' | 'medium' | 'high' | 'critical';
/** All levels in ascending order, for comparisons and thresholds such as --fail-on. */
export const RISK_LEVELS: readonly RiskLevel[] = ['low', 'medium', 'high', 'critical'];

/** Risk of allowing a syscall unconditionally, and why. */
export interface SyscallRisk {
  level: RiskLevel;
  why: string;
}

/** The catalogue: critical, high and notable medium-risk syscalls. */
export const SYSCALL_RISK: Readonly<Record<string, SyscallRisk>> = {
  // Kernel code and the running kernel.
  init_module: { level: 'critical', why: 'loads code into the kernel' },
  finit_module: { level: 'critical', why: 'loads code into the kernel from a file' },
  delete_module: { level: 'critical', why: 'unloads kernel modules, e.g. security or filesystem drivers' },
  kexec_load: { level: 'critical', why: 'replaces the running kernel' },
  kexec_file_load: { level: 'critical', why: 'replaces the running kernel' },
  bpf: { level: 'critical', why: 'loads eBPF programs and reads/writes kernel maps; a long record of verifier exploits' },
  iopl: { level: 'critical', why: 'raises the I/O privilege level: raw hardware port access' },
  ioperm: { level: 'critical', why: 'grants raw hardware I/O port access' },
  // Mounts: the classic container escapes.
  mount: { level: 'critical', why: 'mounts filesystems: remount host paths, overlay files, reach cgroup release_agent' },
  umount: { level: 'critical', why: 'unmounts filesystems, uncovering paths the runtime masked' },
  umount2: { level: 'critical', why: 'unmounts filesystems, uncovering paths the runtime masked' },
  pivot_root: { level: 'critical', why: 'changes the root filesystem' },
  move_mount: { level: 'critical', why: 'new mount API: attaches mounts anywhere, as mount(2) does' },
  fsopen: { level: 'critical', why: 'new mount API: creates a filesystem context for mounting' },
  fsmount: { level: 'critical', why: 'new mount API: turns a filesystem context into a mount' },
  fsconfig: { level: 'critical', why: 'new mount API: configures a filesystem to be mounted' },
  fspick: { level: 'critical', why: 'new mount API: reconfigures an existing mount' },
  open_tree: { level: 'critical', why: 'new mount API: clones mount trees, e.g. to bind-mount host paths' },
  open_tree_attr: { level: 'critical', why: 'new mount API: clones mount trees with changed attributes' },
  mount_setattr: { level: 'critical', why: 'changes mount properties such as read-only or idmapping' },
  open_by_handle_at: { level: 'critical', why: 'opens any file of a filesystem by handle, bypassing the mount namespace ("shocker" escape)' },
  // Other processes' memory.
  ptrace: { level: 'critical', why: 'reads and writes other processes\' memory and registers; bypasses a tracee\'s seccomp filter before Linux 4.8' },
  process_vm_writev: { level: 'critical', why: 'writes another process\'s memory' },
  process_vm_readv: { level: 'high', why: 'reads another process\'s memory' },
  pidfd_getfd: { level: 'high', why: 'copies file descriptors out of another process' },
  // Namespaces.
  unshare: { level: 'high', why: 'creates namespaces; user namespaces unlock kernel code normally behind CAP_SYS_ADMIN' },
  setns: { level: 'high', why: 'joins other namespaces, the host\'s if a namespace fd leaks' },
  clone: { level: 'high', why: 'with CLONE_NEW* flags creates namespaces like unshare; restrict the flags with an argument rule' },
  clone3: { level: 'high', why: 'its flags are in memory seccomp cannot inspect, so namespace creation cannot be filtered' },
  // Kernel attack surface that is not namespaced.
  keyctl: { level: 'high', why: 'kernel keyrings are not namespaced: read or plant keys of other containers and the host' },
  add_key: { level: 'high', why: 'adds keys to kernel keyrings, which are not namespaced' },
  request_key: { level: 'high', why: 'requests keys from kernel keyrings and may run the host\'s key helper' },
  userfaultfd: { level: 'high', why: 'pauses kernel page-fault handling: a standard primitive for exploiting kernel races' },
  perf_event_open: { level: 'high', why: 'kernel performance events: information leaks and a long record of kernel bugs' },
  io_uring_setup: { level: 'high', why: 'io_uring: large kernel attack surface whose operations bypass per-syscall seccomp filtering' },
  io_uring_enter: { level: 'high', why: 'io_uring: submits operations that seccomp never sees as syscalls' },
  io_uring_register: { level: 'high', why: 'io_uring: registers files and buffers with the kernel ring' },
  lookup_dcookie: { level: 'high', why: 'kernel profiling cookies: discloses host paths' },
  quotactl: { level: 'high', why: 'changes host filesystem quotas' },
  quotactl_fd: { level: 'high', why: 'changes host filesystem quotas' },
  name_to_handle_at: { level: 'high', why: 'obtains file handles, the first half of the open_by_handle_at escape' },
  syslog: { level: 'high', why: 'reads or clears the kernel log: kernel addresses and host activity' },
  acct: { level: 'high', why: 'switches process accounting on or off, writing to a host file' },
  fanotify_init: { level: 'high', why: 'watches filesystem events across mounts' },
  swapon: { level: 'high', why: 'enables host swap areas' },
  swapoff: { level: 'high', why: 'disables host swap areas' },
  reboot: { level: 'high', why: 'reboots or halts the host; inside a PID namespace it kills the namespace\'s init' },
  modify_ldt: { level: 'high', why: 'edits the x86 local descriptor table: a record of kernel exploits' },
  vm86: { level: 'high', why: 'i386 virtual-8086 mode: a record of kernel bugs' },
  vm86old: { level: 'high', why: 'i386 virtual-8086 mode: a record of kernel bugs' },
  // Medium: host-wide state or weakened mitigations.
  settimeofday: { level: 'medium', why: 'sets the host clock (time is not namespaced)' },
  clock_settime: { level: 'medium', why: 'sets the host clock (time is not namespaced)' },
  clock_adjtime: { level: 'medium', why: 'adjusts the host clock (time is not namespaced)' },
  adjtimex: { level: 'medium', why: 'adjusts the host clock (time is not namespaced)' },
  stime: { level: 'medium', why: 'sets the host clock (time is not namespaced)' },
  chroot: { level: 'medium', why: 'changes the root directory; combined with other privileges a known escape step' },
  personality: { level: 'medium', why: 'READ_IMPLIES_EXEC and ADDR_NO_RANDOMIZE weaken exploit mitigations; restrict with an argument rule' },
  kcmp: { level: 'medium', why: 'compares kernel objects of other processes: an information leak' },
  vmsplice: { level: 'medium', why: 'a record of privilege-escalation bugs' },
  mbind: { level: 'medium', why: 'NUMA memory policy; a record of kernel bugs' },
  migrate_pages: { level: 'medium', why: 'moves other processes\' memory between NUMA nodes' },
  move_pages: { level: 'medium', why: 'moves or inspects other processes\' pages' },
  mknod: { level: 'medium', why: 'creates device nodes (with CAP_MKNOD)' },
  mknodat: { level: 'medium', why: 'creates device nodes (with CAP_MKNOD)' },
  uselib: { level: 'medium', why: 'legacy a.out library loader' },
};

/** The risk of a syscall name; unlisted names are low risk. */
export function riskOf(name: string): SyscallRisk {
  return Object.hasOwn(SYSCALL_RISK, name) ? (SYSCALL_RISK[name] as SyscallRisk) : { level: 'low', why: 'not in the risk catalogue' };
}
