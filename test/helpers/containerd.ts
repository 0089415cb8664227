// Test helpers for Kubernetes nodes: a private containerd (root, state, sockets and CRI directories in one temporary
// directory; native snapshotter; restrict_oom_score_adj), a locally built busybox image and a pause image imported into
// its k8s.io namespace, and the test acting as the kubelet over the CRI (a host-network pod sandbox with the kubelet's
// labels, containers created and started in it). `stop` removes every pod, stops containerd and its shims and unmounts
// what they left, whatever state the test ended in.
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { CriClient } from '../../src/cri/client.js';
import type { ContainerConfig, ContainerStatus, PodSandboxConfig } from '../../src/cri/types.js';
import type { CriSecurityContext } from '../../src/cri/kubelet-mapping.js';
import { busyboxImageTar, live, onPath, podmanEnv, run, tail, unmountBelow } from './engines.js';
import { startCli, type CliProcess, type Ended } from './cli-process.js';

export const BUSYBOX_IMAGE = 'localhost/tracewall-busybox:test';
export const PAUSE_IMAGE = 'localhost/tracewall-pause:test';

const TOOLS: Record<string, string> = {
  containerd: 'containerd',
  'containerd-shim-runc-v2': 'containerd',
  ctr: 'containerd',
  runc: 'runc',
  podman: 'podman',
  tar: 'tar',
};

/** Why containerd tests cannot run here (not root, a tool missing), printed; undefined when they can. */
export function needContainerd(...more: string[]): string | undefined {
  let why: string | undefined;
  if (process.platform !== 'linux') why = `containerd tests need Linux, this is ${process.platform}`;
  else if (process.getuid?.() !== 0) why = `containerd tests need root (running as uid ${process.getuid?.()})`;
  else if (!fs.existsSync('/bin/busybox')) why = 'busybox is not installed (apt-get install busybox-static)';
  else {
    const missing = [...Object.keys(TOOLS), ...more].filter((t) => !onPath(t));
    if (missing.length)
      why = `${missing.join(', ')} not installed (apt-get install ${[...new Set(missing.map((t) => TOOLS[t] ?? t))].join(' ')})`;
  }
  if (why) console.warn(`skipped containerd e2e: ${why}`);
  return why;
}

/** A containerd of the test's own. */
export interface PrivateContainerd {
  dir: string;
  /** unix://DIR/containerd.sock */
  endpoint: string;
  cri: CriClient;
  /** Remove every pod, stop containerd and its shims, unmount what is left under `dir`; never throws. */
  stop: () => Promise<void>;
  /** Stop containerd alone (SIGTERM, as a service manager does): its shims and their containers run on. */
  stopDaemon: () => Promise<void>;
}

/**
 * The config file: everything under `dir`; `runtimes` are extra handlers (name → the runc-compatible binary);
 * `runtimesToml` replaces the runtimes' tables with text of the caller's (which must declare runc too).
 */
function configToml(dir: string, runtimes: Record<string, string>, runtimesToml?: string): string {
  const q = (p: string): string => JSON.stringify(path.join(dir, p));
  const cri = '[plugins."io.containerd.grpc.v1.cri"';
  const lines = [
    'version = 2',
    `root = ${q('root')}`,
    `state = ${q('state')}`,
    '[grpc]',
    `  address = ${q('containerd.sock')}`,
    '[ttrpc]',
    `  address = ${q('containerd.sock.ttrpc')}`,
    '[plugins."io.containerd.internal.v1.opt"]',
    `  path = ${q('opt')}`,
    `${cri}]`,
    `  sandbox_image = ${JSON.stringify(PAUSE_IMAGE)}`,
    '  restrict_oom_score_adj = true',
    `${cri}.containerd]`,
    '  snapshotter = "native"',
    '  default_runtime_name = "runc"',
  ];
  if (runtimesToml !== undefined) lines.push(runtimesToml);
  else lines.push(`${cri}.containerd.runtimes.runc]`, '  runtime_type = "io.containerd.runc.v2"');
  for (const [name, binary] of Object.entries(runtimes))
    lines.push(
      `${cri}.containerd.runtimes.${JSON.stringify(name)}]`,
      '  runtime_type = "io.containerd.runc.v2"',
      `${cri}.containerd.runtimes.${JSON.stringify(name)}.options]`,
      `  BinaryName = ${JSON.stringify(binary)}`,
    );
  lines.push(`${cri}.cni]`, `  bin_dir = ${q('cni/bin')}`, `  conf_dir = ${q('cni/conf')}`, '');
  return lines.join('\n');
}

/** Start containerd in `dir`; resolves once its CRI answers, rejects with its log's last lines. */
export async function startContainerd(
  dir: string,
  opts: { runtimes?: Record<string, string>; runtimesToml?: string } = {},
): Promise<PrivateContainerd> {
  const config = path.join(dir, 'containerd.toml');
  fs.writeFileSync(config, configToml(dir, opts.runtimes ?? {}, opts.runtimesToml));
  const log = path.join(dir, 'containerd.log');
  // appended: a restart (restartContainerd) keeps the first run's log
  const out = fs.openSync(log, 'a');
  // TMPDIR: goroutine dumps stay in the test's directory
  const child = spawn('containerd', ['--config', config], {
    stdio: ['ignore', out, out],
    env: { ...process.env, TMPDIR: dir },
  });
  fs.closeSync(out);
  live.add(child);
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      live.delete(child);
      resolve();
    }),
  );
  const endpoint = `unix://${path.join(dir, 'containerd.sock')}`;
  let cri: CriClient | undefined;
  const stopDaemon = async (): Promise<void> => {
    cri?.close();
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }
  };
  const stop = async (): Promise<void> => {
    if (cri) await removeAllPods(cri);
    await stopDaemon();
    killShims(path.join(dir, 'containerd.sock'));
    unmountBelow(dir);
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null)
      throw new Error(`containerd exited (${child.exitCode ?? child.signalCode}): ${tail(log)}`);
    if (fs.existsSync(path.join(dir, 'containerd.sock'))) {
      cri ??= CriClient.connect(endpoint);
      try {
        await cri.call('Version', {}, 2_000);
        return { dir, endpoint, cri, stop, stopDaemon };
      } catch {
        /* not serving yet */
      }
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`containerd did not answer within 30 s: ${tail(log)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * Restart `c`'s containerd as a node's service manager would: containerd alone is stopped (its shims and the
 * containers they run go on), then started again on the same directory and configuration. The new handle replaces `c`
 * (its `stop` cleans up everything, including what ran before the restart).
 */
export async function restartContainerd(
  c: PrivateContainerd,
  opts: { runtimes?: Record<string, string>; runtimesToml?: string; downMs?: number } = {},
): Promise<PrivateContainerd> {
  await c.stopDaemon();
  await new Promise((r) => setTimeout(r, opts.downMs ?? 0));
  return startContainerd(c.dir, opts);
}

/** Stop and remove every pod sandbox (and so its containers); errors are ignored, this is cleanup. */
async function removeAllPods(cri: CriClient): Promise<void> {
  try {
    const { items } = await cri.call('ListPodSandbox', {}, 10_000);
    for (const s of items) {
      await cri.call('StopPodSandbox', { pod_sandbox_id: s.id }, 30_000).catch(() => undefined);
      await cri.call('RemovePodSandbox', { pod_sandbox_id: s.id }, 30_000).catch(() => undefined);
    }
  } catch {
    /* containerd is gone */
  }
}

function readProc(pid: string, f: string): string {
  try {
    return fs.readFileSync(`/proc/${pid}/${f}`, 'utf8');
  } catch {
    return '';
  }
}

/** Pids of the shims serving containerd socket `sock`. */
function shimsOf(sock: string): string[] {
  return fs
    .readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((p) => {
      const argv = readProc(p, 'cmdline').split('\0');
      return path.basename(argv[0] ?? '').startsWith('containerd-shim') && argv.includes(sock);
    });
}

/** What a stopped private containerd left behind: its shims' pids and the mounts under its directory (both empty after `stop`). */
export function leftovers(c: PrivateContainerd): { shims: string[]; mounts: string[] } {
  const prefix = path.resolve(c.dir) + '/';
  const mounts = fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .filter((m) => m.startsWith(prefix));
  return { shims: shimsOf(path.join(c.dir, 'containerd.sock')), mounts };
}

/** Kill the shims serving `sock` and what they still run (only when containerd could not remove them). */
function killShims(sock: string): void {
  const procs = fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p));
  const read = readProc;
  for (const shim of shimsOf(sock)) {
    const children = procs.filter((p) => / \S+ (\d+) /.exec(read(p, 'stat').replace(/^.*\)/, ''))?.[1] === shim);
    for (const pid of [...children, shim])
      try {
        process.kill(Number(pid), 'SIGKILL');
      } catch {
        /* gone */
      }
  }
}

/** Build busybox and pause images from the busybox rootfs with podman (storage in `dir`) and import them into containerd's k8s.io namespace. */
export async function importImages(c: PrivateContainerd): Promise<void> {
  const dir = path.join(c.dir, 'images');
  fs.mkdirSync(dir, { recursive: true });
  const env = podmanEnv(dir);
  const tar = busyboxImageTar(dir);
  const steps: Array<[string, string[]]> = [
    ['podman', ['import', tar, BUSYBOX_IMAGE]],
    ['podman', ['import', '--change', 'CMD ["/bin/sleep", "2147483647"]', tar, PAUSE_IMAGE]],
  ];
  // one archive per image: podman save of several into one docker-archive loses the second image's config
  for (const [image, file] of [
    [BUSYBOX_IMAGE, 'busybox.tar'],
    [PAUSE_IMAGE, 'pause.tar'],
  ] as const) {
    const archive = path.join(dir, file);
    steps.push(['podman', ['save', '--format', 'docker-archive', '-o', archive, image]]);
    steps.push(['ctr', ['-a', socketOf(c), '-n', 'k8s.io', 'images', 'import', '--snapshotter', 'native', archive]]);
  }
  for (const [cmd, args] of steps) {
    const r = await run(cmd, args, env, { timeoutMs: 120_000 });
    if (r.exitCode !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.exitCode}): ${r.stderr.trim()}`);
  }
  unmountBelow(dir);
}

function socketOf(c: PrivateContainerd): string {
  return path.join(c.dir, 'containerd.sock');
}

/** A pod the test runs as the kubelet would: its sandbox id and the config every CreateContainer repeats. */
export interface TestPod {
  namespace: string;
  name: string;
  uid: string;
  sandboxId: string;
  config: PodSandboxConfig;
  logDir: string;
}

/** RunPodSandbox as the kubelet does for a hostNetwork pod (no hostname, no CNI), with its labels. */
export async function runPod(
  c: PrivateContainerd,
  namespace: string,
  name: string,
  opts: { runtimeHandler?: string; labels?: Record<string, string> } = {},
): Promise<TestPod> {
  const uid = `uid-${name}-${Date.now()}`;
  const logDir = path.join(c.dir, 'pods', `${namespace}_${name}_${uid}`);
  fs.mkdirSync(logDir, { recursive: true });
  const config: PodSandboxConfig = {
    metadata: { name, namespace, uid, attempt: 0 },
    log_directory: logDir,
    labels: {
      'io.kubernetes.pod.name': name,
      'io.kubernetes.pod.namespace': namespace,
      'io.kubernetes.pod.uid': uid,
      app: name,
      ...opts.labels,
    },
    linux: { security_context: { namespace_options: { network: 'NODE', pid: 'CONTAINER', ipc: 'POD' } } },
  };
  const { pod_sandbox_id } = await c.cri.call(
    'RunPodSandbox',
    { config, ...(opts.runtimeHandler ? { runtime_handler: opts.runtimeHandler } : {}) },
    60_000,
  );
  return { namespace, name, uid, sandboxId: pod_sandbox_id, config, logDir };
}

/** What a test container runs, and the security context the kubelet would send for it. */
export interface TestContainer {
  name: string;
  command: string[];
  image?: string;
  noNewPrivs?: boolean;
  /** An absolute path: seccomp profile_type Localhost with this localhost_ref. */
  seccompLocalhost?: string;
  /** Only create it (no StartContainer). */
  createOnly?: boolean;
  /** Host directories bound into the container (host path → container path). */
  mounts?: Record<string, string>;
  /** The whole security context (as the kubelet maps a Pod's), instead of noNewPrivs/seccompLocalhost. */
  securityContext?: CriSecurityContext;
}

/** CreateContainer (+ StartContainer) in `pod` with the kubelet's labels; the container id. */
export async function runContainer(c: PrivateContainerd, pod: TestPod, t: TestContainer): Promise<string> {
  const config: ContainerConfig = {
    metadata: { name: t.name, attempt: 0 },
    image: { image: t.image ?? BUSYBOX_IMAGE },
    command: t.command,
    log_path: `${t.name}.log`,
    mounts: Object.entries(t.mounts ?? {}).map(([host_path, container_path]) => ({ host_path, container_path })),
    labels: {
      'io.kubernetes.pod.name': pod.name,
      'io.kubernetes.pod.namespace': pod.namespace,
      'io.kubernetes.pod.uid': pod.uid,
      'io.kubernetes.container.name': t.name,
    },
    linux: {
      security_context: {
        namespace_options: { network: 'NODE', pid: 'CONTAINER', ipc: 'POD' },
        ...(t.securityContext ?? {
          no_new_privs: t.noNewPrivs ?? false,
          seccomp: t.seccompLocalhost
            ? { profile_type: 'Localhost', localhost_ref: t.seccompLocalhost }
            : { profile_type: 'Unconfined' },
        }),
      },
    },
  };
  const { container_id } = await c.cri.call(
    'CreateContainer',
    { pod_sandbox_id: pod.sandboxId, config, sandbox_config: pod.config },
    60_000,
  );
  if (!t.createOnly) await c.cri.call('StartContainer', { container_id }, 60_000);
  return container_id;
}

/** Wait until container `id` has exited; its status. */
export async function waitExited(c: PrivateContainerd, id: string, timeoutMs = 60_000): Promise<ContainerStatus> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const { status } = await c.cri.call('ContainerStatus', { container_id: id });
    if (status?.state === 'CONTAINER_EXITED') return status;
    if (Date.now() > deadline) throw new Error(`container ${id} still ${status?.state} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** What container `name` of `pod` wrote to stdout and stderr (the CRI log's text, one line each). */
export function containerLog(pod: TestPod, name: string): string {
  let text: string;
  try {
    text = fs.readFileSync(path.join(pod.logDir, `${name}.log`), 'utf8');
  } catch {
    return '';
  }
  // CRI log lines: TIMESTAMP STREAM P|F TEXT
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => l.split(' ').slice(3).join(' '))
    .join('\n');
}

/** StopPodSandbox + RemovePodSandbox. */
export async function removePod(c: PrivateContainerd, pod: TestPod): Promise<void> {
  await c.cri.call('StopPodSandbox', { pod_sandbox_id: pod.sandboxId }, 60_000);
  await c.cri.call('RemovePodSandbox', { pod_sandbox_id: pod.sandboxId }, 60_000);
}

/**
 * `tracewall verify --pod POD --seccomp PROFILE [extra] --runtime-endpoint ... --timeout 60 --json` started; once it
 * watches the pod's main container, that container is let go (the file `go` in the directory `goDir`, which the
 * container waits for in its /signal mount). Resolves when verify ends.
 */
export async function verifyReleased(
  c: PrivateContainerd,
  pod: string,
  seccomp: string,
  goDir: string,
  extra: string[] = [],
): Promise<{ t: CliProcess; done: Ended }> {
  const t = startCli([
    'verify',
    '--pod',
    pod,
    '--seccomp',
    seccomp,
    ...extra,
    '--runtime-endpoint',
    c.endpoint,
    '--timeout',
    '60',
    '--json',
  ]);
  await t.waitFor(/watching main of pod/, 60_000, 'verify to watch');
  fs.writeFileSync(path.join(goDir, 'go'), '');
  const done = await t.exited(90_000); // verify's own --timeout is 60 s
  return { t, done };
}
