// The small interface every tracer implements for `record`: run a command from its start, optionally attach to a tree
// already running, and turn the log it wrote into a Recording (through its own adapter and the one builder).
import fs from 'node:fs';
import type { Recording, TracerName } from '../recording/types.js';
import type { RecordingMeta } from '../analyze/builder.js';
import type { AttachResult } from '../trace/bpftrace-attach.js';
import type { Interruption } from '../trace/interrupt.js';
import type { ProgressSink } from '../trace/progress.js';

// Each tracer's code (its runner, its log's parser and adapter) is imported when that tracer is used: a run needs one
// tracer, and loading the other two (strace's brings node-pty) cost every `record` its start-up time.

/** How to run a workload under a tracer. */
export interface LaunchOptions {
  logFile: string;
  stdio: 'inherit' | 'pipe';
  /** Run in a pseudo-terminal (strace only). */
  pty: boolean;
  /** The command is a container runtime: follow pids across its pid namespace. */
  pidns: boolean;
  /** Who gets a stop request's signal: every traced process, or only the command (a container runtime). */
  forward: 'all' | 'root';
  graceMs: number;
  /** Container mode: the application starts at the first exec with this argv. */
  startAt?: { argv: string[] };
  interrupt?: Interruption;
  onProgress?: ProgressSink;
}

/** How a launched workload ended, and what the tracer has to say about its own run. */
export interface LaunchResult {
  exitCode: number | null;
  signal: string | null;
  tracerVersion: string;
  interrupted: NodeJS.Signals | null;
  warnings: string[];
  /** The tracer ended while the workload still ran: how, and how many processes it left (which were killed). */
  tracerDied: { how: string; leftovers: number } | null;
}

/** How to attach to a running tree. */
export interface AttachOptions {
  logFile: string;
  durationMs?: number;
  pidNamespace?: number;
  interrupt?: Interruption;
  onStart?: () => void;
}

/** A tracer as `record` uses it. */
export interface Tracer {
  readonly name: TracerName;
  launch(argv: string[], opts: LaunchOptions): Promise<LaunchResult>;
  /** Absent for tracers that cannot attach to processes already running. */
  attach?(pid: number, opts: AttachOptions): Promise<AttachResult>;
  /** The Recording of a log this tracer wrote. */
  recording(logFile: string, meta: RecordingMeta): Promise<Recording>;
}

/** strace: ptrace-based, no root needed, follows forks from the start only. */
export const straceTracer: Tracer = {
  name: 'strace',
  async launch(argv, o) {
    const { traceCommand } = await import('../trace/strace.js');
    const r = await traceCommand(argv, {
      logFile: o.logFile,
      pty: o.pty,
      pidns: o.pidns,
      stdio: o.stdio,
      forward: o.forward,
      graceMs: o.graceMs,
      ...(o.interrupt ? { interrupt: o.interrupt } : {}),
      ...(o.onProgress ? { onProgress: o.onProgress } : {}),
    });
    return { ...r, warnings: [] };
  },
  async recording(logFile, meta) {
    const { recordingFromStraceChunks } = await import('../analyze/from-strace.js');
    const { fileChunks } = await import('../util/chunks.js');
    return recordingFromStraceChunks(fs.existsSync(logFile) ? fileChunks(logFile) : [], meta);
  },
};

/** bpftrace: tracewall's program, root only; the program itself finds the application's start. */
export const bpftraceTracer: Tracer = {
  name: 'bpftrace',
  async launch(argv, o) {
    const { traceWithBpftrace } = await import('../trace/bpftrace.js');
    const r = await traceWithBpftrace(argv, {
      logFile: o.logFile,
      stdio: o.stdio,
      forward: o.forward,
      graceMs: o.graceMs,
      ...(o.startAt ? { startAt: o.startAt } : {}),
      ...(o.interrupt ? { interrupt: o.interrupt } : {}),
      ...(o.onProgress ? { onProgress: o.onProgress } : {}),
    });
    return { ...r, tracerDied: null };
  },
  attach: async (pid, o) => (await import('../trace/bpftrace-attach.js')).attachWithBpftrace(pid, o),
  async recording(logFile, meta) {
    const { recordingFromBpftrace } = await import('../analyze/from-bpftrace.js');
    const { startAt: _startAt, tracer: _tracer, ...rest } = meta;
    return recordingFromBpftrace(fs.readFileSync(logFile, 'utf8'), rest);
  },
};

/** ebpf: tracewall's compiled eBPF recorder (built at install), root only; the program itself finds the application's start. */
export const ebpfTracer: Tracer = {
  name: 'ebpf',
  async launch(argv, o) {
    const { traceWithEbpf } = await import('../trace/ebpf.js');
    return traceWithEbpf(argv, {
      logFile: o.logFile,
      stdio: o.stdio,
      forward: o.forward,
      graceMs: o.graceMs,
      ...(o.startAt ? { startAt: o.startAt } : {}),
      ...(o.interrupt ? { interrupt: o.interrupt } : {}),
      ...(o.onProgress ? { onProgress: o.onProgress } : {}),
    });
  },
  attach: async (pid, o) => (await import('../trace/ebpf-attach.js')).attachWithEbpf(pid, o),
  async recording(logFile, meta) {
    const { recordingFromEbpf } = await import('../analyze/from-ebpf.js');
    const { startAt: _startAt, tracer: _tracer, ...rest } = meta;
    return recordingFromEbpf(fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : '', rest);
  },
};
