// Finding a Kubernetes pod's containers through the CRI as the kubelet labels them (io.kubernetes.pod.namespace,
// io.kubernetes.pod.name), and describing each running one: its init's host pid and the Recording target (pod, image,
// runtime handler, and the OCI spec's process as the CRI runtime handed it to runc or crun).
import path from 'node:path';
import { badInput } from '../errors.js';
import type { Target } from '../recording/types.js';
import { runtimeVersion } from '../trace/bundle.js';
import type { CriClient } from './client.js';
import type { Container, PodSandbox } from './types.js';

/** The kubelet's labels on pod sandboxes and containers. */
export const POD_NAMESPACE_LABEL = 'io.kubernetes.pod.namespace';
export const POD_NAME_LABEL = 'io.kubernetes.pod.name';
export const CONTAINER_NAME_LABEL = 'io.kubernetes.container.name';

export type CriTarget = Extract<Target, { kind: 'cri' }>;

/** A running container of a pod, found through the CRI. */
export interface CriContainer {
  /** Host pid of the container's init process. */
  pid: number;
  target: CriTarget;
  /** The bounding capability set of its OCI spec (CAP_...). */
  capabilities: string[];
}

/** "NAMESPACE/NAME" split; badInput naming the text otherwise. */
export function parsePodRef(text: string): { namespace: string; name: string } {
  const m = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?)\/([a-z0-9]([-.a-z0-9]*[a-z0-9])?)$/.exec(text.trim());
  if (!m) throw badInput(`pod ${JSON.stringify(text)}: expected NAMESPACE/NAME (Kubernetes names: a-z 0-9 - .)`);
  return { namespace: m[1]!, name: m[3]! };
}

/** "containerd 1.6.20" for the runtime behind `cri`. */
export async function criRuntimeName(cri: CriClient): Promise<string> {
  const v = await cri.call('Version', {});
  return `${v.runtime_name} ${v.runtime_version}`.trim();
}

/** The ready sandbox of pod NAMESPACE/NAME (the newest attempt); badInput when there is none. */
export async function findPodSandbox(cri: CriClient, namespace: string, name: string): Promise<PodSandbox> {
  const { items } = await cri.call('ListPodSandbox', {
    filter: { label_selector: { [POD_NAMESPACE_LABEL]: namespace, [POD_NAME_LABEL]: name } },
  });
  const ready = items.filter((s) => s.state === 'SANDBOX_READY').sort((a, b) => b.created_at - a.created_at);
  if (ready[0]) return ready[0];
  if (items.length > 0)
    throw badInput(`pod ${namespace}/${name} at ${cri.endpoint}: its sandbox is not ready (the pod has stopped)`);
  throw badInput(`pod ${namespace}/${name}: no such pod at ${cri.endpoint} (none has the kubelet's labels for it)`);
}

/** The running containers of `sandbox`, sorted by name; only `only` when given. badInput when there are none. */
export async function runningContainers(cri: CriClient, sandbox: PodSandbox, only?: string): Promise<Container[]> {
  const pod = `pod ${sandbox.metadata?.namespace}/${sandbox.metadata?.name}`;
  const { containers } = await cri.call('ListContainers', { filter: { pod_sandbox_id: sandbox.id } });
  const running = containers
    .filter((c) => c.state === 'CONTAINER_RUNNING')
    .sort((a, b) => nameOf(a).localeCompare(nameOf(b)));
  if (only !== undefined) {
    const chosen = running.filter((c) => nameOf(c) === only);
    if (chosen.length > 0) return chosen;
    const names = running.map(nameOf);
    throw badInput(
      `${pod} has no running container ${JSON.stringify(only)} (${names.length ? `running: ${names.join(', ')}` : 'none is running'})`,
    );
  }
  if (running.length === 0)
    throw badInput(`${pod} has no running container (${containers.length} container(s), none running)`);
  return running;
}

/** The container `ref` (an id or a unique prefix of one) and its pod's sandbox; badInput when the runtime has no such container. */
export async function findCriContainerById(
  cri: CriClient,
  ref: string,
): Promise<{ container: Container; sandbox: PodSandbox }> {
  const { containers } = await cri.call('ListContainers', {});
  const matches = containers.filter((c) => c.id === ref || c.id.startsWith(ref));
  if (matches.length !== 1)
    throw badInput(
      `container ${ref}: ${matches.length === 0 ? 'no such container' : `${matches.length} containers have ids starting so`} at ${cri.endpoint}`,
    );
  const container = matches[0]!;
  const { items } = await cri.call('ListPodSandbox', { filter: { id: container.pod_sandbox_id } });
  if (!items[0]) throw badInput(`container ${ref}: its pod sandbox ${container.pod_sandbox_id} is gone`);
  return { container, sandbox: items[0] };
}

function nameOf(c: Container): string {
  return c.metadata?.name ?? c.labels[CONTAINER_NAME_LABEL] ?? c.id;
}

/** What containerd's (and CRI-O's) verbose ContainerStatus info holds that tracewall reads. */
interface VerboseInfo {
  pid?: number;
  runtimeType?: string;
  runtimeOptions?: { BinaryName?: string; binary_name?: string } | null;
  runtimeSpec?: {
    process?: { args?: string[]; cwd?: string; noNewPrivileges?: boolean; capabilities?: { bounding?: string[] } };
  };
}

function verboseInfo(info: Record<string, string>, ref: string): VerboseInfo {
  const text = info['info'];
  if (text === undefined)
    throw badInput(`container ${ref}: the CRI runtime gave no verbose info (its pid and OCI spec)`);
  try {
    return JSON.parse(text) as VerboseInfo;
  } catch {
    throw badInput(`container ${ref}: the CRI runtime's verbose info is not JSON`);
  }
}

/** The pod a sandbox is, as the Recording names it. */
function podOf(sandbox: PodSandbox): CriTarget['pod'] {
  const meta = sandbox.metadata;
  return {
    namespace: meta?.namespace ?? sandbox.labels[POD_NAMESPACE_LABEL] ?? '',
    name: meta?.name ?? sandbox.labels[POD_NAME_LABEL] ?? '',
    uid: meta?.uid ?? '',
    labels: { ...sandbox.labels },
  };
}

/** Describe running container `c` of `sandbox`: its init's pid, its spec and its pod. */
export async function describeCriContainer(
  cri: CriClient,
  sandbox: PodSandbox,
  c: Container,
  criRuntime: string,
): Promise<CriContainer> {
  const ref = `${nameOf(c)} (${c.id.slice(0, 13)})`;
  const { status, info } = await cri.call('ContainerStatus', { container_id: c.id, verbose: true });
  if (status?.state !== 'CONTAINER_RUNNING')
    throw badInput(`container ${ref}: it is ${status?.state ?? 'gone'}; attach needs a running one`);
  const v = verboseInfo(info, ref);
  if (!v.pid || v.pid <= 0) throw badInput(`container ${ref}: the CRI runtime names no pid for its init`);
  const binary = v.runtimeOptions?.BinaryName ?? v.runtimeOptions?.binary_name ?? '';
  // containerd's runc shim runs runc unless a handler names another binary (a crun, or tracewall's wrapper around runc)
  const runtime = path.basename(binary).includes('crun') ? 'crun' : 'runc';
  const proc = v.runtimeSpec?.process ?? {};
  const image = status.image?.image || c.image?.image || '';
  const imageId = status.image_ref || c.image_ref;
  return {
    pid: v.pid,
    capabilities: [...(proc.capabilities?.bounding ?? [])],
    target: {
      kind: 'cri',
      endpoint: cri.endpoint,
      criRuntime,
      runtimeHandler: sandbox.runtime_handler,
      pod: podOf(sandbox),
      container: nameOf(c),
      containerId: c.id,
      image,
      ...(imageId && imageId !== image ? { imageId } : {}),
      runtime,
      runtimeVersion: await runtimeVersion(runtime),
      argv: proc.args ?? [],
      cwd: proc.cwd ?? '/',
      noNewPrivileges: proc.noNewPrivileges === true,
      attached: { pid: v.pid },
    },
  };
}
