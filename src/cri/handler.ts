// Recording Kubernetes containers from their first syscall through a containerd runtime handler: installing the wrapper
// (runc-record) with the containerd configuration and RuntimeClass that select it, and the finisher the wrapper runs
// when a container ends, which turns its session into NAMESPACE/POD/CONTAINER.recording.json.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { badInput } from '../errors.js';
import { recordingFromStrace } from '../analyze/from-strace.js';
import { resolveExecs } from '../analyze/exec-resolve.js';
import { parseOciConfig } from '../parse/oci-config.js';
import { writeRecording } from '../recording/io.js';
import type { Recording } from '../recording/types.js';
import { straceVersion } from '../trace/strace.js';
import { runtimeVersion } from '../trace/bundle.js';
import { installWrapper } from '../trace/wrapper-install.js';
import { criWrapperScript, type CriWrapperSpec } from '../trace/wrapper-cri.js';
import { nameFrom } from '../util/names.js';
import { CriClient } from './client.js';
import { criRuntimeName } from './containers.js';

/** The handler's name in containerd's configuration and the RuntimeClass's. */
export const HANDLER_NAME = 'tracewall-record';
/** Where a node keeps tracewall's wrapper, its sessions and the recordings. */
export const NODE_DIR = '/var/lib/tracewall';

/** The files under a node directory. */
export function nodePaths(dir: string): { wrapper: string; sessions: string; recordings: string } {
  return {
    wrapper: path.join(dir, 'runc-record'),
    sessions: path.join(dir, 'sessions'),
    recordings: path.join(dir, 'recordings'),
  };
}

/** containerd's configuration (version 2) declaring the handler; `runc` too, as declaring any runtime drops the implicit one. */
export function containerdSnippet(wrapper: string, handler = HANDLER_NAME): string {
  const cri = '[plugins."io.containerd.grpc.v1.cri".containerd.runtimes';
  return [
    '# containerd >= 1.6, config version 2: add to /etc/containerd/config.toml and restart containerd.',
    '# Keep (or add) the runc runtime: once any runtime is declared, containerd no longer adds runc by itself.',
    `${cri}.runc]`,
    '  runtime_type = "io.containerd.runc.v2"',
    `${cri}.${handler}]`,
    '  runtime_type = "io.containerd.runc.v2"',
    `${cri}.${handler}.options]`,
    `  BinaryName = ${JSON.stringify(wrapper)}`,
    '',
  ].join('\n');
}

/** The RuntimeClass a pod names (spec.runtimeClassName) to be recorded. */
export function runtimeClassManifest(handler = HANDLER_NAME): string {
  return [
    'apiVersion: node.k8s.io/v1',
    'kind: RuntimeClass',
    'metadata:',
    `  name: ${handler}`,
    `handler: ${handler}`,
    '',
  ].join('\n');
}

/** Write the wrapper under `dir`; `spec` names the real runc and strace, `finish` the finisher's argv. */
export function installCriWrapper(dir: string, spec: Omit<CriWrapperSpec, 'sessionsDir'>): string {
  const p = nodePaths(dir);
  const full: CriWrapperSpec = { ...spec, sessionsDir: p.sessions };
  installWrapper(p.wrapper, full, criWrapperScript(full));
  return p.wrapper;
}

/** The kubelet names a container is recorded under, from the CRI's annotations on its OCI config (containerd's, else CRI-O's). */
function podNames(annotations: Record<string, string>, where: string) {
  const pick = (...keys: string[]): string => keys.map((k) => annotations[k]).find((v) => v !== undefined) ?? '';
  const names = {
    namespace: pick('io.kubernetes.cri.sandbox-namespace', 'io.kubernetes.pod.namespace'),
    pod: pick('io.kubernetes.cri.sandbox-name', 'io.kubernetes.pod.name'),
    uid: pick('io.kubernetes.cri.sandbox-uid', 'io.kubernetes.pod.uid'),
    container: pick('io.kubernetes.cri.container-name', 'io.kubernetes.container.name'),
    image: pick('io.kubernetes.cri.image-name', 'io.kubernetes.cri-o.ImageName'),
    sandboxId: pick('io.kubernetes.cri.sandbox-id', 'io.kubernetes.cri-o.SandboxID'),
  };
  // they become path components: Kubernetes names only
  for (const k of ['namespace', 'pod', 'container'] as const)
    if (!/^[a-z0-9]([-.a-z0-9]{0,251}[a-z0-9])?$/.test(names[k]))
      throw badInput(`${where}: annotation for the ${k} name is ${JSON.stringify(names[k])}, not a Kubernetes name`);
  return names;
}

/** Pod labels and the CRI runtime's name from the runtime itself, when it still answers (the pod may be gone). */
async function askRuntime(
  endpoint: string,
  sandboxId: string,
): Promise<{ labels: Record<string, string>; runtime: string }> {
  let cri: CriClient | undefined;
  try {
    cri = CriClient.connect(endpoint);
    const runtime = await criRuntimeName(cri);
    const { items } = await cri.call('ListPodSandbox', { filter: { id: sandboxId } }, 5_000);
    return { labels: { ...(items[0]?.labels ?? {}) }, runtime };
  } catch {
    return { labels: {}, runtime: 'containerd' };
  } finally {
    cri?.close();
  }
}

/** What the finisher is told at install time. */
export interface FinishOptions {
  recordingsDir: string;
  endpoint: string;
  handler: string;
  toolVersion: string;
}

/**
 * Turn session `dir` (the wrapper's copy of the container's config.json and strace's log) into the container's recording,
 * written to RECORDINGS/NAMESPACE/POD/CONTAINER.recording.json; the session is removed once it is written. Returns the file.
 */
export async function finishCriSession(dir: string, opts: FinishOptions): Promise<string> {
  const configFile = path.join(dir, 'config.json');
  const { config, process: proc } = parseOciConfig(fs.readFileSync(configFile, 'utf8'), configFile);
  const annotations = ((config as { annotations?: Record<string, string> }).annotations ?? {}) as Record<
    string,
    string
  >;
  const n = podNames(annotations, configFile);
  const log = fs.readFileSync(path.join(dir, 'strace.log'), 'utf8');
  const asked = await askRuntime(opts.endpoint, n.sandboxId);
  const traced: Recording = recordingFromStrace(log, {
    name: nameFrom(`${n.namespace}-${n.pod}-${n.container}`),
    toolVersion: opts.toolVersion,
    tracerVersion: await straceVersion(),
    kernel: os.release(),
    target: {
      kind: 'cri',
      endpoint: opts.endpoint,
      criRuntime: asked.runtime,
      runtimeHandler: opts.handler,
      pod: { namespace: n.namespace, name: n.pod, uid: n.uid, labels: asked.labels },
      container: n.container,
      containerId: path.basename(dir).replace(/^cri-/, ''),
      image: n.image,
      runtime: 'runc',
      runtimeVersion: await runtimeVersion('runc'),
      argv: proc.argv,
      cwd: proc.cwd,
      noNewPrivileges: proc.noNewPrivileges,
    },
    initialCwd: proc.cwd,
    initialUid: proc.uid,
    initialGid: proc.gid,
    startAt: { argv: proc.argv },
  });
  if (Object.keys(traced.syscalls).length === 0)
    throw badInput(`${dir}: the entrypoint ${JSON.stringify(proc.argv)} was never executed; nothing to record`);
  // the container's root file system may be gone when it ends: /proc/self/exe still stands for its parent's binary, and
  // each exec path the image would resolve (symlinks, interpreters) gets a warning instead
  const rec = resolveExecs(traced, () => undefined);
  const file = path.join(opts.recordingsDir, n.namespace, n.pod, `${n.container}.recording.json`);
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o755 });
  writeRecording(file, rec);
  fs.rmSync(dir, { recursive: true, force: true });
  return file;
}
