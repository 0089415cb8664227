// Shapes shared by the verify verb: kernel seccomp audit records, what they add up to, and the report.
import type { Abi } from '../recording/types.js';

/** One kernel SECCOMP audit record (type=SECCOMP / type=1326), as read from audit.log or the kernel log. */
export interface SeccompRecord {
  /** Audit serial number ("audit(TS:SERIAL)"); orders records of one boot. */
  serial: number;
  /** Seconds since the epoch, with milliseconds. */
  time: number;
  pid: number;
  /** Audit session id (4294967295 when unset). */
  ses: number;
  auid: number;
  uid: number;
  comm: string;
  exe: string;
  /** AUDIT_ARCH_* value, e.g. 0xc000003e. */
  arch: number;
  /** Raw syscall number as the kernel saw it (x32 calls carry bit 30). */
  syscall: number;
  /** The seccomp action the filter returned, e.g. 0x7ffc0000 for SCMP_ACT_LOG. */
  code: number;
  sig: number;
}

/** Who made a call: the runtime between installing the filter and the entrypoint's execve, or the workload. */
export type Origin = 'app' | 'runtime';

/** One program that made a denied call. */
export interface DenialProcess {
  comm: string;
  exe: string;
  count: number;
}

/** A syscall the profile would deny (log mode) or denied (enforce mode), with everyone who made it. */
export interface Denial {
  syscall: string;
  abi: Abi;
  origin: Origin;
  count: number;
  /** What the profile as written does with this call ("SCMP_ACT_ERRNO(EPERM)", "depends on arguments: ..."). */
  profileAction: string;
  /** What the kernel did during this run ("SCMP_ACT_LOG" in log mode). */
  seenAction: string;
  processes: DenialProcess[];
}

/** A rule the log transform left alone on purpose (e.g. clone3 answering ENOSYS so glibc falls back to clone). */
export interface KeptRule {
  names: string[];
  action: string;
  why: string;
}

/** How the workload ended. */
export interface WorkloadEnd {
  exitCode: number | null;
  signal: string | null;
  exitSignal: string | null;
  timedOut: boolean;
  /** Stopped by tracewall on SIGINT/SIGTERM. */
  interrupted: boolean;
  /** The last lines of the workload's (and runtime's) stderr, for a run that failed. */
  stderrTail: string;
}

/** Where the kernel's seccomp records were read. */
export type LogSourceKind = 'auditd' | 'kmsg';

/** How records were tied to this run. */
export type Attribution = 'audit-session' | 'pid-namespace' | 'cgroup';

/** The outcome of `tracewall verify`. */
export interface VerifyReport {
  mode: 'log' | 'enforce';
  /** The OCI bundle run (verify --bundle). */
  bundle?: string;
  /** The engine container run (verify --docker / --podman). */
  container?: {
    /** cri: a Kubernetes pod's container, watched through the node's CRI runtime (verify --pod). */
    engine: 'docker' | 'podman' | 'cri';
    version: string;
    image: string;
    id?: string;
    pod?: { namespace: string; name: string; container: string };
  };
  profile: string;
  runtime: { name: string; version: string };
  source: { kind: LogSourceKind; path: string };
  attribution: Attribution;
  workload: WorkloadEnd;
  /** Calls that would have been (log) or were (enforce) denied, sorted by origin, syscall, ABI. */
  denials: Denial[];
  /** Deliberate answers seen (kept rules), which do not fail verification. */
  deliberate: Denial[];
  kept: KeptRule[];
  /** What the profile was changed into for the run, in words. */
  changes: string[];
  warnings: string[];
}
