// The Recording (schema v1): what a traced workload really did. The only artefact that crosses a process boundary.

/** The schema version this build writes and reads. */
export const RECORDING_SCHEMA_VERSION = 1;

/** The ABIs a process may use on x86_64. */
export type Abi = 'x86_64' | 'i386' | 'x32';
export const ABIS: readonly Abi[] = ['x86_64', 'i386', 'x32'];

/** How a file was touched; each maps to an AppArmor mode when rendering. */
export type FileAccess =
  | 'read'
  | 'write'
  | 'append'
  | 'create'
  | 'delete'
  | 'rename'
  | 'exec'
  | 'mmap-exec'
  | 'link'
  | 'lock'
  | 'dir-list'
  | 'metadata'
  | 'stat';
export const FILE_ACCESSES: readonly FileAccess[] = [
  'read', 'write', 'append', 'create', 'delete', 'rename', 'exec', 'mmap-exec', 'link', 'lock', 'dir-list', 'metadata', 'stat',
];

/**
 * One syscall as observed: how often, how many of those failed, and the argument
 * facts policy needs, keyed by argument name (e.g. socket: domain/type/protocol,
 * clone: flags, prctl: option, personality: persona, ioctl: request).
 * Values are strace's symbolic names (AF_INET, CLONE_VM|CLONE_FS, ...) or decimal strings.
 */
export interface SyscallFact {
  count: number;
  failed: number;
  args?: Record<string, string[]>;
}

/** A file and the accesses that succeeded on it. */
export interface FileFact {
  access: FileAccess[];
}

/** A program that was executed. */
export interface ExecFact {
  path: string;
  argv0: string;
  /** The executable of the process that ran it, or "" for the traced root. */
  parent: string;
}

/** A socket triple as strace names it (family AF_*, type SOCK_*, protocol IPPROTO_* or a number). */
export interface SocketFact {
  family: string;
  type: string;
  protocol: string;
}

/** An address a socket was bound to or connected to. */
export interface EndpointFact {
  family: string;
  /** IP address, unix socket path, or "" where none applies. */
  address: string;
  /** Port for inet families, 0 otherwise. */
  port: number;
}

export interface NetworkFacts {
  sockets: SocketFact[];
  bind: EndpointFact[];
  connect: EndpointFact[];
  listen: EndpointFact[];
}

/** A capability the observed, successful operations imply, and why. */
export interface CapabilityFact {
  name: string;
  reasons: string[];
}

export interface IdentityFacts {
  /** uids/gids processes ran as or changed to (initial ones first when known). */
  uids: number[];
  gids: number[];
  /** e.g. "setuid(1000)", "setgroups(0)". */
  changes: string[];
  capabilities: CapabilityFact[];
}

export type Target =
  | { kind: 'command'; argv: string[]; cwd: string }
  | { kind: 'bundle'; bundle: string; runtime: 'crun' | 'runc'; runtimeVersion: string; argv: string[]; cwd: string }
  | { kind: 'log'; file: string };

export type Termination = { kind: 'exit'; code: number } | { kind: 'signal'; signal: string } | { kind: 'unknown' };

export interface Recording {
  schemaVersion: number;
  name: string;
  tool: { name: 'tracewall'; version: string };
  tracer: { name: 'strace' | 'bpftrace'; version: string };
  kernel: string;
  arch: 'x86_64';
  target: Target;
  /** ISO-8601 from the tracer's own timestamps, "" when unknown. */
  startedAt: string;
  endedAt: string;
  termination: Termination;
  warnings: string[];
  /** Per ABI: syscall name (or "syscall_0xNNN" when unknown) to facts. */
  syscalls: Partial<Record<Abi, Record<string, SyscallFact>>>;
  /** Absolute path to facts. */
  files: Record<string, FileFact>;
  executables: ExecFact[];
  network: NetworkFacts;
  identity: IdentityFacts;
}
