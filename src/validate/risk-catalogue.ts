// How dangerous it is to let a container make a syscall, hold a capability or open a kind of socket, one line of reason
// each. Used by validate (critical syscalls allowed unconditionally) and by risk-rated diffs (docs/risk-catalogue.md is
// generated from these tables); a syscall that is not listed is low risk.

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
  bpf: {
    level: 'critical',
    why: 'loads eBPF programs and reads/writes kernel maps; a long record of verifier exploits',
  },
  iopl: { level: 'critical', why: 'raises the I/O privilege level: raw hardware port access' },
  ioperm: { level: 'critical', why: 'grants raw hardware I/O port access' },
  // Mounts: the classic container escapes.
  mount: {
    level: 'critical',
    why: 'mounts filesystems: remount host paths, overlay files, reach cgroup release_agent',
  },
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
  open_by_handle_at: {
    level: 'critical',
    why: 'opens any file of a filesystem by handle, bypassing the mount namespace ("shocker" escape)',
  },
  // Other processes' memory.
  ptrace: {
    level: 'critical',
    why: "reads and writes other processes' memory and registers; bypasses a tracee's seccomp filter before Linux 4.8",
  },
  process_vm_writev: { level: 'critical', why: "writes another process's memory" },
  process_vm_readv: { level: 'high', why: "reads another process's memory" },
  pidfd_getfd: { level: 'high', why: 'copies file descriptors out of another process' },
  // Namespaces: user namespaces hand an unprivileged process CAP_SYS_ADMIN over new kernel code.
  unshare: {
    level: 'critical',
    why: 'creates namespaces; user namespaces unlock kernel code normally behind CAP_SYS_ADMIN',
  },
  setns: { level: 'critical', why: "joins other namespaces, the host's if a namespace fd leaks" },
  clone: {
    level: 'high',
    why: 'with CLONE_NEW* flags creates namespaces like unshare; restrict the flags with an argument rule',
  },
  clone3: {
    level: 'high',
    why: 'its flags are in memory seccomp cannot inspect, so namespace creation cannot be filtered',
  },
  // Kernel attack surface that is not namespaced, and standard kernel-exploit primitives.
  keyctl: {
    level: 'critical',
    why: 'kernel keyrings are not namespaced: read or plant keys of other containers and the host',
  },
  add_key: { level: 'critical', why: 'adds keys to kernel keyrings, which are not namespaced' },
  request_key: { level: 'critical', why: "requests keys from kernel keyrings and may run the host's key helper" },
  userfaultfd: {
    level: 'critical',
    why: 'pauses kernel page-fault handling: a standard primitive for exploiting kernel races',
  },
  perf_event_open: {
    level: 'critical',
    why: 'kernel performance events: information leaks and a long record of kernel bugs',
  },
  io_uring_setup: {
    level: 'critical',
    why: 'io_uring: large kernel attack surface whose operations bypass per-syscall seccomp filtering',
  },
  io_uring_enter: { level: 'critical', why: 'io_uring: submits operations that seccomp never sees as syscalls' },
  io_uring_register: { level: 'critical', why: 'io_uring: registers files and buffers with the kernel ring' },
  lookup_dcookie: { level: 'high', why: 'kernel profiling cookies: discloses host paths' },
  quotactl: { level: 'high', why: 'changes host filesystem quotas' },
  quotactl_fd: { level: 'high', why: 'changes host filesystem quotas' },
  name_to_handle_at: { level: 'high', why: 'obtains file handles, the first half of the open_by_handle_at escape' },
  syslog: { level: 'high', why: 'reads or clears the kernel log: kernel addresses and host activity' },
  acct: { level: 'high', why: 'switches process accounting on or off, writing to a host file' },
  fanotify_init: { level: 'high', why: 'watches filesystem events across mounts' },
  swapon: { level: 'high', why: 'enables host swap areas' },
  swapoff: { level: 'high', why: 'disables host swap areas' },
  reboot: { level: 'high', why: "reboots or halts the host; inside a PID namespace it kills the namespace's init" },
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
  personality: {
    level: 'medium',
    why: 'READ_IMPLIES_EXEC and ADDR_NO_RANDOMIZE weaken exploit mitigations; restrict with an argument rule',
  },
  kcmp: { level: 'medium', why: 'compares kernel objects of other processes: an information leak' },
  vmsplice: { level: 'medium', why: 'a record of privilege-escalation bugs' },
  mbind: { level: 'medium', why: 'NUMA memory policy; a record of kernel bugs' },
  migrate_pages: { level: 'medium', why: "moves other processes' memory between NUMA nodes" },
  move_pages: { level: 'medium', why: "moves or inspects other processes' pages" },
  mknod: { level: 'medium', why: 'creates device nodes (with CAP_MKNOD)' },
  mknodat: { level: 'medium', why: 'creates device nodes (with CAP_MKNOD)' },
  uselib: { level: 'medium', why: 'legacy a.out library loader' },
};

/** The risk of a syscall name; unlisted names are low risk. */
export function riskOf(name: string): SyscallRisk {
  return Object.hasOwn(SYSCALL_RISK, name)
    ? (SYSCALL_RISK[name] as SyscallRisk)
    : { level: 'low', why: 'not in the risk catalogue' };
}

/** A rated item of a catalogue: its level and a one-line reason. */
export interface RatedRisk {
  level: RiskLevel;
  why: string;
}

/**
 * Linux capabilities by how much they let a container reach beyond itself, named as Kubernetes spells them (no CAP_
 * prefix, upper case; AppArmor's lower-case names map onto the same table). A capability that is not listed is medium.
 */
export const CAPABILITY_RISK: Readonly<Record<string, RatedRisk>> = {
  ALL: { level: 'critical', why: 'every capability: the container is as privileged as root on the host allows' },
  SYS_ADMIN: {
    level: 'critical',
    why: 'mount, namespaces, bpf and dozens of admin operations: the classic container escape',
  },
  SYS_MODULE: { level: 'critical', why: 'loads and unloads kernel modules' },
  SYS_RAWIO: { level: 'critical', why: 'raw I/O ports and /dev/mem: direct hardware and kernel memory access' },
  SYS_PTRACE: { level: 'critical', why: "traces and injects code into other processes (the host's, with hostPID)" },
  DAC_READ_SEARCH: { level: 'critical', why: 'open_by_handle_at: reads any host file by handle ("shocker" escape)' },
  BPF: { level: 'critical', why: 'loads eBPF programs and maps: kernel attack surface and host-wide observation' },
  MAC_ADMIN: { level: 'critical', why: 'changes the MAC (AppArmor/SELinux) policy that confines the container' },
  MAC_OVERRIDE: { level: 'critical', why: 'overrides the MAC policy' },
  NET_ADMIN: {
    level: 'high',
    why: 'network configuration, netfilter and traffic control: large kernel attack surface',
  },
  PERFMON: { level: 'high', why: 'performance monitoring: kernel information leaks and perf_event bugs' },
  SYS_BOOT: { level: 'high', why: 'reboot and kexec_load' },
  SYSLOG: { level: 'high', why: 'reads the kernel log and kernel addresses' },
  SYS_TIME: { level: 'high', why: 'sets the host clock (time is not namespaced)' },
  NET_RAW: { level: 'high', why: 'raw and packet sockets: spoofing, sniffing, and a record of AF_PACKET kernel bugs' },
  SETFCAP: { level: 'high', why: 'sets file capabilities, a step in user-namespace escapes' },
  AUDIT_CONTROL: { level: 'high', why: 'changes or disables the host audit system' },
  CHECKPOINT_RESTORE: {
    level: 'high',
    why: "checkpoint/restore interfaces: pid control and other processes' mappings",
  },
  LINUX_IMMUTABLE: { level: 'medium', why: 'clears immutable and append-only file flags' },
  DAC_OVERRIDE: { level: 'medium', why: 'bypasses file read/write/execute permission checks' },
  FOWNER: { level: 'medium', why: 'bypasses owner checks on files (chmod, utime, ACLs)' },
  SETUID: { level: 'medium', why: 'changes user ids, including to root' },
  SETGID: { level: 'medium', why: 'changes group ids and supplementary groups' },
  SETPCAP: { level: 'medium', why: "changes capability bounding sets and other processes' capabilities" },
  SYS_CHROOT: { level: 'medium', why: 'chroot: a step of several escapes' },
  MKNOD: { level: 'medium', why: 'creates device nodes' },
  SYS_NICE: { level: 'medium', why: "raises priorities and moves other processes' memory (NUMA)" },
  SYS_RESOURCE: { level: 'medium', why: 'overrides resource limits and quotas: host resource exhaustion' },
  IPC_LOCK: { level: 'medium', why: 'locks memory: host memory pressure' },
  IPC_OWNER: { level: 'medium', why: 'bypasses System V IPC permission checks' },
  SYS_PACCT: { level: 'medium', why: 'switches process accounting' },
  SYS_TTY_CONFIG: { level: 'medium', why: 'vhangup and privileged tty ioctls' },
  AUDIT_READ: { level: 'medium', why: 'reads the audit log over netlink' },
  BLOCK_SUSPEND: { level: 'medium', why: 'prevents the host from suspending' },
  WAKE_ALARM: { level: 'medium', why: 'sets alarms that wake the host' },
  CHOWN: { level: 'low', why: 'changes file ownership inside the container' },
  FSETID: { level: 'low', why: 'keeps set-user-id bits when modifying files' },
  KILL: { level: 'low', why: 'signals processes of other users in the same pid namespace' },
  AUDIT_WRITE: { level: 'low', why: 'writes records to the audit log' },
  LEASE: { level: 'low', why: 'takes file leases' },
  NET_BIND_SERVICE: { level: 'low', why: 'binds ports below 1024' },
  NET_BROADCAST: { level: 'low', why: 'broadcast and multicast (unused by Linux)' },
};

/** The risk of a capability in any spelling (CAP_SYS_ADMIN, SYS_ADMIN, sys_admin); unlisted names are medium. */
export function capabilityRiskOf(name: string): RatedRisk {
  const key = name.toUpperCase().replace(/^CAP_/, '');
  return Object.hasOwn(CAPABILITY_RISK, key)
    ? (CAPABILITY_RISK[key] as RatedRisk)
    : { level: 'medium', why: 'not in the capability catalogue' };
}

/**
 * Socket address families (AppArmor names: AF_ name without the prefix, lower case). A family that is not listed is
 * medium: rarely used protocol families are where kernel network bugs live.
 */
export const NETWORK_FAMILY_RISK: Readonly<Record<string, RatedRisk>> = {
  unix: { level: 'low', why: 'local sockets' },
  inet: { level: 'low', why: 'IPv4 (stream and datagram)' },
  inet6: { level: 'low', why: 'IPv6 (stream and datagram)' },
  netlink: { level: 'medium', why: 'talks to kernel subsystems (routing, netfilter, audit, ...)' },
  packet: { level: 'high', why: 'raw link-layer frames: sniffing, spoofing, and a record of kernel bugs' },
  xdp: { level: 'high', why: 'AF_XDP: raw frames straight from the driver' },
  key: { level: 'medium', why: 'PF_KEY: kernel IPsec key management' },
  alg: { level: 'medium', why: 'kernel crypto API: a record of kernel bugs' },
  vsock: { level: 'medium', why: 'host/guest sockets' },
};

/** Socket types; a raw socket is high whatever its family. Unlisted types are low. */
export const SOCKET_TYPE_RISK: Readonly<Record<string, RatedRisk>> = {
  raw: { level: 'high', why: 'raw sockets craft any packet of the family' },
  packet: { level: 'high', why: 'SOCK_PACKET: obsolete raw link-layer sockets' },
};

/** Every type of a family (a rule or fact naming no type) includes raw sockets: at least this level for inet/inet6. */
export const ANY_TYPE_OF_INET: RatedRisk = {
  level: 'medium',
  why: 'every socket type of the family, raw sockets included',
};
/** A `network,` rule naming no family at all. */
export const ANY_NETWORK: RatedRisk = {
  level: 'high',
  why: 'every address family and type, packet and raw sockets included',
};

const LEVEL_RANK: Readonly<Record<RiskLevel, number>> = { low: 0, medium: 1, high: 2, critical: 3 };

/** The risk of a socket family and type in AppArmor or strace spelling (AF_INET/inet, SOCK_RAW|SOCK_CLOEXEC/raw); either may be absent. */
export function networkRiskOf(family: string | undefined, type: string | undefined): RatedRisk {
  if (family === undefined) return ANY_NETWORK;
  const fam = family.toLowerCase().replace(/^(af|pf)_/, '');
  const famRisk = Object.hasOwn(NETWORK_FAMILY_RISK, fam)
    ? (NETWORK_FAMILY_RISK[fam] as RatedRisk)
    : { level: 'medium' as RiskLevel, why: 'a rarely used protocol family: kernel attack surface' };
  let best = famRisk;
  if (type === undefined) {
    if ((fam === 'inet' || fam === 'inet6') && LEVEL_RANK[ANY_TYPE_OF_INET.level] > LEVEL_RANK[best.level])
      best = ANY_TYPE_OF_INET;
    return best;
  }
  const base = (type.split('|')[0] ?? '')
    .trim()
    .toLowerCase()
    .replace(/^sock_/, '');
  const t = base === '3' ? 'raw' : base === '10' ? 'packet' : base;
  const typeRisk = Object.hasOwn(SOCKET_TYPE_RISK, t) ? (SOCKET_TYPE_RISK[t] as RatedRisk) : undefined;
  return typeRisk && LEVEL_RANK[typeRisk.level] > LEVEL_RANK[best.level] ? typeRisk : best;
}
