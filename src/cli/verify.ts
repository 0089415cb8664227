// `tracewall verify --bundle DIR --seccomp FILE`: run the bundle under the profile and report every syscall that was
// (enforce) or would have been (log) denied, with the program that made it.
import { badInput, TracewallError } from '../errors.js';
import { oneOf } from './options.js';
import { formatVerifyJson, formatVerifyText, verifyBundle, verifyEngine, verifyExitCode } from '../verify/index.js';
import { verifyAppArmorCommand } from './verify-apparmor.js';
import { verifyPod } from '../verify/pod-verify.js';
import { deleteLiveContainersSync } from '../trace/bundle.js';
import { startProgress } from './progress.js';

/** Flags of `verify`. */
export interface VerifyCommandOptions {
  bundle?: string;
  docker?: boolean;
  podman?: boolean;
  /** With --docker/--podman: `[RUN-ARGS...] IMAGE [CMD...]`. */
  runArgs?: string[];
  seccomp?: string;
  /** `--apparmor PROFILE`: check the recordings in runArgs against it instead of running anything. */
  apparmor?: string;
  format?: string;
  includeDir?: string;
  runtime?: string;
  mode?: string;
  timeout?: string;
  json?: boolean;
  /** Watch a running Kubernetes pod's containers (which run under the log form of --seccomp). */
  pod?: string;
  container?: string;
  runtimeEndpoint?: string;
  /** With --pod: where tracewall's runtime handler was installed (runtime install --dir). */
  handlerDir?: string;
}

function timeoutMs(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const s = Number(value);
  if (!/^\d+(?:\.\d+)?$/.test(value.trim()) || !(s > 0) || s > 86_400)
    throw badInput(
      `--timeout ${JSON.stringify(value)} is not valid; expected seconds, a number above 0 and at most 86400`,
    );
  return Math.round(s * 1000);
}

/** `verify --apparmor PROFILE RECORDING...`: runs nothing, so the run options do not apply. */
function appArmorMode(profile: string, opts: VerifyCommandOptions, out: (text: string) => void): Promise<number> {
  const clash = [
    opts.bundle !== undefined ? '--bundle' : undefined,
    opts.docker ? '--docker' : undefined,
    opts.podman ? '--podman' : undefined,
    opts.seccomp !== undefined ? '--seccomp' : undefined,
  ].filter(Boolean);
  if (clash.length > 0)
    throw badInput(`verify --apparmor checks recordings and runs nothing; it does not take ${clash.join(', ')}`);
  const { json, format, includeDir } = opts;
  return verifyAppArmorCommand(profile, opts.runArgs ?? [], { json, format, includeDir }, out);
}

/** The flags of --pod, refused without it. */
function refusePodFlags(opts: VerifyCommandOptions): void {
  const given = (
    [
      ['--container', opts.container],
      ['--runtime-endpoint', opts.runtimeEndpoint],
      ['--handler-dir', opts.handlerDir],
    ] as const
  ).find(([, v]) => v !== undefined);
  if (given) throw badInput(`${given[0]} applies to verify --pod only`);
}

/** Runs the verb; resolves to 1 when anything was (or would have been) denied, 0 otherwise. */
export async function verifyCommand(
  opts: VerifyCommandOptions,
  out: (text: string) => void = (t) => process.stdout.write(t),
): Promise<number> {
  if (opts.apparmor !== undefined) return appArmorMode(opts.apparmor, opts, out);
  if (opts.seccomp === undefined) throw badInput('verify needs --seccomp FILE (or --apparmor PROFILE RECORDING...)');
  if (opts.pod !== undefined) return podMode(opts, opts.seccomp, out);
  refusePodFlags(opts);
  const seccomp = opts.seccomp;
  const engines = [opts.docker ? 'docker' : undefined, opts.podman ? 'podman' : undefined].filter(
    (e): e is 'docker' | 'podman' => e !== undefined,
  );
  const given = [opts.bundle !== undefined ? '--bundle' : undefined, ...engines.map((e) => `--${e}`)].filter(Boolean);
  if (given.length !== 1)
    throw badInput(
      given.length === 0
        ? 'verify needs one of --bundle DIR, --docker or --podman'
        : `verify takes one of --bundle, --docker and --podman, got ${given.join(' and ')}`,
    );
  const engine = engines[0];
  const runArgs = opts.runArgs ?? [];
  if (engine === undefined && runArgs.length > 0)
    throw badInput(
      `verify --bundle takes no arguments after the options (got ${JSON.stringify(runArgs[0])}); run arguments go with --docker or --podman`,
    );
  const runtime =
    opts.runtime === undefined
      ? engine === undefined
        ? 'crun'
        : undefined
      : oneOf('--runtime', opts.runtime, ['crun', 'runc'] as const);
  const mode = oneOf('--mode', opts.mode ?? 'log', ['log', 'enforce'] as const);
  const timeout = timeoutMs(opts.timeout);
  const abort = new AbortController();
  const stop = (): void => abort.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  // should tracewall exit while a container it started still runs, it goes too
  process.on('exit', deleteLiveContainersSync);
  const progress = startProgress({
    what: engine === undefined ? `bundle ${opts.bundle!} under ${seccomp} (${mode} mode)` : `the ${engine} container`,
    doing: 'running',
    tracer: engine ?? runtime ?? 'crun',
    terminal: 'own',
    graceMs: engine === undefined ? 5_000 : 10_000,
    interrupt: { stop: abort.signal },
  });
  progress.sink({ kind: 'tracing', tracer: engine === undefined ? (runtime ?? 'crun') : `${engine} run`, version: '' });
  try {
    const common = {
      seccomp,
      mode,
      signal: abort.signal,
      onProgress: progress.sink,
      ...(timeout === undefined ? {} : { timeoutMs: timeout }),
    };
    const report = await seccompFlagged(seccomp, () =>
      engine === undefined
        ? verifyBundle({ ...common, bundle: opts.bundle!, runtime: runtime ?? 'crun' })
        : verifyEngine({ ...common, engine, runArgs, ...(runtime === undefined ? {} : { runtime }) }),
    );
    progress.done();
    out(opts.json ? formatVerifyJson(report) : formatVerifyText(report));
    return verifyExitCode(report);
  } finally {
    progress.done();
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    process.off('exit', deleteLiveContainersSync);
  }
}

/** `verify --pod NS/NAME --seccomp FILE`: watch the pod's containers until --timeout, Ctrl-C or their end; a report each. */
async function podMode(opts: VerifyCommandOptions, seccomp: string, out: (text: string) => void): Promise<number> {
  const clash = [
    opts.bundle !== undefined ? '--bundle' : undefined,
    opts.docker ? '--docker' : undefined,
    opts.podman ? '--podman' : undefined,
    opts.runtime !== undefined ? '--runtime' : undefined,
    opts.mode === 'enforce' ? '--mode enforce' : undefined,
    (opts.runArgs ?? []).length > 0 ? 'run arguments' : undefined,
  ].filter(Boolean);
  if (clash.length > 0)
    throw badInput(
      `verify --pod watches a pod already running under the log form of the profile; it does not take ${clash.join(', ')}`,
    );
  const timeout = timeoutMs(opts.timeout);
  const abort = new AbortController();
  const stop = (): void => abort.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const reports = await seccompFlagged(seccomp, () =>
      verifyPod({
        pod: opts.pod!,
        seccomp,
        signal: abort.signal,
        ...(opts.container !== undefined ? { container: opts.container } : {}),
        ...(opts.runtimeEndpoint !== undefined ? { endpoint: opts.runtimeEndpoint } : {}),
        ...(opts.handlerDir !== undefined ? { handlerDir: opts.handlerDir } : {}),
        ...(timeout === undefined ? {} : { timeoutMs: timeout }),
        onWatching: (names) =>
          process.stderr.write(
            `tracewall: watching ${names.join(', ')} of pod ${opts.pod} ${timeout === undefined ? 'until SIGINT (Ctrl-C), SIGTERM or the pod ends' : `for ${timeout / 1000} s`}\n`,
          ),
      }),
    );
    if (opts.json)
      out(
        reports.length === 1
          ? formatVerifyJson(reports[0]!)
          : `[${reports.map((r) => formatVerifyJson(r).trimEnd()).join(',\n')}]\n`,
      );
    else out(reports.map(formatVerifyText).join('\n'));
    return Math.max(...reports.map(verifyExitCode));
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}

/** The library names the profile file; the user named it with --seccomp. */
async function seccompFlagged<T>(file: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof TracewallError && err.message.startsWith(file))
      throw new TracewallError(err.exitCode, `--seccomp ${err.message}`, { cause: err });
    throw err;
  }
}
