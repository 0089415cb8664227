// `verify` end to end: check the profile, change it for the mode, run the bundle in its own audit session, read back the
// kernel's seccomp records of exactly this run, and compare them with the profile as written.
import os from 'node:os';
import { badInput, toolMissing } from '../errors.js';
import { readBundle, runtimeVersion, startBundle, type RunResult, type RuntimeName } from '../trace/bundle.js';
import { createAggregator } from './aggregate.js';
import { parseSeccompLine } from './audit-line.js';
import { inAuditSession } from './audit-session.js';
import { resolveProfile } from './docker-resolve.js';
import { workloadFailed } from './exit-code.js';
import { toEnforceProfile } from './enforce-profile.js';
import { findLogSource, hostProbe, type SourceProbe } from './find-source.js';
import type { LogCursor, LogSource } from './log-cursor.js';
import { toLogProfile } from './log-profile.js';
import { loadProfile, type LoadedProfile } from './profile-load.js';
import { watchPidNamespace } from './pidns-watch.js';
import type { ProgressSink } from '../trace/progress.js';
import type { SeccompProfile } from '../model/seccomp-profile.js';
import type { KeptRule, SeccompRecord, VerifyReport, WorkloadEnd } from './types.js';

/** What to verify, checked by the caller (cli/verify.ts). */
export interface VerifyOptions {
  bundle: string;
  seccomp: string;
  runtime: RuntimeName;
  mode: 'log' | 'enforce';
  /** Stop the workload after this long (a server); the run then counts as complete. */
  timeoutMs?: number;
  /** Aborting stops the workload (SIGTERM, then SIGKILL) and still reports. */
  signal?: AbortSignal;
  /** Told when the kernel's records are read. */
  onProgress?: ProgressSink;
  /** Test seam: attribute by pid namespace even where an audit session could be made. */
  forcePidNamespace?: boolean;
  /** Test seam: the host facts that choose the log source. */
  probe?: SourceProbe;
}

function capabilitiesOf(config: { process?: Record<string, unknown> }): string[] {
  const caps = config.process?.capabilities as { bounding?: unknown } | undefined;
  return Array.isArray(caps?.bounding) ? caps.bounding.filter((c): c is string => typeof c === 'string') : [];
}

export function tail(text: string, lines = 8): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

export function workloadEnd(r: RunResult, interrupted: boolean): WorkloadEnd {
  return {
    exitCode: r.exitCode,
    signal: r.signal,
    exitSignal: r.exitSignal,
    timedOut: r.timedOut,
    interrupted,
    stderrTail: tail(r.stderr),
  };
}

/** Log mode saw no record of the runtime's execve of the entrypoint: the container did not start, or its records were lost. */
export function notStarted(runtime: string, workload: WorkloadEnd, source: LogSource, byPidNamespace: boolean): Error {
  if (workloadFailed(workload)) {
    return badInput(
      `${runtime} did not start the container under the profile (exit ${workload.exitCode ?? workload.signal}, no record of its execve of the entrypoint):\n${workload.stderrTail || '(no output)'}`,
    );
  }
  const why = byPidNamespace
    ? ': the container ended before its pid namespace could be watched'
    : source.kind === 'kmsg'
      ? ': the kernel log is rate-limited; apt-get install auditd and start it (`auditd`)'
      : '';
  return toolMissing(
    `no seccomp record of this run arrived in ${source.path} (not even the runtime's execve of the entrypoint), so verify cannot tell what was denied${why}`,
  );
}

/** Run the bundle under the profile and report what the profile denies (or, in log mode, would deny). */
export async function verifyBundle(opts: VerifyOptions): Promise<VerifyReport> {
  const loaded = await loadProfile(opts.seccomp);
  const bundle = readBundle(opts.bundle);
  const original: SeccompProfile = resolveProfile(loaded.profile, loaded.format, {
    capabilities: capabilitiesOf(bundle.config),
    kernel: os.release(),
  });
  const run = prepareProfile(original, opts.mode, opts.runtime);
  const version = await runtimeVersion(opts.runtime);
  const source = findLogSource(opts.mode === 'log', opts.probe ?? hostProbe);
  const cursor = source.open();
  try {
    const start = () =>
      startBundle(bundle.dir, opts.runtime, {
        seccomp: run.profile,
        ...(opts.timeoutMs === undefined ? {} : { timeoutMs: opts.timeoutMs }),
      });
    const tagged = opts.forcePidNamespace
      ? { value: start(), session: undefined, reason: 'attribution by pid namespace was requested' }
      : inAuditSession(start);
    const running = tagged.value;
    const watch = tagged.session === undefined ? watchPidNamespace(opts.runtime, running.id) : undefined;
    let interrupted = false;
    const onAbort = (): void => {
      interrupted = true;
      void running.stop('SIGTERM', 5_000);
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    if (opts.signal?.aborted) onAbort();
    let result: RunResult;
    try {
      result = await running.done;
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
    }
    const pids = watch ? await watch.stop() : undefined;
    opts.onProgress?.({ kind: 'step', text: "reading the kernel's seccomp records" });
    return await finishRun({
      mode: opts.mode,
      profile: opts.seccomp,
      runtime: { name: opts.runtime, version },
      target: { bundle: bundle.dir },
      loaded,
      original,
      run,
      source,
      cursor,
      workload: workloadEnd(result, interrupted),
      mine:
        tagged.session !== undefined
          ? { attribution: 'audit-session', session: tagged.session }
          : { attribution: 'pid-namespace', pids: pids!, reason: tagged.reason },
    });
  } finally {
    cursor.close();
  }
}

/** How this run's records are told from others'. */
export type RunRecords =
  | { attribution: 'audit-session'; session: number }
  | { attribution: 'pid-namespace' | 'cgroup'; pids: ReadonlySet<number>; reason: string; sentinelOptional?: boolean };

/** What a finished run hands over to be turned into the report. */
export interface FinishedRun {
  mode: 'log' | 'enforce';
  profile: string;
  runtime: { name: string; version: string };
  target: { bundle: string } | { container: NonNullable<VerifyReport['container']> };
  loaded: LoadedProfile;
  original: SeccompProfile;
  run: PreparedProfile;
  source: LogSource;
  cursor: LogCursor;
  workload: WorkloadEnd;
  mine: RunRecords;
  extraWarnings?: string[];
}

/** The profile to run with, and what was done to it. */
export interface PreparedProfile {
  profile: SeccompProfile;
  changes: string[];
  warnings: string[];
  kept: KeptRule[];
  sentinel: boolean;
}

/** The profile for the mode: log mode's transform, or the profile as is for enforce. */
export function prepareProfile(
  original: SeccompProfile,
  mode: 'log' | 'enforce',
  runtime: RuntimeName,
): PreparedProfile {
  return mode === 'log'
    ? toLogProfile(original)
    : { ...toEnforceProfile(original, runtime), kept: [], sentinel: false };
}

const POLL_WARNING = {
  'pid-namespace': "records were attributed by the container's pid namespace, polled every 10 ms",
  cgroup: "records were attributed by the container's cgroup, polled every few milliseconds",
} as const;

/** Read this run's records from the cursor, aggregate them against the profile as written, and build the report. */
export async function finishRun(f: FinishedRun): Promise<VerifyReport> {
  const mine = f.mine;
  const isMine = (r: SeccompRecord): boolean =>
    mine.attribution === 'audit-session' ? r.ses === mine.session : mine.pids.has(r.pid);
  const aggregator = createAggregator(f.original, f.runtime.name);
  const collected = await f.cursor.collect((line) => {
    const r = parseSeccompLine(line);
    if (r && isMine(r)) aggregator.add(r);
  });
  const agg = aggregator.result();
  const workload = f.workload;
  const polled = mine.attribution !== 'audit-session';
  const sentinelMissed = f.run.sentinel && !agg.entrypointExecSeen && !workload.interrupted;
  if (sentinelMissed && !(polled && mine.sentinelOptional && mine.pids.size > 0))
    throw notStarted(f.runtime.name, workload, f.source, polled);
  const warnings = [
    ...f.loaded.warnings,
    ...(f.source.kind === 'kmsg' ? f.source.notes : []),
    ...(polled
      ? [`${mine.reason}; ${POLL_WARNING[mine.attribution]}: calls of processes that lived shorter may be missing`]
      : []),
    ...(sentinelMissed
      ? [
          "the runtime's execve of the entrypoint was not seen (the container started before it could be watched): calls made before, the runtime layer's among them, may be missing",
        ]
      : []),
    ...(f.extraWarnings ?? []),
    ...f.run.warnings,
    ...collected.warnings,
    ...agg.warnings,
    ...(f.mode === 'log' && workloadFailed(workload)
      ? [
          `the workload ended with ${workload.exitCode !== null ? `status ${workload.exitCode}` : `signal ${workload.signal}`} even though nothing was enforced`,
        ]
      : []),
  ];
  return {
    mode: f.mode,
    ...f.target,
    profile: f.profile,
    runtime: f.runtime,
    source: { kind: f.source.kind, path: f.source.path },
    attribution: mine.attribution,
    workload,
    denials: agg.denials,
    deliberate: agg.deliberate,
    kept: f.run.kept,
    changes: f.run.changes,
    warnings,
  };
}
