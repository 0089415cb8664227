// `record --node`: every container that runs on this host during the window, recorded by the eBPF recorder's node
// mode (one loader, each container by its cgroup), each identified through the engine that runs it (podman, docker)
// or the CRI runtime (its pod, namespace and container name), one Recording per container.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { badInput, TracewallError } from '../errors.js';
import type { Recording, Target } from '../recording/types.js';
import type { ExecLookup } from '../analyze/exec-resolve.js';
import { findContainer } from '../engines/attach-target.js';
import { engineCli } from '../engines/engine.js';
import type { EngineName } from '../engines/run-args.js';
import { CriClient, chooseEndpoint, socketPath } from '../cri/client.js';
import { criRuntimeName, describeCriContainer, findCriContainerById, type CriContainer } from '../cri/containers.js';
import { nameFrom } from '../util/names.js';
import { imageView } from '../engines/image-view.js';
import { lookupIn } from '../trace/exec-lookup.js';
import {
  recordingOfLog,
  runningContainerCgroups,
  startNodeRecorder,
  DEFAULT_ROOTS,
  type NodeCgroup,
  type NodeLost,
  type NodeRecorderOptions,
  type NodeRecordingMeta,
} from '../trace/ebpf-node.js';

/** A container a cgroup belongs to: what its Recording says, and where it goes (engine/NAME, NAMESPACE/POD/CONTAINER). */
export interface Identified {
  target: Target;
  /** The output path below the output directory, without the extension. */
  file: string;
  name: string;
  warnings: string[];
}

/** The container id a runtime's cgroup names (libpod-ID.scope, docker-ID.scope, cri-containerd-ID.scope, .../ID). */
export function containerIdOf(cgroupPath: string): { id: string; engine?: EngineName | 'cri' } | null {
  const m = /(?:^|\/)(libpod-|docker-|crio-|cri-containerd-)?([0-9a-f]{64})(?:\.scope)?$/.exec(cgroupPath);
  if (!m) return null;
  const engine = m[1] === 'libpod-' ? 'podman' : m[1] === 'docker-' ? 'docker' : m[1] ? 'cri' : undefined;
  return { id: m[2]!, ...(engine ? { engine } : {}) };
}

async function engineName(engine: EngineName, id: string): Promise<string> {
  const r = await engineCli(engine, ['inspect', '--type', 'container', '--format', '{{.Name}}', id], 30_000);
  return r.exitCode === 0 ? r.stdout.trim().replace(/^\//, '') : id.slice(0, 12);
}

/** A CRI container identified: its target, NAMESPACE/POD/CONTAINER and its name. */
export function criIdentified(c: CriContainer): Identified {
  const t = c.target;
  const parts = [t.pod.namespace, t.pod.name, t.container].map((p) => nameFrom(p));
  return { target: t, file: parts.join('/'), name: nameFrom(parts.join('-')), warnings: [] };
}

async function identifyCri(id: string, endpoint: string | undefined): Promise<Identified> {
  const cri = CriClient.connect(chooseEndpoint(endpoint));
  try {
    const { container, sandbox } = await findCriContainerById(cri, id);
    return criIdentified(await describeCriContainer(cri, sandbox, container, await criRuntimeName(cri)));
  } finally {
    cri.close();
  }
}

/** Which container cgroup `c` is, asked of the engine its name says (else docker, podman, then the CRI runtime). */
export async function identify(c: NodeCgroup, endpoint?: string): Promise<Identified> {
  const ref = containerIdOf(c.path);
  if (!ref) throw badInput(`cgroup ${c.path || c.id}: it names no container id`);
  const tries: Array<EngineName | 'cri'> = ref.engine ? [ref.engine] : ['docker', 'podman', 'cri'];
  const why: string[] = [];
  for (const engine of tries) {
    try {
      if (engine === 'cri') {
        if (!fs.existsSync(socketPath(chooseEndpoint(endpoint)))) throw badInput('no CRI socket answers here');
        return await identifyCri(ref.id, endpoint);
      }
      const found = await findContainer(ref.id, engine);
      const name = nameFrom(await engineName(engine, ref.id));
      return { target: found.target, file: `${engine}/${name}`, name, warnings: found.warnings };
    } catch (err) {
      if (!(err instanceof TracewallError)) throw err;
      why.push(`${engine}: ${err.message}`);
    }
  }
  throw badInput(`cgroup ${c.path}: no engine knows container ${ref.id.slice(0, 12)} (${why.join('; ')})`);
}

/** Identify `c` while its container starts (the engine says "running" only once its init runs): up to `ms`. */
export async function identifyWhileStarting(c: NodeCgroup, endpoint: string | undefined, ms = 15_000) {
  const until = Date.now() + ms;
  for (;;) {
    try {
      return await identify(c, endpoint);
    } catch (err) {
      if (Date.now() > until || !(err instanceof TracewallError)) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** The Recording's metadata for an identified container (or, when none could be found, its cgroup). */
export function nodeMeta(c: NodeCgroup, who: Identified | null, toolVersion: string, pid = 1): NodeRecordingMeta {
  const t = who?.target;
  const cwd = t && 'cwd' in t ? t.cwd : '/';
  return {
    name: who?.name ?? nameFrom(path.basename(c.path) || `cgroup-${c.id}`),
    toolVersion,
    kernel: os.release(),
    // not identified: the process that started its application (the cgroup's first exec)
    target: t ?? { kind: 'process', pid, argv: [], exe: '', cwd: '/' },
    initialCwd: cwd,
    initialUid: 0,
    initialGid: 0,
  };
}

/** Run `f` with a lookup in the image of an engine's container (its processes are gone: the image's view of the
 * executed paths), or with none (exec paths then stay as the kernel saw them, with a warning from resolveExecs). */
async function withImage<T>(who: Identified | null, f: (lookup: ExecLookup | undefined) => T): Promise<T> {
  const t = who?.target;
  if (!t || (t.kind !== 'podman' && t.kind !== 'docker')) return f(undefined);
  const view = await imageView(t.kind, t.image).catch((err: unknown) => (err as Error).message);
  if (typeof view === 'string') return f(undefined);
  try {
    return f(lookupIn((p) => path.join(view.rootfs, p)));
  } finally {
    await view.release();
  }
}

/** The warning of a container recorded from after its start. */
export const ALREADY_RUNNING =
  'the container was already running when recording started: what it did before (its start: exec, libraries, configuration) is not in this recording; merge it with a recording of its start before enforcing a profile';

/** One container's Recording and where it goes. */
export interface NodeRecording {
  cgroup: NodeCgroup;
  file: string;
  recording: Recording;
}

/** How to record the node. */
export interface RecordNodeOptions {
  toolVersion: string;
  durationMs?: number;
  /** Ends the recording (Ctrl-C): everything recorded so far is kept. */
  stop?: AbortSignal;
  endpoint?: string;
  onStart?: () => void;
  onCgroup?: (c: NodeCgroup) => void;
  recorder?: Partial<NodeRecorderOptions>;
}

/** Record every container of this host until the duration or `stop`; one Recording per container cgroup. */
export async function recordNode(
  o: RecordNodeOptions,
): Promise<{ recordings: NodeRecording[]; lost: NodeLost; died: string | null }> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tracewall-node-'));
  const found = new Map<number, { c: NodeCgroup; who: Promise<Identified | Error>; running?: boolean }>();
  try {
    const rec = await startNodeRecorder({
      ...o.recorder,
      workDir: work,
      onCgroup: (c) => {
        const who = identifyWhileStarting(c, o.endpoint).catch((err: unknown) => err as Error);
        found.set(c.id, { c, who });
        o.onCgroup?.(c);
      },
    });
    // containers already running: recorded from now on (their start is not in their recordings)
    for (const p of runningContainerCgroups(rec.cgroupMount, o.recorder?.roots ?? DEFAULT_ROOTS)) {
      const id = await rec.watch(p).catch(() => 0);
      const c = rec.cgroups().find((k) => k.id === id);
      if (!c) continue;
      // the loader announced it (onCgroup above) before it answered the watch
      const known = found.get(id) ?? { c, who: identify(c, o.endpoint).catch((err: unknown) => err as Error) };
      found.set(id, { ...known, running: true });
    }
    o.onStart?.();
    await new Promise<void>((resolve) => {
      const timer = o.durationMs !== undefined ? setTimeout(resolve, o.durationMs) : undefined;
      o.stop?.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
      if (o.stop?.aborted) resolve();
      void rec.done.then(() => (clearTimeout(timer), resolve()));
    });
    const died = rec.died();
    const closed = await rec.close();
    // a loader that died left its logs unfinished (no counts): what they hold is still written, with a warning
    const logs = died
      ? [...found.keys()].map((id) => [id, path.join(work, `${id}.log`)] as const).filter(([, l]) => fs.existsSync(l))
      : [...closed.logs];
    const recordings: NodeRecording[] = [];
    for (const [id, log] of logs.sort((a, b) => a[0] - b[0])) {
      const f = found.get(id);
      if (!f) continue;
      const who = await f.who;
      const ident = who instanceof Error ? null : who;
      const pid = Number(/^A \d+ (\d+)$/m.exec(fs.readFileSync(log, 'utf8'))?.[1] ?? 1) || 1;
      const r = await withImage(ident, (lookup) =>
        recordingOfLog(log, rec.tracerVersion, nodeMeta(f.c, ident, o.toolVersion, pid), lookup),
      );
      if (ident) r.warnings.push(...ident.warnings);
      else
        r.warnings.push(
          `the container of cgroup ${f.c.path || f.c.id} could not be identified: ${(who as Error).message}`,
        );
      if (f.running) r.warnings.push(ALREADY_RUNNING);
      if (died)
        r.warnings.push(`the ebpf loader ended on its own while recording (${died}): the recording stops there`);
      recordings.push({ cgroup: f.c, file: ident?.file ?? `cgroup/${r.name}`, recording: r });
    }
    return { recordings, lost: closed.lost, died };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}
