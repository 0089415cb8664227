// `verify --pod NAMESPACE/NAME --seccomp PROFILE`: a pod already runs under the log form of a profile (its Localhost
// profile generated with --default-action log); read the kernel's seccomp records of each of its containers while it
// runs, and report per container what PROFILE would deny. Records are tied to a container by its pid namespace, polled.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { badInput } from '../errors.js';
import { CriClient, chooseEndpoint } from '../cri/client.js';
import {
  criRuntimeName,
  describeCriContainer,
  findPodSandbox,
  parsePodRef,
  runningContainers,
  type CriContainer,
} from '../cri/containers.js';
import { NODE_DIR, nodePaths } from '../cri/handler.js';
import { resolveProfile } from './docker-resolve.js';
import { findLogSource, hostProbe, type SourceProbe } from './find-source.js';
import type { LogCursor, LogSource } from './log-cursor.js';
import { sleep } from './log-cursor.js';
import { toLogProfile } from './log-profile.js';
import { loadProfile } from './profile-load.js';
import { watchPidNamespaceOf, type PidWatch } from './pidns-watch.js';
import { finishRun, type RunRecords } from './run.js';
import type { VerifyReport, WorkloadEnd } from './types.js';

/** What to verify, checked by the caller (cli/verify.ts). */
export interface PodVerifyOptions {
  /** NAMESPACE/NAME */
  pod: string;
  /** Only this container of the pod. */
  container?: string;
  endpoint?: string;
  seccomp: string;
  /** Stop watching after this long; otherwise when every container has ended, or at the signal. */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Where tracewall's runtime handler keeps its sessions (default /var/lib/tracewall): a container it runs has an audit session. */
  handlerDir?: string;
  /** Called once every container is watched. */
  onWatching?: (containers: string[]) => void;
  probe?: SourceProbe;
}

interface Watched {
  c: CriContainer;
  cursor: LogCursor;
  /** The audit session tracewall's runtime handler started the container in, else a watch of its pid namespace. */
  tie: { session: number } | { watch: PidWatch };
}

/** The audit session the handler's wrapper started for container `id`, if it ran through the handler. */
function handlerSession(dir: string, id: string): number | undefined {
  try {
    const n = Number(fs.readFileSync(path.join(nodePaths(dir).sessions, `cri-${id}`, 'session'), 'utf8').trim());
    return Number.isInteger(n) && n > 0 && n !== 4294967295 ? n : undefined;
  } catch {
    return undefined;
  }
}

/** Whether a process still runs (not a zombie). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Wait until the timeout, the signal, or every container's init has ended; which of them. */
async function watchUntil(ws: Watched[], opts: PodVerifyOptions): Promise<'timeout' | 'signal' | 'ended'> {
  const deadline = opts.timeoutMs === undefined ? Infinity : Date.now() + opts.timeoutMs;
  for (;;) {
    if (opts.signal?.aborted) return 'signal';
    if (ws.every((w) => !alive(w.c.pid))) return 'ended';
    if (Date.now() >= deadline) return 'timeout';
    await sleep(50);
  }
}

/** How a container's run ended, from the CRI (its exit status when it has exited). */
async function workloadOf(cri: CriClient, c: CriContainer, why: 'timeout' | 'signal' | 'ended'): Promise<WorkloadEnd> {
  const statusOf = () =>
    cri.call('ContainerStatus', { container_id: c.target.containerId }).catch(() => ({ status: null }));
  let { status } = await statusOf();
  // the init is gone a moment before the runtime has its exit status
  for (let i = 0; why === 'ended' && status?.state === 'CONTAINER_RUNNING' && i < 100; i++) {
    await sleep(50);
    ({ status } = await statusOf());
  }
  const exited = status?.state === 'CONTAINER_EXITED';
  return {
    exitCode: exited ? (status?.exit_code ?? null) : null,
    signal: null,
    exitSignal: null,
    timedOut: !exited && why === 'timeout',
    interrupted: !exited && why === 'signal',
    stderrTail: '',
  };
}

/** Watch the pod's running containers and report, per container (sorted by name), what the profile would deny. */
export async function verifyPod(opts: PodVerifyOptions): Promise<VerifyReport[]> {
  const { namespace, name } = parsePodRef(opts.pod);
  const loaded = await loadProfile(opts.seccomp);
  const cri = CriClient.connect(chooseEndpoint(opts.endpoint));
  try {
    const runtime = await criRuntimeName(cri);
    const sandbox = await findPodSandbox(cri, namespace, name);
    const found: CriContainer[] = [];
    for (const c of await runningContainers(cri, sandbox, opts.container))
      found.push(await describeCriContainer(cri, sandbox, c, runtime));
    const source: LogSource = findLogSource(true, opts.probe ?? hostProbe);
    const ws: Watched[] = found.map((c) => {
      const session = handlerSession(opts.handlerDir ?? NODE_DIR, c.target.containerId);
      return { c, cursor: source.open(), tie: session ? { session } : { watch: watchPidNamespaceOf(c.pid) } };
    });
    try {
      opts.onWatching?.(found.map((c) => c.target.container));
      const why = await watchUntil(ws, opts);
      const reports: VerifyReport[] = [];
      for (const w of ws) {
        const mine: RunRecords =
          'session' in w.tie
            ? { attribution: 'audit-session', session: w.tie.session }
            : {
                attribution: 'pid-namespace',
                pids: await w.tie.watch.stop(),
                reason: `container ${w.c.target.container} of pod ${opts.pod} was already running`,
                sentinelOptional: true,
              };
        reports.push(await report(w, mine, source, cri, why, opts, loaded));
      }
      return reports;
    } finally {
      for (const w of ws) w.cursor.close();
    }
  } finally {
    cri.close();
  }
}

async function report(
  w: Watched,
  mine: RunRecords,
  source: LogSource,
  cri: CriClient,
  why: 'timeout' | 'signal' | 'ended',
  opts: PodVerifyOptions,
  loaded: Awaited<ReturnType<typeof loadProfile>>,
): Promise<VerifyReport> {
  const t = w.c.target;
  const original = resolveProfile(loaded.profile, loaded.format, {
    capabilities: w.c.capabilities,
    kernel: os.release(),
  });
  // the pod was started under the log form already: what log mode keeps answering is what tracewall's log form keeps
  const run = { ...toLogProfile(original), sentinel: false };
  if (mine.attribution !== 'audit-session' && mine.pids.size === 0)
    throw badInput(`container ${t.container} of pod ${opts.pod}: it ended before it could be watched`);
  return finishRun({
    mode: 'log',
    profile: opts.seccomp,
    runtime: { name: t.runtime, version: t.runtimeVersion },
    target: {
      container: {
        engine: 'cri',
        version: t.criRuntime,
        image: t.image,
        id: t.containerId,
        pod: { namespace: t.pod.namespace, name: t.pod.name, container: t.container },
      },
    },
    loaded,
    original,
    run,
    source,
    cursor: w.cursor,
    workload: await workloadOf(cri, w.c, why),
    mine,
    extraWarnings: [
      `only calls made while tracewall watched are counted, and only if the pod runs under the log form of ${opts.seccomp} (tracewall generate --default-action log): calls its own profile allows are not logged`,
    ],
  });
}
