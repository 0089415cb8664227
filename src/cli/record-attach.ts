// `record --pid PID` / `record --container ID`: check the flags, find what to attach to, record until --duration, a
// signal or the tree's end, write the recording, and say how it ended. Nothing traced is stopped.
import { badInput, toolMissing, TracewallError } from '../errors.js';
import { TOOL_VERSION } from '../version.js';
import { writeRecording } from '../recording/io.js';
import {
  findAttachTarget,
  recordAttached,
  type AttachOutcome,
  type AttachTarget,
  type Found,
} from '../record/attach.js';
import { bpftraceTracer, type Tracer } from '../record/tracer.js';
import { attachTracer } from './tracer-choice.js';
import { oneOf, checkName, nameFrom } from './options.js';
import { ENGINES } from './choices.js';
import { recordPodCommand } from './record-pod.js';
import { signalInterruption } from './signals.js';
import { outputFile, type RecordOptions } from './record.js';
import { summarize } from './record-summary.js';
import { isLive, startProgress } from './progress.js';

/** Parse --duration: seconds, a positive number (fractions allowed), at most a day. */
export function durationMs(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = /^\d+(\.\d+)?$/.test(text.trim()) ? Number(text) : NaN;
  if (!(n > 0) || n > 86_400)
    throw badInput(`--duration ${JSON.stringify(text)}: expected a number of seconds greater than 0 and at most 86400`);
  return Math.round(n * 1000);
}

/** The first flag given that attaching does not take. */
export function strayFlag(command: string[], o: RecordOptions): string {
  const given: Array<[boolean, string]> = [
    [command.length > 0, 'COMMAND'],
    [Boolean(o.bundle), '--bundle'],
    [Boolean(o.docker), '--docker'],
    [Boolean(o.podman), '--podman'],
    [Boolean(o.fromLog), '--from-log'],
    [Boolean(o.pty), '--pty'],
    [Boolean(o.runtime), '--runtime'],
  ];
  return given.find(([set]) => set)?.[1] ?? '';
}

/** The attach target the flags name. */
function targetOf(opts: RecordOptions): AttachTarget {
  if (opts.pid !== undefined) {
    const pid = /^\d+$/.test(opts.pid.trim()) ? Number(opts.pid) : NaN;
    if (!Number.isSafeInteger(pid))
      throw badInput(`--pid ${JSON.stringify(opts.pid)}: expected a process id (a positive integer)`);
    return { kind: 'process', pid };
  }
  const engine = opts.engine === undefined ? undefined : oneOf('--engine', opts.engine, ENGINES);
  return {
    kind: 'container',
    ref: opts.container!,
    ...(engine ? { engine } : {}),
    ...(opts.runtimeEndpoint !== undefined ? { endpoint: opts.runtimeEndpoint } : {}),
  };
}

/** Library messages name the process or container; here they name the flag that chose it. */
async function find(t: AttachTarget): Promise<Found> {
  try {
    return await findAttachTarget(t);
  } catch (err) {
    const word = t.kind === 'process' ? 'process ' : 'container ';
    if (err instanceof TracewallError && err.message.startsWith(word)) {
      const flag = t.kind === 'process' ? '--pid ' : '--container ';
      throw new TracewallError(err.exitCode, flag + err.message.slice(word.length), { cause: err });
    }
    throw err;
  }
}

/** How the attached recording ended, as a line for the user; the exit status. */
export function report(r: AttachOutcome, found: Found, output: string, tracer: Tracer = bpftraceTracer): number {
  const e = r.ended;
  if (e.kind === 'late') {
    const who = found.target.kind === 'process' ? 'process' : "the container's init, process";
    process.stderr.write(
      `tracewall: ${who} ${found.pid} ended before the probes were attached (${tracer.name} took ${e.attachSeconds.toFixed(1)} s); nothing was recorded\n`,
    );
    return 1;
  }
  if (e.kind === 'cancelled') {
    process.stderr.write(`tracewall: ${e.signal} before the probes were attached; nothing was recorded\n`);
    return r.status;
  }
  writeRecording(output, r.recording!);
  process.stderr.write(summarize(r.recording!, output));
  if (e.kind === 'tracer')
    throw toolMissing(
      `${tracer.name} ended while recording; the recording so far was written to ${output}, with a warning`,
    );
  const why =
    e.kind === 'duration'
      ? 'after --duration'
      : e.kind === 'signal'
        ? `on ${e.signal}`
        : 'because the traced processes ended';
  process.stderr.write(
    `tracewall: recorded ${r.seconds.toFixed(1)} s, detached ${why}${e.kind === 'gone' ? '' : '; nothing was stopped'}\n`,
  );
  return 0;
}

/** `record --pid PID` / `record --container ID`: attach with ebpf or bpftrace, record until the end condition, detach. */
export async function recordAttachCommand(
  command: string[],
  opts: RecordOptions,
  tracer: 'strace' | 'bpftrace' | 'ebpf' | 'auto',
): Promise<number> {
  if (opts.pod !== undefined) {
    if (opts.pid !== undefined) throw badInput('record takes one of --pid and --pod, got both');
    return recordPodCommand(command, opts, tracer);
  }
  const flag = opts.pid !== undefined ? '--pid' : '--container';
  if (opts.pid !== undefined && opts.container !== undefined)
    throw badInput('record takes one of --pid and --container, got both');
  if (opts.runtimeEndpoint !== undefined && opts.pid !== undefined)
    throw badInput('--runtime-endpoint applies to --pod and --container only');
  const other = strayFlag(command, opts);
  if (other) throw badInput(`record ${flag} attaches to something already running; it takes no ${other}`);
  if (tracer === 'strace')
    throw badInput(
      `record ${flag} attaches with bpftrace or ebpf only (strace -p cannot follow the children a process already has); use --tracer bpftrace, ebpf or auto`,
    );
  if (opts.engine !== undefined && opts.container === undefined) throw badInput('--engine applies to --container only');
  const target = targetOf(opts);
  const duration = durationMs(opts.duration);
  const found = await find(target);
  const name = opts.name !== undefined ? checkName('--name', opts.name) : nameFrom(found.defaultName);
  const output = outputFile(opts.output, name);
  const chosen = attachTracer(tracer, (line) => process.stderr.write(line));
  const interrupt = signalInterruption();
  // on a terminal a spinner says the same as the lines
  const progress = isLive(process.stderr, process.env)
    ? startProgress({
        what: found.what,
        tracer: chosen.name,
        terminal: 'own',
        graceMs: 0,
        starting: `attaching ${chosen.name} to ${found.what}…`,
        interrupt,
      })
    : undefined;
  if (!progress) process.stderr.write(`tracewall: attaching to ${found.what}\n`);
  const onStart = (): void => {
    const until = duration !== undefined ? `for ${duration / 1000} s` : 'until SIGINT (Ctrl-C) or SIGTERM';
    if (progress) progress.sink({ kind: 'tracing', tracer: chosen.name, version: '' });
    else process.stderr.write(`tracewall: probes attached; recording ${until}\n`);
  };
  try {
    const r = await recordAttached(found, chosen, {
      name,
      toolVersion: TOOL_VERSION,
      interrupt,
      onStart,
      ...(duration !== undefined ? { durationMs: duration } : {}),
      ...(opts.keepLog ? { keepLog: opts.keepLog } : {}),
    });
    progress?.done();
    return report(r, found, output, chosen);
  } finally {
    progress?.done();
    interrupt.dispose();
  }
}
