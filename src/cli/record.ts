// `tracewall record`: check the flags, pick the target and the tracer, turn SIGINT/SIGTERM into an Interruption, call
// the record library (src/record/), write the Recording atomically and say what was recorded.
import fs from 'node:fs';
import path from 'node:path';
import { badInput, toolMissing, TracewallError } from '../errors.js';
import { TOOL_VERSION } from '../version.js';
import { oneOf, checkName, nameFrom } from './options.js';
import { signalInterruption } from './signals.js';
import { writeRecording } from '../recording/io.js';
import type { Recording } from '../recording/types.js';
import { bpftraceBlocker } from '../trace/bpftrace-check.js';
import { ebpfBlocker } from '../trace/ebpf.js';
import type { RuntimeName } from '../trace/runtime-command.js';
import type { Interruption } from '../trace/interrupt.js';
import { parseRunArgs } from '../engines/run-args.js';
import { record, type RecordOutcome, type RecordTarget } from '../record/record.js';
import { bpftraceTracer, ebpfTracer, straceTracer, type Tracer } from '../record/tracer.js';
import { summarize } from './record-summary.js';
import { stdoutClosed } from './closed-pipe.js';
import { startProgress } from './progress.js';
import { GRACE_MS } from '../trace/interrupt.js';
import { defaultTracer } from './tracer-choice.js';

export { passThroughStatus } from '../record/outcome.js';
export { summarize } from './record-summary.js';

export interface RecordOptions {
  output?: string;
  /** Record every container of this host (the ebpf tracer's node mode); -o is a directory. */
  node?: boolean;
  name?: string;
  /** strace, bpftrace, ebpf or auto; the default is auto for root and when attaching (see defaultTracer). */
  tracer?: string;
  pty?: boolean;
  bundle?: string;
  /** `-- [RUN-ARGS...] IMAGE [CMD...]` are `docker run` / `podman run` arguments. */
  docker?: boolean;
  podman?: boolean;
  /** crun or runc; default crun for --bundle, docker's runc for --docker, podman's own for --podman. */
  runtime?: string;
  fromLog?: string;
  keepLog?: string;
  /** Attach to a running process (its tree), or to a running container of docker or podman. */
  pid?: string;
  container?: string;
  engine?: string;
  duration?: string;
  /** Attach to the running containers of Kubernetes pod NAMESPACE/NAME (--container then names one of them). */
  pod?: string;
  /** The CRI socket for --pod and --container (unix:///run/containerd/containerd.sock). */
  runtimeEndpoint?: string;
}

/** The file a recording named `name` is written to: -o, or NAME.recording.json; its directory must exist. */
export function outputFile(output: string | undefined, name: string): string {
  const file = output ?? `${name}.recording.json`;
  const dir = path.dirname(path.resolve(file));
  if (!fs.existsSync(dir)) throw badInput(`-o ${file}: directory ${dir} does not exist`);
  return file;
}

/** Write the recording and say what it holds. */
function write(rec: Recording, file: string): void {
  writeRecording(file, rec);
  process.stderr.write(summarize(rec, file));
}

/** What `record` was asked to do, for its default tracer. */
function recordKind(opts: RecordOptions): 'attach' | 'engine' | 'launch' {
  if ([opts.pid, opts.container, opts.pod].some((v) => v !== undefined)) return 'attach';
  return opts.docker || opts.podman ? 'engine' : 'launch';
}

/** Runs the verb; resolves to the exit status (the workload's own when it failed). */
export async function recordCommand(command: string[], opts: RecordOptions): Promise<number> {
  if (opts.node) return (await import('./record-node.js')).recordNodeCommand(command, opts, opts.tracer);
  const attach = [opts.pid, opts.container, opts.pod].some((v) => v !== undefined);
  const tracer = oneOf('--tracer', opts.tracer ?? defaultTracer(recordKind(opts), process.geteuid?.() ?? -1), [
    'strace',
    'bpftrace',
    'ebpf',
    'auto',
  ] as const);
  // imported only to attach: it brings the CRI client (gRPC, protobuf), which a launch never needs
  if (attach) return (await import('./record-attach.js')).recordAttachCommand(command, opts, tracer);
  if ((tracer === 'bpftrace' || tracer === 'ebpf') && opts.pty)
    throw badInput(
      `--pty works with --tracer strace only (${tracer} does not run the workload in a terminal of its own)`,
    );
  const runtime = opts.runtime === undefined ? undefined : oneOf('--runtime', opts.runtime, ['crun', 'runc'] as const);
  if (opts.docker && opts.podman) throw badInput('record takes one of --docker and --podman, got both');
  for (const [flag, v] of [
    ['--duration', opts.duration],
    ['--engine', opts.engine],
    ['--runtime-endpoint', opts.runtimeEndpoint],
  ] as const) {
    if (v !== undefined)
      throw badInput(
        `${flag} applies to attaching (\`record --pid PID\`, \`record --container ID\` or \`record --pod NS/NAME\`) only`,
      );
  }
  const engine = opts.docker ? 'docker' : opts.podman ? 'podman' : undefined;
  if (engine) return recordEngineCommand(engine, command, opts, runtime, tracer);
  checkSources(command, opts);
  const name =
    opts.name !== undefined
      ? checkName('--name', opts.name)
      : nameFrom(opts.bundle ?? command[0] ?? opts.fromLog ?? 'app');
  const output = outputFile(opts.output, name);
  if (opts.fromLog)
    return fromLogCommand(opts.fromLog, {
      name,
      output,
      runtime: runtime ?? 'crun',
      ...(opts.bundle ? { bundle: opts.bundle } : {}),
    });
  const target: RecordTarget = opts.bundle
    ? { kind: 'bundle', dir: opts.bundle, runtime: runtime ?? 'crun' }
    : { kind: 'command', argv: command, pty: Boolean(opts.pty) };
  // With --pty the workload's terminal output has nowhere to go once stdout is closed: stop it, as SIGPIPE would.
  const outcome = await withSignals(async (interrupt) => {
    const progress = startProgress({
      what: target.kind === 'bundle' ? `bundle ${target.dir}` : `\`${path.basename(command[0]!)}\``,
      tracer: tracer === 'auto' ? 'the tracer' : tracer,
      terminal: opts.pty ? 'relayed' : 'shared',
      graceMs: target.kind === 'bundle' ? GRACE_MS.container : GRACE_MS.command,
      interrupt,
    });
    try {
      return await recordWithTracer(target, tracer, {
        name,
        toolVersion: TOOL_VERSION,
        interrupt,
        onProgress: progress.sink,
        ...(opts.keepLog ? { keepLog: opts.keepLog } : {}),
      });
    } finally {
      progress.done();
    }
  }, Boolean(opts.pty));
  return finish(outcome, output);
}

/** --docker/--podman run their runtime under strace through the wrapper runtime: a kernel tracer would be ignored. */
function checkEngineTracer(engine: 'docker' | 'podman', tracer: string): void {
  if (tracer === 'ebpf' || tracer === 'bpftrace')
    throw badInput(
      `--${engine} records with strace (the ${engine} runtime runs under it); --tracer ${tracer} records an OCI bundle (--bundle), a command or a running container (--container)`,
    );
}

/** One of COMMAND, --bundle and --from-log (which may name the --bundle the log was made from). */
function checkSources(command: string[], opts: RecordOptions): void {
  const sources = [
    opts.bundle && !opts.fromLog ? '--bundle' : '',
    opts.fromLog ? '--from-log' : '',
    command.length ? 'COMMAND' : '',
  ].filter(Boolean);
  if (sources.length !== 1) {
    throw badInput(
      sources.length === 0
        ? 'record needs something to trace: `record -- COMMAND [ARG...]`, `record --bundle DIR` or `record --from-log FILE`'
        : `record takes one of COMMAND, --bundle and --from-log, got ${sources.join(' and ')}`,
    );
  }
  if (opts.pty && !command.length) throw badInput('--pty applies to `record -- COMMAND` only');
}

/** Run `f` with SIGINT/SIGTERM (and, when asked, stdout closing) turned into an Interruption for its length. */
async function withSignals<T>(f: (i: Interruption) => Promise<T>, stopOnClosedStdout = false): Promise<T> {
  const signals = signalInterruption();
  const stop = stopOnClosedStdout ? AbortSignal.any([signals.stop, stdoutClosed]) : signals.stop;
  try {
    return await f({ stop, kill: signals.kill });
  } finally {
    signals.dispose();
  }
}

const TRACER_OF = { strace: straceTracer, bpftrace: bpftraceTracer, ebpf: ebpfTracer } as const;

/** auto's candidates in order (ebpf, bpftrace, strace), each kernel tracer with why it cannot run here, or null. */
function autoCandidates(pty: boolean): Array<{ tracer: Tracer; blocker: string | null }> {
  const noPty = 'the workload needs a terminal (--pty), which only strace gives it';
  return [
    { tracer: ebpfTracer, blocker: pty ? noPty : ebpfBlocker() },
    { tracer: bpftraceTracer, blocker: pty ? noPty : bpftraceBlocker() },
    { tracer: straceTracer, blocker: null },
  ];
}

/**
 * The tracer asked for; `auto` takes the first of ebpf, bpftrace and strace that can run here and says which and why;
 * a kernel tracer that cannot load (exit 3, the workload never started) hands over to the next, which is said too.
 */
async function recordWithTracer(
  target: RecordTarget,
  choice: 'strace' | 'bpftrace' | 'ebpf' | 'auto',
  opts: Parameters<typeof record>[2],
): Promise<RecordOutcome> {
  if (choice !== 'auto') return record(target, TRACER_OF[choice], opts);
  const skipped: string[] = [];
  for (const { tracer, blocker } of autoCandidates(target.kind === 'command' && Boolean(target.pty))) {
    if (blocker !== null) {
      skipped.push(`not ${tracer.name}: ${blocker}`);
      continue;
    }
    const why = skipped.length ? ` (${skipped.join('; ')})` : ` (it can run here)`;
    process.stderr.write(`tracewall: --tracer auto: recording with ${tracer.name}${why}\n`);
    try {
      return await record(target, tracer, opts);
    } catch (err) {
      if (tracer === straceTracer || !(err instanceof TracewallError) || err.exitCode !== 3) throw err;
      process.stderr.write(`tracewall: ${tracer.name} cannot trace here (${err.message}); trying the next tracer\n`);
      skipped.length = 0;
      skipped.push(`${tracer.name} failed to start`);
    }
  }
  throw toolMissing('no tracer can record here');
}

/** Write what was recorded (or say why nothing was), and end as the workload or the tracer did. */
function finish(outcome: RecordOutcome, output: string): number {
  if (!outcome.recording) {
    process.stderr.write(`tracewall: nothing recorded: ${outcome.notRecorded ?? 'the workload did not start'}\n`);
    return outcome.status || 1;
  }
  write(outcome.recording, output);
  if (outcome.tracerFailed)
    throw toolMissing(`${outcome.tracerFailed}; the recording so far was written to ${output}, with a warning`);
  return outcome.status;
}

/** `record --from-log FILE [--bundle DIR]`: rebuild a recording from a kept log. */
async function fromLogCommand(
  file: string,
  o: { name: string; output: string; runtime: RuntimeName; bundle?: string },
): Promise<number> {
  let rec: Recording;
  try {
    const { recordingFromLog } = await import('../record/from-log.js');
    rec = await recordingFromLog(file, {
      name: o.name,
      toolVersion: TOOL_VERSION,
      runtime: o.runtime,
      ...(o.bundle ? { bundle: o.bundle } : {}),
    });
  } catch (err) {
    if (err instanceof TracewallError && err.message.startsWith(`${file}: `))
      throw badInput(`--from-log ${err.message}`, err);
    throw err;
  }
  write(rec, o.output);
  return 0;
}

/** `record --docker|--podman -- [RUN-ARGS...] IMAGE [CMD...]`: the container traced from its entrypoint's exec to its end. */
async function recordEngineCommand(
  engine: 'docker' | 'podman',
  args: string[],
  opts: RecordOptions,
  runtime: RuntimeName | undefined,
  tracer: string,
): Promise<number> {
  checkEngineTracer(engine, tracer);
  const other = opts.bundle ? '--bundle' : opts.fromLog ? '--from-log' : opts.pty ? '--pty' : '';
  if (other)
    throw badInput(
      `record --${engine} takes \`-- [RUN-OPTIONS...] IMAGE [CMD...]\`, not ${other}${other === '--pty' ? ` (pass -it to ${engine} run for a terminal)` : ''}`,
    );
  if (args.length === 0)
    throw badInput(
      `record --${engine} needs \`-- [RUN-OPTIONS...] IMAGE [CMD...]\` (what you would pass to \`${engine} run\`)`,
    );
  const image = parseRunArgs(engine, args).image;
  const name = opts.name !== undefined ? checkName('--name', opts.name) : nameFrom(image.replace(/[@:][^/]*$/, ''));
  const output = outputFile(opts.output, name);
  const r = await withSignals(async (interrupt) => {
    const progress = startProgress({
      what: `the ${engine} container (${image})`,
      tracer: 'strace',
      terminal: 'shared',
      graceMs: GRACE_MS.container,
      interrupt,
    });
    progress.sink({ kind: 'tracing', tracer: 'strace', version: '' });
    try {
      const { recordEngineRun } = await import('../record/engine.js');
      return await recordEngineRun(engine, args, {
        name,
        toolVersion: TOOL_VERSION,
        interrupt,
        ...(runtime ? { runtime } : {}),
      });
    } finally {
      progress.done();
    }
  });
  if (opts.keepLog && r.log !== undefined) fs.writeFileSync(opts.keepLog, r.log);
  return finish(r, output);
}
