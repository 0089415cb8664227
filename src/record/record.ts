// One way to record: `record(target, tracer, options)` for every kind of target — a command, an OCI bundle, an
// engine's container, a process or container already running — returning the Recording (or why there is none) and the
// exit status to pass through. The CLI only checks flags, turns signals into an Interruption and writes the file.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { badInput } from '../errors.js';
import type { Recording, Target } from '../recording/types.js';
import type { RecordingMeta } from '../analyze/builder.js';
import { resolveExecs, type ExecLookup } from '../analyze/exec-resolve.js';
import { bundleExecLookup, hostExecLookup } from '../trace/exec-lookup.js';
import { readBundle, runtimeCommand, runtimeVersion, type BundleInfo } from '../trace/bundle.js';
import type { RuntimeName } from '../trace/runtime-command.js';
import { GRACE_MS, type Interruption } from '../trace/interrupt.js';
import type { ProgressSink } from '../trace/progress.js';
import type { LaunchResult, Tracer } from './tracer.js';
import { interruptedWarning, neverStartedWarning, passThroughStatus, tracerDiedWarning } from './outcome.js';

/** What to record. */
export type RecordTarget =
  { kind: 'command'; argv: string[]; pty?: boolean } | { kind: 'bundle'; dir: string; runtime: RuntimeName };

/** How to record it. */
export interface RecordOptions {
  name: string;
  toolVersion: string;
  interrupt?: Interruption;
  /** Keep the tracer's raw log here too (for `record --from-log` later). */
  keepLog?: string;
  stdio?: 'inherit' | 'pipe';
  /** Told when the workload runs traced, and how far the tracer got. */
  onProgress?: ProgressSink;
}

/** A finished recording run: the Recording (null when nothing was recorded, with why), and the status to pass on. */
export interface RecordOutcome {
  recording: Recording | null;
  notRecorded?: string;
  /** The workload's status as a shell reports it (128+N for a death by signal N). */
  status: number;
  /** Set when the tracer itself failed while recording: the recording so far is there, and the run is exit 3. */
  tracerFailed?: string;
}

/** A launch-kind target made ready to run: the command line, and what the Recording says about it. */
interface Prepared {
  argv: string[];
  cleanup: () => Promise<void>;
  target: Target;
  lookup: ExecLookup;
  initial: { cwd: string; uid: number; gid: number };
  startAt?: { argv: string[] };
  forward: 'all' | 'root';
  graceMs: number;
  pidns: boolean;
  pty: boolean;
}

/** The Recording target of an OCI bundle run by `runtime`. */
export function bundleTarget(bundle: BundleInfo, runtime: RuntimeName, version: string): Target {
  return {
    kind: 'bundle',
    bundle: bundle.dir,
    runtime,
    runtimeVersion: version,
    argv: bundle.argv,
    cwd: bundle.cwd,
    noNewPrivileges: bundle.noNewPrivileges,
  };
}

/** A command runs as it is: tracewall's cwd and ids, every process of it the application. */
function prepareCommand(t: Extract<RecordTarget, { kind: 'command' }>): Prepared {
  const cwd = process.cwd();
  return {
    argv: t.argv,
    cleanup: async () => {},
    target: { kind: 'command', argv: t.argv, cwd },
    lookup: hostExecLookup(),
    initial: { cwd, uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 },
    forward: 'all',
    graceMs: GRACE_MS.command,
    pidns: false,
    pty: Boolean(t.pty),
  };
}

/** A bundle runs under its runtime; the application starts at the entrypoint's exec. */
async function prepareBundle(t: Extract<RecordTarget, { kind: 'bundle' }>): Promise<Prepared> {
  const bundle = readBundle(t.dir);
  const version = await runtimeVersion(t.runtime);
  const cmd = runtimeCommand(path.resolve(t.dir), t.runtime, {
    id: `tracewall-${process.pid}-${Date.now().toString(36)}`,
  });
  return {
    argv: cmd.argv,
    cleanup: cmd.cleanup,
    target: bundleTarget(bundle, t.runtime, version),
    lookup: bundleExecLookup(bundle),
    initial: { cwd: bundle.cwd, uid: bundle.uid, gid: bundle.gid },
    startAt: { argv: bundle.argv },
    forward: 'root',
    graceMs: GRACE_MS.container,
    pidns: true,
    pty: false,
  };
}

/** The warnings a run itself calls for: interrupted, the tracer died, the entrypoint never ran. */
function runWarnings(rec: Recording, p: Prepared, r: LaunchResult): string[] {
  const out = [...r.warnings];
  if (r.interrupted) out.push(interruptedWarning(r.interrupted, 'the workload was stopped early'));
  if (r.tracerDied) out.push(tracerDiedWarning(r.tracerDied));
  if (p.startAt && Object.keys(rec.syscalls).length === 0)
    out.push(neverStartedWarning(p.startAt.argv, "the runtime's"));
  return out;
}

/** Record a command or a bundle from its start with `tracer`. */
export async function record(target: RecordTarget, tracer: Tracer, opts: RecordOptions): Promise<RecordOutcome> {
  if (target.kind === 'command' && target.argv.length === 0)
    throw badInput('nothing to trace: the command is empty (expected `-- COMMAND [ARG...]`)');
  if (target.kind === 'command' && target.pty && tracer.name !== 'strace')
    throw badInput(`a terminal (pty) works with the strace tracer only, not ${tracer.name}`);
  const p = target.kind === 'command' ? prepareCommand(target) : await prepareBundle(target);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tracewall-'));
  const logFile = path.join(work, `${tracer.name}.log`);
  try {
    let r: LaunchResult;
    try {
      r = await tracer.launch(p.argv, {
        logFile,
        stdio: opts.stdio ?? 'inherit',
        pty: p.pty,
        pidns: p.pidns,
        forward: p.forward,
        graceMs: p.graceMs,
        ...(p.startAt ? { startAt: p.startAt } : {}),
        ...(opts.interrupt ? { interrupt: opts.interrupt } : {}),
        ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
      });
    } finally {
      await p.cleanup();
    }
    if (opts.keepLog && fs.existsSync(logFile)) fs.copyFileSync(logFile, opts.keepLog);
    const meta = metaOf(opts, r.tracerVersion, p);
    const rec = resolveExecs(await tracer.recording(logFile, meta), p.lookup);
    const status = passThroughStatus(r.exitCode, r.signal);
    // as for engines: a container whose entrypoint never ran has nothing of the application to record
    if (p.startAt && Object.keys(rec.syscalls).length === 0 && !r.tracerDied)
      return {
        recording: null,
        notRecorded: neverStartedWarning(p.startAt.argv, "the runtime's"),
        status: status || 1,
      };
    rec.warnings.push(...runWarnings(rec, p, r));
    const died = r.tracerDied;
    const tracerFailed = died ? `${tracer.name} ended (${died.how}) while tracing` : undefined;
    return {
      recording: rec,
      status,
      ...(tracerFailed ? { tracerFailed } : {}),
    };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

function metaOf(opts: RecordOptions, tracerVersion: string, p: Prepared): RecordingMeta {
  return {
    name: opts.name,
    toolVersion: opts.toolVersion,
    tracerVersion,
    kernel: os.release(),
    target: p.target,
    initialCwd: p.initial.cwd,
    initialUid: p.initial.uid,
    initialGid: p.initial.gid,
    ...(p.startAt ? { startAt: p.startAt } : {}),
  };
}
