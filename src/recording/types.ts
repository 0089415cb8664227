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
  'read',
  'write',
  'append',
  'create',
  'delete',
  'rename',
  'exec',
  'mmap-exec',
  'link',
  'lock',
  'dir-list',
  'metadata',
  'stat',
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
  | {
      kind: 'bundle';
      bundle: string;
      runtime: 'crun' | 'runc';
      runtimeVersion: string;
      argv: string[];
      cwd: string;
      /** process.noNewPrivileges of the bundle: decides which measured runtime layer applies. */
      noNewPrivileges?: boolean;
    }
  | { kind: 'log'; file: string }
  /** A process already running, attached to (`record --pid`): it and its descendants from the attach on. */
  | { kind: 'process'; pid: number; argv: string[]; exe: string; cwd: string }
  /** A container run by an engine (`record --docker|--podman`), traced from its entrypoint's exec through a wrapper runtime. */
  | {
      kind: 'docker' | 'podman';
      /** The image as given on the command line, and its id where the engine knew it. */
      image: string;
      imageId?: string;
      engineVersion: string;
      /** The OCI runtime the engine ran the container with: decides the runtime layer. */
      runtime: 'crun' | 'runc';
      runtimeVersion: string;
      /** process.args, cwd and noNewPrivileges of the config.json the engine handed the runtime. */
      argv: string[];
      cwd: string;
      noNewPrivileges?: boolean;
      /** Present when the container was already running and tracewall attached to it (`record --container`). */
      attached?: { container: string; pid: number };
    }
  /**
   * A container of a Kubernetes pod, found through the CRI (`record --pod`, `record --container` of a CRI container) and
   * attached to, or run through tracewall's runtime handler.
   */
  | {
      kind: 'cri';
      /** The CRI endpoint (unix:///run/containerd/containerd.sock) and the runtime behind it ("containerd 1.6.20"). */
      endpoint: string;
      criRuntime: string;
      /** The pod's runtime handler (a RuntimeClass's handler), "" for the runtime's default. */
      runtimeHandler: string;
      pod: { namespace: string; name: string; uid: string; labels: Record<string, string> };
      /** The container's name in the pod, and its CRI id. */
      container: string;
      containerId: string;
      image: string;
      imageId?: string;
      /** The OCI runtime the CRI runtime ran the container with: decides the runtime layer. */
      runtime: 'crun' | 'runc';
      runtimeVersion: string;
      /** process.args, cwd and noNewPrivileges of the OCI spec the CRI runtime handed the OCI runtime. */
      argv: string[];
      cwd: string;
      noNewPrivileges?: boolean;
      /** Present when tracewall attached to the running container: its init's host pid. */
      attached?: { pid: number };
      /** The Kubernetes node the container ran on, where known (`tracewall collect` sets it from the agent's pod). */
      node?: string;
    }
  /** The union of other recordings made by `tracewall merge`; the runs themselves are listed in `provenance.sources`. */
  | { kind: 'merge' };

/** A target of a real run (what a provenance source records). */
export type RunTarget = Exclude<Target, { kind: 'merge' }>;

/** One run merged into a recording: enough to say where each rule came from. */
export interface ProvenanceSource {
  name: string;
  tracer: { name: TracerName; version: string };
  kernel: string;
  target: RunTarget;
  startedAt: string;
  endedAt: string;
  termination: Termination;
}

/** A socket triple and the runs that made it. */
export interface SocketProvenance extends SocketFact {
  recordings: string[];
}

/** An endpoint and the runs that used it. */
export interface EndpointProvenance extends EndpointFact {
  recordings: string[];
}

/**
 * Which runs of a merged recording needed each fact, keyed by run name (`sources[].name`). Flat: a merge of merges
 * lists the original runs. Every fact of the recording has an entry; an entry's values together make up the fact.
 */
export interface RecordingProvenance {
  /** The runs, in the order they were merged. */
  sources: ProvenanceSource[];
  /** Per ABI, per syscall: run name to how many calls that run made. */
  syscalls: Partial<Record<Abi, Record<string, Record<string, number>>>>;
  /** Per path: run name to the accesses that run made. */
  files: Record<string, Record<string, FileAccess[]>>;
  /** Per executable path: the runs that executed it. */
  executables: Record<string, string[]>;
  /** Per capability: the runs whose operations implied it. */
  capabilities: Record<string, string[]>;
  network: {
    sockets: SocketProvenance[];
    bind: EndpointProvenance[];
    connect: EndpointProvenance[];
    listen: EndpointProvenance[];
  };
}

/** The tracers that make Recordings. */
export type TracerName = 'strace' | 'bpftrace' | 'ebpf';

/**
 * What a kernel tracer counted as lost while recording (the ebpf tracer): events its ring buffer had no room for,
 * processes it could not follow, strings and paths it sent cut short. Present only when the tracer counts them.
 */
export interface LostCounts {
  events: number;
  processes: number;
  strings: number;
  paths: number;
  /** Node mode: syscalls not counted (the per-container count map was full); absent when none. */
  counts?: number;
}

export type Termination = { kind: 'exit'; code: number } | { kind: 'signal'; signal: string } | { kind: 'unknown' };

export interface Recording {
  schemaVersion: number;
  name: string;
  tool: { name: 'tracewall'; version: string };
  tracer: { name: TracerName; version: string };
  kernel: string;
  arch: 'x86_64';
  target: Target;
  /** ISO-8601 from the tracer's own timestamps, "" when unknown. */
  startedAt: string;
  endedAt: string;
  termination: Termination;
  warnings: string[];
  /** What the tracer lost (the ebpf tracer counts it in the kernel); absent for tracers that do not count. */
  lost?: LostCounts;
  /** Per ABI: syscall name (or "syscall_0xNNN" when unknown) to facts. */
  syscalls: Partial<Record<Abi, Record<string, SyscallFact>>>;
  /** Absolute path to facts. */
  files: Record<string, FileFact>;
  executables: ExecFact[];
  network: NetworkFacts;
  identity: IdentityFacts;
  /** Present exactly when target.kind is "merge": which run needed what. */
  provenance?: RecordingProvenance;
}
