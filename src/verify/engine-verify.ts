// `verify --podman` / `verify --docker`: run the user's `ENGINE run` arguments with the log (or enforce) profile as
// `--security-opt seccomp=FILE`, and read back the kernel's records of that container. podman runs as tracewall's child,
// so the audit-session tag reaches the container through conmon and the runtime. dockerd starts containers itself: where
// it has tracewall's wrapper runtime registered (as record --docker needs), the wrapper starts the container's runtime in
// an audit session of its own; otherwise docker's records are attributed by the container's cgroup, polled while it runs.
import type { ProgressSink } from '../trace/progress.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execa } from 'execa';
import { badInput } from '../errors.js';
import { ENGINES, STOP_GRACE_SECONDS, wrapperSpec } from '../engines/trace-engine.js';
import { parseRunArgs, type EngineName } from '../engines/run-args.js';
import { cgroupMounts } from '../trace/cgroup-layout.js';
import { findTool, runtimeVersion, type RuntimeName } from '../trace/runtime-command.js';
import { installWrapper } from '../trace/wrapper-install.js';
import { sessionsDirOf, type Engine } from '../engines/engine.js';
import { closeSession, openAuditSession, sessionAudit } from '../trace/wrapper-session.js';
import { DOCKER_RUNTIME_NAME } from '../engines/docker.js';
import { inAuditSession } from './audit-session.js';
import { watchContainerCgroup } from './cgroup-watch.js';
import { resolveProfile } from './docker-resolve.js';
import { findLogSource, hostProbe, type SourceProbe } from './find-source.js';
import { loadProfile } from './profile-load.js';
import { finishRun, prepareProfile, tail, type RunRecords } from './run.js';
import type { VerifyReport, WorkloadEnd } from './types.js';

/** What to verify, checked by the caller (cli/verify.ts). */
export interface EngineVerifyOptions {
  engine: EngineName;
  /** `[RUN-OPTIONS...] IMAGE [CMD...]` as given after `--`. */
  runArgs: readonly string[];
  seccomp: string;
  /** podman: crun or runc (default podman's own); docker: runc only. */
  runtime?: RuntimeName;
  mode: 'log' | 'enforce';
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Told when the container stops on --timeout and when the kernel's records are read. */
  onProgress?: ProgressSink;
  /** Test seam: attribute by cgroup even where an audit session could be made. */
  forceCgroup?: boolean;
  probe?: SourceProbe;
}

/** The engines' default capability sets (moby's; podman's containers.conf default), for Docker-format includes/excludes. */
const DEFAULT_CAPS: Readonly<Record<EngineName, readonly string[]>> = {
  docker: [
    'CHOWN',
    'DAC_OVERRIDE',
    'FSETID',
    'FOWNER',
    'MKNOD',
    'NET_RAW',
    'SETGID',
    'SETUID',
    'SETFCAP',
    'SETPCAP',
    'NET_BIND_SERVICE',
    'SYS_CHROOT',
    'KILL',
    'AUDIT_WRITE',
  ],
  podman: [
    'CHOWN',
    'DAC_OVERRIDE',
    'FOWNER',
    'FSETID',
    'KILL',
    'NET_BIND_SERVICE',
    'SETFCAP',
    'SETGID',
    'SETPCAP',
    'SETUID',
    'SYS_CHROOT',
  ],
};

function capName(c: string): string {
  const up = c.trim().toUpperCase();
  return up.startsWith('CAP_') ? up : `CAP_${up}`;
}

/** The container's bounding set from the engine's default and the user's --cap-add/--cap-drop (as the engine applies them). */
export function capabilitiesFromArgs(engine: EngineName, options: readonly string[]): string[] {
  const caps = new Set(DEFAULT_CAPS[engine].map(capName));
  const values = (flag: string): string[] => {
    const out: string[] = [];
    for (let i = 0; i < options.length; i++) {
      const a = options[i]!;
      if (a === flag && i + 1 < options.length) out.push(...options[++i]!.split(','));
      else if (a.startsWith(`${flag}=`)) out.push(...a.slice(flag.length + 1).split(','));
    }
    return out.map(capName);
  };
  for (const c of values('--cap-drop')) {
    if (c === 'CAP_ALL') caps.clear();
    else caps.delete(c);
  }
  for (const c of values('--cap-add')) if (c !== 'CAP_ALL') caps.add(c);
  return [...caps].sort();
}

/** Options tracewall sets itself for verify, refused in the user's run arguments. */
function refuseOwnOptions(engine: EngineName, options: readonly string[]): void {
  for (let i = 0; i < options.length; i++) {
    const a = options[i]!;
    const value =
      a === '--security-opt'
        ? options[i + 1]
        : a.startsWith('--security-opt=')
          ? a.slice('--security-opt='.length)
          : undefined;
    if (value !== undefined && /^seccomp[=:]/.test(value)) {
      throw badInput(
        `${engine} run arguments: ${a === '--security-opt' ? `${a} ${value}` : a} is not allowed: tracewall runs the container with the profile it verifies`,
      );
    }
    if (a === '--privileged' || a === '--privileged=true')
      throw badInput(
        `${engine} run arguments: ${a} is not allowed: a privileged container runs without seccomp, so there is nothing to verify`,
      );
  }
}

const SIGNALS = Object.entries(os.constants.signals) as Array<[string, number]>;

/** The engine CLI's exit status: the container's, where 128+N (N a signal) means the container's init was killed by N. */
function workloadOf(
  exitCode: number | null,
  signal: string | null,
  stderr: string,
  timedOut: boolean,
  interrupted: boolean,
): WorkloadEnd {
  const n = exitCode !== null && exitCode > 128 && exitCode < 128 + 65 ? exitCode - 128 : 0;
  const exitSignal = n ? (SIGNALS.find(([, v]) => v === n)?.[0] ?? null) : null;
  return { exitCode, signal, exitSignal, timedOut, interrupted, stderrTail: tail(stderr) };
}

/** podman's --runtime value: crun on a hybrid cgroup host needs tracewall's wrapper (it hides cgroup2), as for record. */
function podmanRuntimeFlag(runtime: RuntimeName, wrapper: string): string {
  if (runtime !== 'crun' || cgroupMounts().layout !== 'hybrid') return findTool(runtime);
  installWrapper(wrapper, wrapperSpec(runtime, sessionsDirOf(wrapper)));
  return wrapper;
}

/** docker: an audit session through tracewall's wrapper runtime where dockerd has it registered, or why there is none. */
async function dockerAuditSession(engine: Engine, runtime: RuntimeName, forceCgroup: boolean) {
  let noSession = "dockerd starts the container outside tracewall's audit session";
  if (forceCgroup) return { noSession };
  try {
    const wrapper = await engine.wrapperPath(runtime);
    installWrapper(wrapper, wrapperSpec(runtime, sessionsDirOf(wrapper)));
    return { session: openAuditSession(sessionsDirOf(wrapper)), noSession };
  } catch (err) {
    noSession = `dockerd starts the container itself, without tracewall's wrapper runtime (${(err as Error).message})`;
    return { noSession };
  }
}

/** The container id the engine wrote, once it has. */
function cidReader(cidFile: string): () => string | undefined {
  return () => {
    try {
      return fs.readFileSync(cidFile, 'utf8').trim() || undefined;
    } catch {
      return undefined;
    }
  };
}

function run(name: EngineName, argv: string[]) {
  return execa(name, argv, { reject: false, stdin: 'ignore', encoding: 'utf8', stripFinalNewline: false });
}

type Started = { value: ReturnType<typeof run>; session: number | undefined; reason?: string };

/** Start the engine's run command, in an audit session of its own where the engine runs the container as its child. */
function startContainer(name: EngineName, argv: string[], forceCgroup: boolean, noSession: string): Started {
  const start = () => run(name, argv);
  if (name === 'docker') return { value: start(), session: undefined, reason: noSession };
  if (forceCgroup) return { value: start(), session: undefined, reason: 'attribution by cgroup was requested' };
  return inAuditSession(start);
}

/** Wait for the container, stopping it (as docker stop does) on a timeout or an abort. */
async function waitContainer(
  child: Started['value'],
  engine: Engine,
  containerId: () => string | undefined,
  opts: EngineVerifyOptions,
) {
  let interrupted = false;
  let timedOut = false;
  const stopContainer = async (): Promise<void> => {
    // before the container exists only the CLI can be told
    for (let i = 0; i < 100 && containerId() === undefined && child.exitCode === null; i++)
      await new Promise((r) => setTimeout(r, 50));
    const id = containerId();
    if (id) await engine.stop(id, STOP_GRACE_SECONDS).catch(() => undefined);
    else child.kill('SIGTERM');
  };
  const onAbort = (): void => {
    interrupted = true;
    void stopContainer();
  };
  const timer =
    opts.timeoutMs === undefined
      ? undefined
      : setTimeout(() => {
          timedOut = true;
          opts.onProgress?.({
            kind: 'step',
            text: `timeout reached: stopping the container (SIGKILL after ${STOP_GRACE_SECONDS} s)`,
          });
          void stopContainer();
        }, opts.timeoutMs);
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  if (opts.signal?.aborted) onAbort();
  try {
    return { r: await child, timedOut, interrupted };
  } finally {
    if (timer) clearTimeout(timer);
    opts.signal?.removeEventListener('abort', onAbort);
  }
}

/** How the kernel's records are tied to this run: its audit session, else the container's cgroup. */
function recordsOf(
  started: Started,
  wrapped: ReturnType<typeof sessionAudit> | undefined,
  pids: Set<number> | undefined,
  noSession: string,
): RunRecords {
  const session = started.session ?? wrapped?.session;
  if (session !== undefined) return { attribution: 'audit-session', session };
  const reason =
    wrapped && wrapped.session === undefined ? `${noSession}: ${wrapped.reason}` : (started.reason ?? noSession);
  return { attribution: 'cgroup', pids: pids!, reason, sentinelOptional: true };
}

/** Check the run arguments and the runtime asked for; the engine's name and the parsed arguments. */
function checkedArgs(opts: EngineVerifyOptions) {
  const args = parseRunArgs(opts.engine, opts.runArgs, 'verify');
  refuseOwnOptions(opts.engine, args.options);
  if (opts.engine === 'docker' && opts.runtime !== undefined && opts.runtime !== 'runc') {
    throw badInput(
      `runtime ${opts.runtime} for docker: docker containers run with dockerd's runc here (expected runc)`,
    );
  }
  return args;
}

/** Run the user's container under the profile and report what the profile denies (or, in log mode, would deny). */
export async function verifyEngine(opts: EngineVerifyOptions): Promise<VerifyReport> {
  const name = opts.engine;
  const engine = ENGINES[name];
  const args = checkedArgs(opts);
  const loaded = await loadProfile(opts.seccomp);
  await engine.check();
  const runtime: RuntimeName = name === 'docker' ? 'runc' : await engine.runtime(opts.runtime);
  const original = resolveProfile(loaded.profile, loaded.format, {
    capabilities: capabilitiesFromArgs(name, args.options),
    kernel: os.release(),
  });
  const run = prepareProfile(original, opts.mode, runtime);
  const [version, engineVersion] = await Promise.all([runtimeVersion(runtime), engine.version()]);
  const source = findLogSource(opts.mode === 'log', opts.probe ?? hostProbe);
  const docker = name === 'docker' ? await dockerAuditSession(engine, runtime, Boolean(opts.forceCgroup)) : undefined;
  const noSession = docker?.noSession ?? '';
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tracewall-verify-'));
  const cursor = source.open();
  try {
    const profileFile = path.join(work, 'seccomp.json');
    fs.writeFileSync(profileFile, JSON.stringify(run.profile));
    const cidFile = docker?.session?.cidFile ?? path.join(work, 'cid');
    const own = ['--cidfile', cidFile, '--security-opt', `seccomp=${profileFile}`];
    const argv =
      name === 'podman'
        ? ['--runtime', podmanRuntimeFlag(runtime, await engine.wrapperPath(runtime)), 'run', ...own, ...opts.runArgs]
        : ['run', ...own, ...(docker?.session ? ['--runtime', DOCKER_RUNTIME_NAME] : []), ...opts.runArgs];
    const containerId = cidReader(cidFile);
    const started = startContainer(name, argv, Boolean(opts.forceCgroup), noSession);
    // docker: the cgroup is watched too, in case the wrapper could not start a session
    const watch = started.session === undefined ? watchContainerCgroup(containerId) : undefined;
    const { r, timedOut, interrupted } = await waitContainer(started.value, engine, containerId, opts);
    if (r.exitCode === undefined && r.code === 'ENOENT') throw badInput(`${name} is not installed or not on PATH`);
    const pids = watch ? await watch.stop() : undefined;
    opts.onProgress?.({ kind: 'step', text: "reading the kernel's seccomp records" });
    const wrapped = docker?.session ? sessionAudit(docker.session) : undefined;
    const id = containerId();
    return await finishRun({
      mode: opts.mode,
      profile: opts.seccomp,
      runtime: { name: runtime, version },
      target: { container: { engine: name, version: engineVersion, image: args.image, ...(id ? { id } : {}) } },
      loaded,
      original,
      run,
      source,
      cursor,
      workload: workloadOf(r.exitCode ?? null, r.signal ?? null, String(r.stderr ?? ''), timedOut, interrupted),
      mine: recordsOf(started, wrapped, pids, noSession),
      extraWarnings: capsWarning(loaded, name),
    });
  } finally {
    cursor.close();
    fs.rmSync(work, { recursive: true, force: true });
    if (docker?.session) closeSession(docker.session);
  }
}

/** A Docker profile's capability conditions were evaluated against this run's capabilities: say so. */
function capsWarning(loaded: { format: string; profile: unknown }, name: EngineName): string[] {
  return loaded.format === 'docker' && JSON.stringify(loaded.profile).includes('"caps"')
    ? [
        `the profile's capability conditions were evaluated against ${name}'s default capabilities with this run's --cap-add/--cap-drop`,
      ]
    : [];
}
