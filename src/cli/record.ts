// `tracewall record`: run a command or an OCI bundle under strace, turn the log into a Recording, write it atomically.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { badInput } from '../errors.js';
import { TOOL_VERSION } from '../version.js';
import { oneOf, checkName, nameFrom } from './options.js';
import { traceCommand, straceVersion } from '../trace/strace.js';
import { readBundle, runtimeCommand, runtimeVersion, type BundleInfo } from '../trace/bundle.js';
import { recordingFromStrace } from '../analyze/from-strace.js';
import { writeRecording } from '../recording/io.js';
import type { Recording, Target } from '../recording/types.js';
import { resolveExecs, type ExecLookup } from '../analyze/exec-resolve.js';
import { bundleExecLookup, hostExecLookup } from '../trace/exec-lookup.js';

export interface RecordOptions {
  output?: string;
  name?: string;
  tracer: string;
  pty?: boolean;
  bundle?: string;
  runtime: string;
  fromLog?: string;
  keepLog?: string;
}

/** The exit status a shell would report for the workload's end. */
function passThroughStatus(exitCode: number | null, signal: string | null): number {
  if (signal) return 128 + (os.constants.signals[signal as keyof typeof os.constants.signals] ?? 0);
  return exitCode ?? 0;
}

function summarize(r: Recording, file: string): string {
  const abis = Object.entries(r.syscalls).map(([abi, m]) => `${Object.keys(m ?? {}).length} ${abi} syscalls`);
  const end = r.termination.kind === 'exit' ? `exit ${r.termination.code}` : r.termination.kind === 'signal' ? `killed by ${r.termination.signal}` : 'end unknown';
  const lines = [
    `tracewall: recorded ${r.name}: ${abis.join(', ') || 'no syscalls'}, ${Object.keys(r.files).length} files, ${r.executables.length} executables, ${r.network.sockets.length} socket kinds; workload ${end}`,
    `tracewall: wrote ${file}`,
  ];
  for (const w of r.warnings.slice(0, 10)) lines.push(`tracewall: warning: ${w}`);
  if (r.warnings.length > 10) lines.push(`tracewall: warning: ... and ${r.warnings.length - 10} more (see the recording's "warnings")`);
  return lines.join('\n') + '\n';
}

/** The Recording target of an OCI bundle run by `runtime`. */
function bundleTarget(bundle: BundleInfo, runtime: 'crun' | 'runc', runtimeVersion: string): Target {
  return { kind: 'bundle', bundle: bundle.dir, runtime, runtimeVersion, argv: bundle.argv, cwd: bundle.cwd, noNewPrivileges: bundle.noNewPrivileges };
}

/** Runs the verb; resolves to the exit status (the workload's own when it failed). */
export async function recordCommand(command: string[], opts: RecordOptions): Promise<number> {
  const tracer = oneOf('--tracer', opts.tracer, ['strace', 'auto'] as const);
  void tracer; // strace is the only tracer so far; "auto" picks it
  const runtime = oneOf('--runtime', opts.runtime, ['crun', 'runc'] as const);
  // --from-log may name the --bundle the log was made from: the bundle then says where the application starts.
  const sources = [opts.bundle && !opts.fromLog ? '--bundle' : '', opts.fromLog ? '--from-log' : '', command.length ? 'COMMAND' : ''].filter(Boolean);
  if (sources.length !== 1) {
    throw badInput(
      sources.length === 0
        ? 'record needs something to trace: `record -- COMMAND [ARG...]`, `record --bundle DIR` or `record --from-log FILE`'
        : `record takes one of COMMAND, --bundle and --from-log, got ${sources.join(' and ')}`,
    );
  }
  if (opts.pty && !command.length) throw badInput('--pty applies to `record -- COMMAND` only');
  const name = opts.name !== undefined ? checkName('--name', opts.name) : nameFrom(opts.bundle ?? command[0] ?? opts.fromLog ?? 'app');
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
    if (opts.bundle) {
      const bundle = readBundle(opts.bundle);
      const target = bundleTarget(bundle, runtime, await runtimeVersion(runtime));
      const traced = recordingFromStrace(text, {
        ...base,
        tracerVersion: 'unknown',
        target,
        initialCwd: bundle.cwd,
        initialUid: bundle.uid,
        initialGid: bundle.gid,
        startAt: { argv: bundle.argv },
      });
      rec = resolveExecs(traced, bundleExecLookup(bundle));
    } else {
      const target: Target = { kind: 'log', file: path.basename(opts.fromLog) };
      rec = recordingFromStrace(text, { ...base, tracerVersion: 'unknown', target, initialCwd: '/', initialUid: 0, initialGid: 0 });
    }
    writeRecording(output, rec);
    process.stderr.write(summarize(rec, output));
    return 0;
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
      const cmd = runtimeCommand(path.resolve(opts.bundle), runtime, { id: `tracewall-${process.pid}-${Date.now().toString(36)}` });
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
        pidns: Boolean(opts.bundle),
        stdio: 'inherit',
        forward: opts.bundle ? 'root' : 'all',
        graceMs: opts.bundle ? 10_000 : 3000,
      });
    } finally {
      await cleanup();
    }
    const text = fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : '';
    if (opts.keepLog) fs.copyFileSync(logFile, opts.keepLog);
    const traced = recordingFromStrace(text, {
      ...base,
      tracerVersion,
      target,
      initialCwd: initial.cwd,
      initialUid: initial.uid,
      initialGid: initial.gid,
      ...(startAt ? { startAt } : {}),
    });
    const rec = resolveExecs(traced, lookup);
    if (result.interrupted) rec.warnings.push(`recording interrupted by ${result.interrupted}: the workload was stopped early, so the recording may be incomplete`);
    if (startAt && Object.keys(rec.syscalls).length === 0) {
      rec.warnings.push(`the entrypoint ${JSON.stringify(startAt.argv)} was never executed: the container did not start (see the runtime's error above)`);
    }
    writeRecording(output, rec);
    process.stderr.write(summarize(rec, output));
    return passThroughStatus(result.exitCode, result.signal);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
