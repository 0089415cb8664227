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
import type { LogSource } from './log-cursor.js';
import { toLogProfile } from './log-profile.js';
import { loadProfile } from './profile-load.js';
import { watchPidNamespace } from './pidns-watch.js';
import type { OciSeccomp } from './seccomp-model.js';
import type { Attribution, KeptRule, SeccompRecord, VerifyReport, WorkloadEnd } from './types.js';

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
  /** Test seam: attribute by pid namespace even where an audit session could be made. */
  forcePidNamespace?: boolean;
  /** Test seam: the host facts that choose the log source. */
  probe?: SourceProbe;
}

function capabilitiesOf(config: { process?: Record<string, unknown> }): string[] {
  const caps = config.process?.capabilities as { bounding?: unknown } | undefined;
  return Array.isArray(caps?.bounding) ? caps.bounding.filter((c): c is string => typeof c === 'string') : [];
}

function tail(text: string, lines = 8): string {
  return text.trimEnd().split('\n').slice(-lines).join('\n');
}

function workloadEnd(r: RunResult, interrupted: boolean): WorkloadEnd {
  return { exitCode: r.exitCode, signal: r.signal, exitSignal: r.exitSignal, timedOut: r.timedOut, interrupted, stderrTail: tail(r.stderr) };
}

/** Log mode saw no record of the runtime's execve of the entrypoint: the container did not start, or its records were lost. */
function notStarted(runtime: string, workload: WorkloadEnd, source: LogSource, byPidNamespace: boolean): Error {
  if (workloadFailed(workload)) {
    return badInput(`${runtime} did not start the container under the profile (exit ${workload.exitCode ?? workload.signal}, no record of its execve of the entrypoint):\n${workload.stderrTail || '(no output)'}`);
  }
  const why = byPidNamespace
    ? ": the container ended before its pid namespace could be watched"
    : source.kind === 'kmsg' ? ': the kernel log is rate-limited; apt-get install auditd and start it (`auditd`)' : '';
  return toolMissing(`no seccomp record of this run arrived in ${source.path} (not even the runtime's execve of the entrypoint), so verify cannot tell what was denied${why}`);
}

/** Run the bundle under the profile and report what the profile denies (or, in log mode, would deny). */
export async function verifyBundle(opts: VerifyOptions): Promise<VerifyReport> {
  const loaded = await loadProfile(opts.seccomp);
  const bundle = readBundle(opts.bundle);
  const original: OciSeccomp = resolveProfile(loaded.profile, loaded.format, { capabilities: capabilitiesOf(bundle.config), kernel: os.release() });
  let run: { profile: OciSeccomp; changes: string[]; warnings: string[]; kept: KeptRule[]; sentinel: boolean };
  if (opts.mode === 'log') run = toLogProfile(original);
  else run = { ...toEnforceProfile(original, opts.runtime), kept: [], sentinel: false };
  const version = await runtimeVersion(opts.runtime);
  const source = findLogSource(opts.mode === 'log', opts.probe ?? hostProbe);
  const cursor = source.open();
  try {
    const start = () => startBundle(bundle.dir, opts.runtime, { seccomp: run.profile, ...(opts.timeoutMs === undefined ? {} : { timeoutMs: opts.timeoutMs }) });
    const tagged = opts.forcePidNamespace
      ? { value: start(), session: undefined, reason: 'attribution by pid namespace was requested' }
      : inAuditSession(start);
    const running = tagged.value;
    const watch = tagged.session === undefined ? watchPidNamespace(opts.runtime, running.id) : undefined;
    let interrupted = false;
    const onAbort = (): void => { interrupted = true; void running.stop('SIGTERM', 5_000); };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    if (opts.signal?.aborted) onAbort();
    let result: RunResult;
    try {
      result = await running.done;
    } finally {
      opts.signal?.removeEventListener('abort', onAbort);
    }
    const pids = watch ? await watch.stop() : undefined;
    const mine = (r: SeccompRecord): boolean => (tagged.session !== undefined ? r.ses === tagged.session : pids!.has(r.pid));
    const aggregator = createAggregator(original, opts.runtime);
    const collected = await cursor.collect((line) => {
      const r = parseSeccompLine(line);
      if (r && mine(r)) aggregator.add(r);
    });
    const agg = aggregator.result();
    const workload = workloadEnd(result, interrupted);
    if (run.sentinel && !agg.entrypointExecSeen && !workload.interrupted) throw notStarted(opts.runtime, workload, source, tagged.session === undefined);
    const attribution: Attribution = tagged.session !== undefined ? 'audit-session' : 'pid-namespace';
    const warnings = [
      ...loaded.warnings,
      ...(source.kind === 'kmsg' ? source.notes : []),
      ...(tagged.session === undefined ? [`${tagged.reason}; records were attributed by the container's pid namespace, polled every 10 ms: calls of processes that lived shorter may be missing`] : []),
      ...run.warnings,
      ...collected.warnings,
      ...agg.warnings,
      ...(opts.mode === 'log' && workloadFailed(workload) ? [`the workload ended with ${workload.exitCode !== null ? `status ${workload.exitCode}` : `signal ${workload.signal}`} even though nothing was enforced`] : []),
    ];
    return {
      mode: opts.mode,
      bundle: bundle.dir,
      profile: opts.seccomp,
      runtime: { name: opts.runtime, version },
      source: { kind: source.kind, path: source.path },
      attribution,
      workload,
      denials: agg.denials,
      deliberate: agg.deliberate,
      kept: run.kept,
      changes: run.changes,
      warnings,
    };
  } finally {
    cursor.close();
  }
}
