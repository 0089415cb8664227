// `tracewall record`: run a command or an OCI bundle under strace, turn the log into a Recording, write it atomically.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { badInput, toolMissing, TracewallError } from '../errors.js';
import { visible } from '../diff/sanitize.js';
import { quoteForMessage } from '../analyze/pattern.js';
import { TOOL_VERSION } from '../version.js';
import { oneOf, checkName, nameFrom } from './options.js';
import { traceCommand, straceVersion, straceArgs } from '../trace/strace.js';
import { readBundle, runtimeCommand, runtimeVersion, type BundleInfo } from '../trace/bundle.js';
import { recordingFromStrace, recordingFromStraceChunks } from '../analyze/from-strace.js';
import { fileChunks } from '../util/chunks.js';
import { recordingFromBpftrace } from '../analyze/from-bpftrace.js';
import { BPFTRACE_LOG_HEADER } from '../parse/bpftrace.js';
import { traceWithBpftrace } from '../trace/bpftrace.js';
import { bpftraceBlocker } from '../trace/bpftrace-check.js';
import { recordEngineRun } from '../engines/engine-recording.js';
import { parseRunArgs } from '../engines/run-args.js';
import { writeRecording } from '../recording/io.js';
import type { Recording, Target } from '../recording/types.js';
import { resolveExecs, type ExecLookup } from '../analyze/exec-resolve.js';
import { bundleExecLookup, hostExecLookup, processExecLookup } from '../trace/exec-lookup.js';
import { attachWithBpftrace, checkAttachHost, checkAttachTarget, processFacts } from '../trace/bpftrace-attach.js';
import { findContainer } from '../engines/attach-target.js';
import { stdoutClosed } from './closed-pipe.js';

export interface RecordOptions {
  output?: string;
  name?: string;
  /** strace (default), bpftrace or auto; bpftrace when attaching. */
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
}

/** The exit status a shell would report for the workload's end. */
export function passThroughStatus(exitCode: number | null, signal: string | null): number {
  if (signal) return 128 + (os.constants.signals[signal as keyof typeof os.constants.signals] ?? 0);
  return exitCode ?? 0;
}

/** The lines `record` prints on stderr once a recording is written. */
export function summarize(r: Recording, file: string): string {
  const abis = Object.entries(r.syscalls).map(([abi, m]) => `${Object.keys(m ?? {}).length} ${abi} syscalls`);
  const end =
    r.termination.kind === 'exit'
      ? `exit ${r.termination.code}`
      : r.termination.kind === 'signal'
        ? `killed by ${r.termination.signal}`
        : 'end unknown';
  const lines = [
    `tracewall: recorded ${r.name}: ${abis.join(', ') || 'no syscalls'}, ${Object.keys(r.files).length} files, ${r.executables.length} executables, ${r.network.sockets.length} socket kinds; workload ${end}`,
    `tracewall: wrote ${file}`,
  ];
  // Warnings quote names the workload chose: control and bidi characters are shown as escapes, never sent to the terminal.
  for (const w of r.warnings.slice(0, 10)) lines.push(`tracewall: warning: ${visible(w)}`);
  if (r.warnings.length > 10)
    lines.push(`tracewall: warning: ... and ${r.warnings.length - 10} more (see the recording's "warnings")`);
  return lines.join('\n') + '\n';
}

/** The Recording target of an OCI bundle run by `runtime`. */
function bundleTarget(bundle: BundleInfo, runtime: 'crun' | 'runc', runtimeVersion: string): Target {
  return {
    kind: 'bundle',
    bundle: bundle.dir,
    runtime,
    runtimeVersion,
    argv: bundle.argv,
    cwd: bundle.cwd,
    noNewPrivileges: bundle.noNewPrivileges,
  };
}

/** Build a recording from a --from-log file; a refusal (a log of another architecture) names the file. */
function fromLogOrRefuse(file: string, build: () => Recording): Recording {
  try {
    return build();
  } catch (err) {
    if (err instanceof TracewallError) throw badInput(`--from-log ${file}: ${err.message}`, err);
    throw err;
  }
}

/** Why a log gave no system calls, naming its first line: empty, or not strace output as tracewall makes it. */
function noCallsReason(text: string): string {
  const lines = text.split('\n');
  const at = lines.findIndex((l) => l.trim() !== '' && !l.startsWith('# tracewall: '));
  if (at < 0) return 'the log is empty: there are no system calls to record';
  const first = lines[at]!.length > 80 ? `${lines[at]!.slice(0, 80)}...` : lines[at]!;
  return `no system call found: expected an strace log made with tracewall's flags (strace ${straceArgs('FILE').join(' ')} -- COMMAND); line ${at + 1} is ${quoteForMessage(first)}`;
}

/** Runs the verb; resolves to the exit status (the workload's own when it failed). */
export async function recordCommand(command: string[], opts: RecordOptions): Promise<number> {
  const attach = opts.pid !== undefined || opts.container !== undefined;
  const tracer = oneOf('--tracer', opts.tracer ?? (attach ? 'bpftrace' : 'strace'), [
    'strace',
    'bpftrace',
    'auto',
  ] as const);
  if (attach) return recordAttach(command, opts, tracer);
  if (tracer === 'bpftrace' && opts.pty)
    throw badInput(
      '--pty works with --tracer strace only (bpftrace does not run the workload in a terminal of its own)',
    );
  const requested =
    opts.runtime === undefined ? undefined : oneOf('--runtime', opts.runtime, ['crun', 'runc'] as const);
  const runtime = requested ?? 'crun';
  if (opts.docker && opts.podman) throw badInput('record takes one of --docker and --podman, got both');
  for (const [flag, v] of [
    ['--duration', opts.duration],
    ['--engine', opts.engine],
  ] as const) {
    if (v !== undefined)
      throw badInput(`${flag} applies to attaching (\`record --pid PID\` or \`record --container ID\`) only`);
  }
  const engine = opts.docker ? 'docker' : opts.podman ? 'podman' : undefined;
  if (engine) {
    const other = opts.bundle ? '--bundle' : opts.fromLog ? '--from-log' : opts.pty ? '--pty' : '';
    if (other)
      throw badInput(
        `record --${engine} takes \`-- [RUN-OPTIONS...] IMAGE [CMD...]\`, not ${other}${other === '--pty' ? ` (pass -it to ${engine} run for a terminal)` : ''}`,
      );
    return recordEngine(engine, command, { ...opts, runtime: requested });
  }
  // --from-log may name the --bundle the log was made from: the bundle then says where the application starts.
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
  const name =
    opts.name !== undefined
      ? checkName('--name', opts.name)
      : nameFrom(opts.bundle ?? command[0] ?? opts.fromLog ?? 'app');
  const output = opts.output ?? `${name}.recording.json`;
  const outDir = path.dirname(path.resolve(output));
  if (!fs.existsSync(outDir)) throw badInput(`-o ${output}: directory ${outDir} does not exist`);

  const kernel = os.release();
  const base = { name, toolVersion: TOOL_VERSION, kernel };

  if (opts.fromLog) {
    let text: string;
    try {
      text = fs.readFileSync(opts.fromLog, 'utf8');
    } catch (err) {
      throw badInput(`--from-log ${opts.fromLog}: cannot read: ${(err as Error).message}`, err);
    }
    let rec: Recording;
    if (text.startsWith(`${BPFTRACE_LOG_HEADER}\n`)) {
      // A log tracewall wrote for bpftrace (record --keep-log): the program already kept only the application.
      const bundle = opts.bundle ? readBundle(opts.bundle) : undefined;
      const target: Target = bundle
        ? bundleTarget(bundle, runtime, await runtimeVersion(runtime))
        : { kind: 'log', file: path.basename(opts.fromLog) };
      const traced = recordingFromBpftrace(text, {
        ...base,
        tracerVersion: 'unknown',
        target,
        initialCwd: bundle?.cwd ?? '/',
        initialUid: bundle?.uid ?? 0,
        initialGid: bundle?.gid ?? 0,
      });
      rec = bundle ? resolveExecs(traced, bundleExecLookup(bundle)) : traced;
    } else if (opts.bundle) {
      const bundle = readBundle(opts.bundle);
      const target = bundleTarget(bundle, runtime, await runtimeVersion(runtime));
      const traced = fromLogOrRefuse(opts.fromLog, () =>
        recordingFromStrace(text, {
          ...base,
          tracerVersion: 'unknown',
          target,
          initialCwd: bundle.cwd,
          initialUid: bundle.uid,
          initialGid: bundle.gid,
          startAt: { argv: bundle.argv },
          foreignArch: 'refuse',
        }),
      );
      rec = resolveExecs(traced, bundleExecLookup(bundle));
    } else {
      const target: Target = { kind: 'log', file: path.basename(opts.fromLog) };
      rec = fromLogOrRefuse(opts.fromLog, () =>
        recordingFromStrace(text, {
          ...base,
          tracerVersion: 'unknown',
          target,
          initialCwd: '/',
          initialUid: 0,
          initialGid: 0,
          foreignArch: 'refuse',
        }),
      );
      if (Object.keys(rec.syscalls).length === 0) throw badInput(`--from-log ${opts.fromLog}: ${noCallsReason(text)}`);
    }
    writeRecording(output, rec);
    process.stderr.write(summarize(rec, output));
    return 0;
  }

  if (tracer === 'bpftrace' || (tracer === 'auto' && !opts.pty && bpftraceBlocker() === null)) {
    try {
      return await recordBpftrace(command, opts, { output, base, runtime });
    } catch (err) {
      // auto: bpftrace could not attach (the workload never started), so strace records it instead.
      if (tracer !== 'auto' || !(err instanceof TracewallError) || err.exitCode !== 3) throw err;
      process.stderr.write(`tracewall: bpftrace cannot trace here (${err.message}); recording with strace\n`);
    }
  }

  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tracewall-'));
  const logFile = path.join(work, 'strace.log');
  try {
    const tracerVersion = await straceVersion();
    let target: Target;
    let argv: string[];
    let startAt: { argv: string[] } | undefined;
    let initial: { cwd: string; uid: number; gid: number };
    let cleanup = async (): Promise<void> => {};
    let lookup: ExecLookup;
    if (opts.bundle) {
      const bundle = readBundle(opts.bundle);
      const version = await runtimeVersion(runtime);
      const cmd = runtimeCommand(path.resolve(opts.bundle), runtime, {
        id: `tracewall-${process.pid}-${Date.now().toString(36)}`,
      });
      argv = cmd.argv;
      cleanup = cmd.cleanup;
      startAt = { argv: bundle.argv };
      lookup = bundleExecLookup(bundle);
      initial = { cwd: bundle.cwd, uid: bundle.uid, gid: bundle.gid };
      target = bundleTarget(bundle, runtime, version);
    } else {
      argv = command;
      lookup = hostExecLookup();
      initial = { cwd: process.cwd(), uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };
      target = { kind: 'command', argv: command, cwd: process.cwd() };
    }
    let result;
    try {
      result = await traceCommand(argv, {
        logFile,
        pty: Boolean(opts.pty),
        // The workload's terminal output has nowhere to go once stdout is closed: stop it, as SIGPIPE would in a shell.
        ...(opts.pty ? { abort: stdoutClosed } : {}),
        pidns: Boolean(opts.bundle),
        stdio: 'inherit',
        forward: opts.bundle ? 'root' : 'all',
        graceMs: opts.bundle ? 10_000 : 3000,
      });
    } finally {
      await cleanup();
    }
    if (opts.keepLog && fs.existsSync(logFile)) fs.copyFileSync(logFile, opts.keepLog);
    // The log is read in pieces: memory stays flat however long the workload ran.
    const traced = recordingFromStraceChunks(fs.existsSync(logFile) ? fileChunks(logFile) : [], {
      ...base,
      tracerVersion,
      target,
      initialCwd: initial.cwd,
      initialUid: initial.uid,
      initialGid: initial.gid,
      ...(startAt ? { startAt } : {}),
    });
    const rec = resolveExecs(traced, lookup);
    if (result.interrupted)
      rec.warnings.push(
        `recording interrupted by ${result.interrupted}: the workload was stopped early, so the recording may be incomplete`,
      );
    const died = result.tracerDied;
    if (died) {
      rec.warnings.push(
        `the tracer (strace) ended, ${died.how}, while the workload was still running: the recording stops there, and the ${died.leftovers} workload process${died.leftovers === 1 ? '' : 'es'} it left running ${died.leftovers === 1 ? 'was' : 'were'} killed`,
      );
    }
    if (startAt && Object.keys(rec.syscalls).length === 0) {
      rec.warnings.push(
        `the entrypoint ${JSON.stringify(startAt.argv)} was never executed: the container did not start (see the runtime's error above)`,
      );
    }
    writeRecording(output, rec);
    process.stderr.write(summarize(rec, output));
    if (died)
      throw toolMissing(
        `strace ended (${died.how}) while tracing; the recording so far was written to ${output}, with a warning`,
      );
    return passThroughStatus(result.exitCode, result.signal);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** `record --tracer bpftrace` (or auto where bpftrace can run): a command, or an OCI bundle from its entrypoint's exec. */
async function recordBpftrace(
  command: string[],
  opts: RecordOptions,
  ctx: { output: string; base: { name: string; toolVersion: string; kernel: string }; runtime: 'crun' | 'runc' },
): Promise<number> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tracewall-'));
  const logFile = path.join(work, 'bpftrace.log');
  let cleanup = async (): Promise<void> => {};
  try {
    let argv = command;
    let target: Target = { kind: 'command', argv: command, cwd: process.cwd() };
    let initial = { cwd: process.cwd(), uid: process.getuid?.() ?? 0, gid: process.getgid?.() ?? 0 };
    let lookup: ExecLookup = hostExecLookup();
    let startAt: { argv: string[] } | undefined;
    if (opts.bundle) {
      const bundle = readBundle(opts.bundle);
      const version = await runtimeVersion(ctx.runtime);
      const cmd = runtimeCommand(path.resolve(opts.bundle), ctx.runtime, {
        id: `tracewall-${process.pid}-${Date.now().toString(36)}`,
      });
      argv = cmd.argv;
      cleanup = cmd.cleanup;
      startAt = { argv: bundle.argv };
      lookup = bundleExecLookup(bundle);
      initial = { cwd: bundle.cwd, uid: bundle.uid, gid: bundle.gid };
      target = bundleTarget(bundle, ctx.runtime, version);
    }
    let result;
    try {
      result = await traceWithBpftrace(argv, {
        logFile,
        stdio: 'inherit',
        forward: opts.bundle ? 'root' : 'all',
        graceMs: opts.bundle ? 10_000 : 3000,
        ...(startAt ? { startAt } : {}),
      });
    } finally {
      await cleanup();
    }
    const text = fs.readFileSync(logFile, 'utf8');
    if (opts.keepLog) fs.copyFileSync(logFile, opts.keepLog);
    const traced = recordingFromBpftrace(text, {
      ...ctx.base,
      tracerVersion: result.tracerVersion,
      target,
      initialCwd: initial.cwd,
      initialUid: initial.uid,
      initialGid: initial.gid,
    });
    const rec = resolveExecs(traced, lookup);
    rec.warnings.push(...result.warnings);
    if (result.interrupted)
      rec.warnings.push(
        `recording interrupted by ${result.interrupted}: the workload was stopped early, so the recording may be incomplete`,
      );
    if (startAt && Object.keys(rec.syscalls).length === 0) {
      rec.warnings.push(
        `the entrypoint ${JSON.stringify(startAt.argv)} was never executed: the container did not start (see the runtime's error above)`,
      );
    }
    writeRecording(ctx.output, rec);
    process.stderr.write(summarize(rec, ctx.output));
    return passThroughStatus(result.exitCode, result.signal);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** `record --docker|--podman -- [RUN-ARGS...] IMAGE [CMD...]`: the container traced from its entrypoint's exec to its end. */
async function recordEngine(
  engine: 'docker' | 'podman',
  args: string[],
  opts: RecordOptions & { runtime?: 'crun' | 'runc' },
): Promise<number> {
  if (args.length === 0)
    throw badInput(
      `record --${engine} needs \`-- [RUN-OPTIONS...] IMAGE [CMD...]\` (what you would pass to \`${engine} run\`)`,
    );
  const image = parseRunArgs(engine, args).image;
  const name = opts.name !== undefined ? checkName('--name', opts.name) : nameFrom(image.replace(/[@:][^/]*$/, ''));
  const output = opts.output ?? `${name}.recording.json`;
  const outDir = path.dirname(path.resolve(output));
  if (!fs.existsSync(outDir)) throw badInput(`-o ${output}: directory ${outDir} does not exist`);
  const r = await recordEngineRun(engine, args, {
    name,
    toolVersion: TOOL_VERSION,
    ...(opts.runtime ? { runtime: opts.runtime } : {}),
  });
  if (opts.keepLog && r.log !== undefined) fs.writeFileSync(opts.keepLog, r.log);
  if (!r.recording) {
    process.stderr.write(`tracewall: nothing recorded: ${r.notRecorded ?? 'the container did not start'}\n`);
    return passThroughStatus(r.exitCode, r.signal) || 1;
  }
  writeRecording(output, r.recording);
  process.stderr.write(summarize(r.recording, output));
  return passThroughStatus(r.exitCode, r.signal);
}

/** Parse --duration: seconds, a positive number (fractions allowed), at most a day. */
function durationMs(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = /^\d+(\.\d+)?$/.test(text.trim()) ? Number(text) : NaN;
  if (!(n > 0) || n > 86_400)
    throw badInput(`--duration ${JSON.stringify(text)}: expected a number of seconds greater than 0 and at most 86400`);
  return Math.round(n * 1000);
}

/** `record --pid PID` / `record --container ID`: attach with bpftrace, record until the end condition, detach. */
async function recordAttach(
  command: string[],
  opts: RecordOptions,
  tracer: 'strace' | 'bpftrace' | 'auto',
): Promise<number> {
  const flag = opts.pid !== undefined ? '--pid' : '--container';
  if (opts.pid !== undefined && opts.container !== undefined)
    throw badInput('record takes one of --pid and --container, got both');
  const other = command.length
    ? 'COMMAND'
    : opts.bundle
      ? '--bundle'
      : opts.docker
        ? '--docker'
        : opts.podman
          ? '--podman'
          : opts.fromLog
            ? '--from-log'
            : opts.pty
              ? '--pty'
              : opts.runtime
                ? '--runtime'
                : '';
  if (other) throw badInput(`record ${flag} attaches to something already running; it takes no ${other}`);
  if (tracer === 'strace')
    throw badInput(
      `record ${flag} attaches with bpftrace only (strace -p cannot follow the children a process already has); use --tracer bpftrace or auto`,
    );
  if (opts.engine !== undefined && opts.container === undefined) throw badInput('--engine applies to --container only');
  const engine = opts.engine === undefined ? undefined : oneOf('--engine', opts.engine, ['docker', 'podman'] as const);
  const duration = durationMs(opts.duration);
  checkAttachHost();

  let pid: number;
  let target: Target;
  let pidNamespace: number | undefined;
  let defaultName: string;
  let facts: ReturnType<typeof processFacts>;
  const notes: string[] = [];
  if (opts.pid !== undefined) {
    pid = /^\d+$/.test(opts.pid.trim()) ? Number(opts.pid) : NaN;
    if (!Number.isSafeInteger(pid))
      throw badInput(`--pid ${JSON.stringify(opts.pid)}: expected a process id (a positive integer)`);
    checkAttachTarget(pid, `--pid ${pid}`);
    const f = processFacts(pid);
    target = { kind: 'process', pid, argv: f.argv, exe: f.exe, cwd: f.cwd };
    defaultName = path.basename(f.exe || f.argv[0] || 'app');
    facts = f;
  } else {
    const c = await findContainer(opts.container!, engine);
    pid = c.pid;
    pidNamespace = c.pidNamespace;
    notes.push(...c.warnings);
    checkAttachTarget(pid, `--container ${opts.container} (its init, pid ${pid})`);
    target = c.target;
    defaultName = c.target.image.replace(/[@:][^/]*$/, '');
    facts = processFacts(pid);
  }
  const name = opts.name !== undefined ? checkName('--name', opts.name) : nameFrom(defaultName);
  const output = opts.output ?? `${name}.recording.json`;
  const outDir = path.dirname(path.resolve(output));
  if (!fs.existsSync(outDir)) throw badInput(`-o ${output}: directory ${outDir} does not exist`);

  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tracewall-'));
  const logFile = path.join(work, 'bpftrace.log');
  try {
    const what =
      target.kind === 'process'
        ? `process ${pid} (${facts.exe})`
        : `${target.kind} container ${opts.container} (init pid ${pid})`;
    process.stderr.write(`tracewall: attaching to ${what}\n`);
    const onStart = (): void => {
      process.stderr.write(
        `tracewall: probes attached; recording ${duration !== undefined ? `for ${duration / 1000} s` : 'until SIGINT (Ctrl-C) or SIGTERM'}\n`,
      );
    };
    const result = await attachWithBpftrace(pid, {
      logFile,
      onStart,
      ...(duration !== undefined ? { durationMs: duration } : {}),
      ...(pidNamespace !== undefined ? { pidNamespace } : {}),
    });
    if (result.ended.kind === 'late') {
      process.stderr.write(
        `tracewall: ${target.kind === 'process' ? 'process' : "the container's init, process"} ${pid} ended before the probes were attached (bpftrace took ${result.ended.attachSeconds.toFixed(1)} s); nothing was recorded\n`,
      );
      return 1;
    }
    if (result.ended.kind === 'cancelled') {
      process.stderr.write(`tracewall: ${result.ended.signal} before the probes were attached; nothing was recorded\n`);
      return passThroughStatus(null, result.ended.signal);
    }
    const text = fs.readFileSync(logFile, 'utf8');
    if (opts.keepLog) fs.copyFileSync(logFile, opts.keepLog);
    const traced = recordingFromBpftrace(text, {
      name,
      toolVersion: TOOL_VERSION,
      kernel: os.release(),
      tracerVersion: result.tracerVersion,
      target,
      initialCwd: facts.cwd,
      initialUid: facts.uid,
      initialGid: facts.gid,
      ...(facts.exe ? { initialExe: facts.exe } : {}),
    });
    const rec = resolveExecs(traced, processExecLookup(pid));
    rec.warnings.push(...notes, ...result.warnings);
    writeRecording(output, rec);
    process.stderr.write(summarize(rec, output));
    const e = result.ended;
    if (e.kind === 'tracer')
      throw toolMissing(
        `bpftrace ended while recording; the recording so far was written to ${output}, with a warning`,
      );
    const why =
      e.kind === 'duration'
        ? 'after --duration'
        : e.kind === 'signal'
          ? `on ${e.signal}`
          : 'because the traced processes ended';
    process.stderr.write(
      `tracewall: recorded ${result.seconds.toFixed(1)} s, detached ${why}${e.kind === 'gone' ? '' : '; nothing was stopped'}\n`,
    );
    return 0;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
