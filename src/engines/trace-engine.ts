// Tracing one docker or podman container from its entrypoint's exec to its end, through the wrapper runtime: install
// the wrapper, open a session, run the engine's `run`, wait for strace to finish, collect log, config and versions.
import fs from 'node:fs';
import { toolMissing } from '../errors.js';
import { checkPtrace, straceVersion } from '../trace/strace.js';
import { findTool, runtimeVersion, type RuntimeName } from '../trace/runtime-command.js';
import { cgroupMounts } from '../trace/cgroup-layout.js';
import { installWrapper } from '../trace/wrapper-install.js';
import type { WrapperSpec } from '../trace/wrapper-runtime.js';
import {
  closeSession,
  killTracer,
  openSession,
  sessionClaimed,
  sessionContainerId,
  tracerErrors,
  tracerStatus,
  waitForTracer,
  type WrapperSession,
} from '../trace/wrapper-session.js';
import type { Target } from '../recording/types.js';
import { parseRunArgs, type EngineName } from './run-args.js';
import { sessionsDirOf, type Engine } from './engine.js';
import { docker } from './docker.js';
import { podman } from './podman.js';
import { ociProcess, type OciProcess } from './oci-process.js';
import { runEngine, type EngineRunResult } from './engine-run.js';
import { GRACE_MS, type Interruption } from '../trace/interrupt.js';

/** The engines by name. */
export const ENGINES: Readonly<Record<EngineName, Engine>> = { docker, podman };

/** Seconds `docker stop` gives the container on SIGINT/SIGTERM before SIGKILL (docker's own default). */
export const STOP_GRACE_SECONDS = GRACE_MS.container / 1000;

/** A traced container run: the strace log and what the recording says about its target, or why there is none. */
export type EngineTrace = EngineRunResult & { tracerVersion: string; warnings: string[] } & (
    | { started: true; log: string; target: Extract<Target, { kind: 'docker' | 'podman' }>; process: OciProcess }
    | { started: false; reason: string }
  );

/** Run the user's `ENGINE run` arguments under tracewall's wrapper runtime and collect the trace. */
export async function traceEngine(
  name: EngineName,
  userArgs: readonly string[],
  opts: { runtime?: RuntimeName; interrupt?: Interruption } = {},
): Promise<EngineTrace> {
  const args = parseRunArgs(name, userArgs);
  const engine = ENGINES[name];
  const tracerVersion = await straceVersion();
  await checkPtrace();
  await engine.check();
  const runtime = await engine.runtime(opts.runtime);
  const version = await runtimeVersion(runtime);
  const wrapper = await engine.wrapperPath(runtime);
  installWrapper(wrapper, wrapperSpec(runtime, sessionsDirOf(wrapper)));
  const session = openSession(sessionsDirOf(wrapper));
  try {
    const result = await runEngine(
      engine.runArgv(wrapper, session.cidFile, userArgs),
      {
        containerId: () => sessionContainerId(session),
        stop: (id) => engine.stop(id, STOP_GRACE_SECONDS),
        kill: (id) => engine.kill(id),
      },
      opts.interrupt,
    );
    const warnings = await finishTracer(engine, session);
    if (!sessionClaimed(session)) {
      const cid = sessionContainerId(session);
      const reason = cid
        ? `container ${cid.slice(0, 12)} was created but its runtime never ran through tracewall's wrapper at ${wrapper}${name === 'docker' ? ' (is dockerd on this machine, and is its "tracewall" runtime that path?)' : ''}`
        : `${name} run ended (exit ${String(result.exitCode ?? result.signal)}) before the container was created`;
      if (result.exitCode === 0 && !result.interrupted) throw toolMissing(`nothing was recorded: ${reason}`);
      return { ...result, tracerVersion, warnings, started: false, reason };
    }
    if (!fs.existsSync(session.configFile))
      throw toolMissing(
        `tracewall's wrapper did not copy the container's config.json (${tracerErrors(session) || 'no error reported'})`,
      );
    const proc = ociProcess(fs.readFileSync(session.configFile, 'utf8'), `the config.json ${name} gave the runtime`);
    const log = fs.existsSync(session.logFile) ? fs.readFileSync(session.logFile, 'utf8') : '';
    const imageId = await engine.imageId(args.image);
    const target: Extract<Target, { kind: 'docker' | 'podman' }> = {
      kind: name,
      image: args.image,
      ...(imageId ? { imageId } : {}),
      engineVersion: await engine.version(),
      runtime,
      runtimeVersion: version,
      argv: proc.argv,
      cwd: proc.cwd,
      noNewPrivileges: proc.noNewPrivileges,
    };
    return { ...result, tracerVersion, warnings, started: true, log, target, process: proc };
  } finally {
    closeSession(session);
  }
}

/** The wrapper for this host: the real runtime, strace, and for crun on a hybrid host the cgroup2 mounts to hide. */
export function wrapperSpec(runtime: RuntimeName, sessionsDir: string): WrapperSpec {
  const spec: WrapperSpec = { realRuntime: findTool(runtime), strace: findExecutable('strace'), sessionsDir };
  const cgroups = cgroupMounts();
  if (runtime === 'crun' && cgroups.layout === 'hybrid')
    spec.hideCgroup2 = { unshare: findTool('unshare'), mounts: cgroups.v2Below };
  return spec;
}

/** Wait for strace to end with the container; stop the container if it outlived the CLI, and never leave strace behind. */
async function finishTracer(engine: Engine, session: WrapperSession): Promise<string[]> {
  if (!sessionClaimed(session)) return [];
  if (await waitForTracer(session, 10_000)) {
    const status = tracerStatus(session);
    if (status === 0) return [];
    const said = tracerErrors(session);
    return [
      `strace ended with status ${String(status)} before the container did${said ? ` (${said.split('\n')[0]})` : ''}: the recording may be incomplete`,
    ];
  }
  const id = sessionContainerId(session);
  if (id) await engine.stop(id, STOP_GRACE_SECONDS).catch(() => undefined);
  if (await waitForTracer(session, (STOP_GRACE_SECONDS + 10) * 1000)) {
    return [`the container outlived \`${engine.name} run\` and was stopped; the recording ends there`];
  }
  killTracer(session);
  await waitForTracer(session, 5_000);
  return ['strace did not end with the container and was killed: the recording may be incomplete'];
}

function findExecutable(tool: 'strace'): string {
  for (const dir of (process.env.PATH ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin').split(':')) {
    if (!dir.startsWith('/')) continue;
    const candidate = `${dir}/${tool}`;
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  throw toolMissing(`${tool} is not installed or not on PATH: install the Debian package ${tool}`);
}
