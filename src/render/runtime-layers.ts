// The runtime layer: syscalls a container runtime itself makes after installing the seccomp filter and before the
// entrypoint runs. They are not the application's, so they are rendered as a separate, labelled rule.
import type { RuntimeLayer } from '../analyze/policy-types.js';

/** A measured layer: `syscalls` for bundles with noNewPrivileges true (what tracewall's profiles assume), and the larger set without it. */
export interface MeasuredLayer extends Omit<RuntimeLayer, 'name'> {
  withoutNoNewPrivileges: { syscalls: string[]; source: string };
}

const HOW =
  'scripts/measure-runtime-layer.mjs on Debian 12, kernel 6.18, hybrid cgroups, `run --bundle`, busybox /bin/true entrypoint';

/**
 * Measured on this project's test machine; re-measure (node scripts/measure-runtime-layer.mjs) when a runtime's version changes.
 * containerd's path (containerd 1.6.20's runc shim: `runc create` + `runc start`) needs exactly runc's two sets, each for its
 * no_new_privs value (node scripts/measure-cri-runtime-layer.mjs; docs/measurements/cri-runc-layer-containerd-1.6.20.json).
 */
export const RUNTIME_LAYERS: Readonly<Record<'crun' | 'runc', MeasuredLayer>> = {
  crun: {
    version: '1.8.1',
    syscalls: ['close', 'execve'],
    source:
      `measured with crun 1.8.1 (${HOW}): after seccomp() crun calls only close and execve (6 strace runs, 1100 SCMP_ACT_LOG runs, ` +
      '1000 of them 4 in parallel under load); without execve 0/30 runs start; without close 0/30 under SCMP_ACT_KILL_PROCESS ' +
      '(30/30 under SCMP_ACT_ERRNO); with both, 1000/1000 stressed runs pass under SCMP_ACT_KILL_PROCESS',
    withoutNoNewPrivileges: {
      syscalls: [
        'capset',
        'close',
        'execve',
        'prctl',
        'pselect6',
        'read',
        'rt_sigaction',
        'rt_sigprocmask',
        'setresgid',
        'setresuid',
        'write',
      ],
      source:
        `measured with crun 1.8.1 and noNewPrivileges false (${HOW}, uid 0, runc spec capabilities): the filter goes in before ` +
        'the uid/capability switch; each of capset rt_sigaction rt_sigprocmask setresgid setresuid write is needed by 30/30 runs; ' +
        'prctl is seen every run (also used by the entrypoint, so not removable in the test); 1000/1000 stressed runs pass; ' +
        'engines run `crun create` + `crun start`, where crun waits on exec.fifo after the filter is in: pselect6 and read ' +
        '(podman with crun: 9/9 runs killed without them, 0/9 with only pselect6 added, 100/100 stressed runs pass with both)',
    },
  },
  runc: {
    version: '1.1.5',
    syscalls: [
      'close',
      'epoll_ctl',
      'execve',
      'fstatfs',
      'futex',
      'getdents64',
      'getpid',
      'openat',
      'rt_sigreturn',
      'write',
    ],
    source:
      `measured with runc 1.1.5 (${HOW}): 30 runs per removal; without close execve fstatfs getdents64 openat write 0/30 start ` +
      'under either default; without epoll_ctl or getpid 0/30 under SCMP_ACT_KILL_PROCESS (harmless under SCMP_ACT_ERRNO); ' +
      'futex (5 of 6 traces; without it 28/30 under SCMP_ACT_KILL_PROCESS) and rt_sigreturn (a Go preemption signal in ~1-10% ' +
      'of runs; without it 24/30 under SCMP_ACT_KILL_PROCESS, 29/30 under SCMP_ACT_ERRNO with SIGSEGV) depend on timing; with ' +
      'the list, 5000/5000 stressed runs pass under SCMP_ACT_KILL_PROCESS; nanosleep and sched_yield were never seen after the ' +
      'filter (18 traces, 5800 SCMP_ACT_LOG runs, 5000 of them 4 in parallel under load)',
    withoutNoNewPrivileges: {
      syscalls: [
        'capget',
        'capset',
        'chdir',
        'close',
        'epoll_ctl',
        'execve',
        'faccessat2',
        'fcntl',
        'fstat',
        'fstatfs',
        'futex',
        'getcwd',
        'getdents64',
        'getpid',
        'getppid',
        'newfstatat',
        'openat',
        'prctl',
        'read',
        'rt_sigreturn',
        'sched_yield',
        'setgid',
        'setgroups',
        'setuid',
        'write',
      ],
      source:
        `measured with runc 1.1.5 and noNewPrivileges false (${HOW}, uid 0, runc spec capabilities): the filter goes in before ` +
        'the user and capability setup, so the Go init makes 24 kinds of calls after it, every one seen in 6 of 6 traces except ' +
        'rt_sigreturn; epoll_ctl faccessat2 fcntl futex getpid are needed only under SCMP_ACT_KILL_PROCESS; sched_yield was seen ' +
        'once in 400 stressed SCMP_ACT_LOG runs (and in none of 5000 more); 5000/5000 stressed runs pass under SCMP_ACT_KILL_PROCESS',
    },
  },
};

/** The layer for a runtime name ("none" yields an empty layer); noNewPrivileges false selects the larger measured set. */
export function runtimeLayer(name: 'crun' | 'runc' | 'none', opts: { noNewPrivileges?: boolean } = {}): RuntimeLayer {
  if (name === 'none') return { name, version: '', syscalls: [], source: 'no runtime layer requested' };
  const m = RUNTIME_LAYERS[name];
  if (opts.noNewPrivileges === false)
    return {
      name,
      version: m.version,
      syscalls: [...m.withoutNoNewPrivileges.syscalls],
      source: m.withoutNoNewPrivileges.source,
    };
  return { name, version: m.version, syscalls: [...m.syscalls], source: m.source };
}
