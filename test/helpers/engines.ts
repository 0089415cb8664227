// Test helpers for container engines: a private dockerd (own data/exec root, socket, pidfile, "tracewall" runtime)
// started and stopped by the test, private podman storage and config, a busybox image imported from a rootfs tarball,
// and running the built CLI with the engine's environment. Everything lives in one temporary directory.
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { execa } from 'execa';
import { makeBusyboxBundle } from '../../src/examples/bundles.js';
import { BIN } from '../e2e/helpers.js';

/** Why engine tests cannot run here (not root, a tool missing), printed; undefined when they can. */
export function needEngine(engine: 'docker' | 'podman'): string | undefined {
  const tools: Record<string, string> =
    engine === 'docker'
      ? {
          strace: 'strace',
          runc: 'runc',
          tar: 'tar',
          docker: 'docker.io',
          dockerd: 'docker.io',
          containerd: 'containerd',
        }
      : {
          strace: 'strace',
          runc: 'runc',
          crun: 'crun',
          unshare: 'util-linux',
          tar: 'tar',
          podman: 'podman',
          conmon: 'conmon',
        };
  let why: string | undefined;
  if (process.platform !== 'linux') why = `${engine} tests need Linux, this is ${process.platform}`;
  else if (process.getuid?.() !== 0) why = `${engine} tests need root (running as uid ${process.getuid?.()})`;
  else if (!fs.existsSync('/bin/busybox')) why = 'busybox is not installed (apt-get install busybox-static)';
  else {
    const missing = Object.keys(tools).filter((t) => !onPath(t));
    if (missing.length)
      why = `${missing.join(', ')} not installed (apt-get install ${[...new Set(missing.map((t) => tools[t]))].join(' ')})`;
  }
  if (why) console.warn(`skipped ${engine} e2e: ${why}`);
  return why;
}

/** Whether `tool` is an executable on PATH. */
export function onPath(tool: string): boolean {
  return (process.env.PATH ?? '').split(':').some((d) => {
    try {
      fs.accessSync(path.join(d, tool), fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** A name no parallel test run uses: prefix, pid, random hex. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${process.pid}-${randomBytes(4).toString('hex')}`;
}

/** The environment a test gives the engine CLI and tracewall. */
export type EngineEnv = Record<string, string>;

/** Run a command with `env` added to ours; never throws on a non-zero exit. */
export async function run(file: string, args: string[], env: EngineEnv, opts: { timeoutMs?: number } = {}) {
  const r = await execa(file, args, {
    env: { ...process.env, ...env },
    reject: false,
    stdin: 'ignore',
    stripFinalNewline: false,
    timeout: opts.timeoutMs ?? 120_000,
  });
  return {
    exitCode: r.exitCode ?? null,
    signal: r.signal ?? null,
    stdout: String(r.stdout ?? ''),
    stderr: String(r.stderr ?? ''),
  };
}

/** Run the built tracewall with `env` added (DOCKER_HOST, CONTAINERS_CONF, ...). */
export function tracewallIn(env: EngineEnv, args: string[], opts: { timeoutMs?: number } = {}) {
  return run(process.execPath, [BIN, ...args], env, opts);
}

/** A tar of the busybox rootfs that src/examples/bundles.ts builds, for `docker import` / `podman import`. */
export function busyboxImageTar(dir: string): string {
  const bundle = makeBusyboxBundle(path.join(dir, 'image-bundle'), { args: ['/bin/sh'] });
  const tar = path.join(dir, 'busybox-rootfs.tar');
  const r = spawnSync('tar', ['-C', bundle.rootfs, '-cf', tar, '.'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`tar of ${bundle.rootfs} failed: ${r.stderr}`);
  fs.rmSync(path.join(dir, 'image-bundle'), { recursive: true, force: true });
  return tar;
}

/** A dockerd of the test's own. */
export interface PrivateDockerd {
  /** DOCKER_HOST for it. */
  env: EngineEnv;
  /** The path registered as runtime "tracewall" (tracewall writes its wrapper there). */
  runtimePath: string;
  /** Stop dockerd (and its containerd), unmount what it left, remove nothing else. */
  stop: () => Promise<void>;
}

/** Daemons the tests started: killed when the test process exits, whatever happened. */
export const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const p of live)
    try {
      p.kill('SIGKILL');
    } catch {
      /* gone */
    }
});

/**
 * Start dockerd in `dir` with private data/exec roots, no iptables or bridge, cgroupfs; resolves once it answers, or rejects with dockerd's own words. It
 * reads a config file of its own (not /etc/docker/daemon.json), which puts its identity key in `dir` too (dockerd 20.10
 * writes /etc/docker/key.json otherwise; later versions have no such key or setting, so it is dropped when refused).
 */
export async function startDockerd(dir: string): Promise<PrivateDockerd> {
  try {
    return await startDockerdWith(dir, { 'deprecated-key-path': path.join(dir, 'key.json') });
  } catch (err) {
    if (!/deprecated-key-path/.test((err as Error).message)) throw err;
    return startDockerdWith(dir, {});
  }
}

async function startDockerdWith(dir: string, config: Record<string, string>): Promise<PrivateDockerd> {
  const configFile = path.join(dir, 'daemon.json');
  fs.writeFileSync(configFile, JSON.stringify(config) + '\n');
  const sock = path.join(dir, 'docker.sock');
  const runtimePath = path.join(dir, 'tracewall', 'docker-runtime');
  const log = path.join(dir, 'dockerd.log');
  const out = fs.openSync(log, 'w');
  const args = [
    '--config-file',
    configFile,
    '--data-root',
    path.join(dir, 'data'),
    '--exec-root',
    path.join(dir, 'exec'),
    '--pidfile',
    path.join(dir, 'dockerd.pid'),
    '-H',
    `unix://${sock}`,
    '--iptables=false',
    '--ip6tables=false',
    '--bridge=none',
    '--storage-driver=overlay2',
    '--exec-opt',
    'native.cgroupdriver=cgroupfs',
    '--add-runtime',
    `tracewall=${runtimePath}`,
  ];
  // TMPDIR: containerd drops goroutine dumps (containerd.PID.stacks.log) there; keep them in the test's directory
  const child = spawn('dockerd', args, { stdio: ['ignore', out, out], env: { ...process.env, TMPDIR: dir } });
  fs.closeSync(out);
  live.add(child);
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      live.delete(child);
      resolve();
    }),
  );
  const env = { DOCKER_HOST: `unix://${sock}` };
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(timer);
    }
    unmountBelow(dir);
  };
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`dockerd exited (${child.exitCode ?? child.signalCode}): ${tail(log)}`);
    }
    const r = await run('docker', ['version', '--format', '{{.Server.Version}}'], env, { timeoutMs: 10_000 });
    if (r.exitCode === 0) return { env, runtimePath, stop };
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`dockerd did not answer within 30 s: ${tail(log)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Podman configured to keep all its state in `dir`: vfs storage, cgroupfs, file locks and events, nofile/nproc ulimits. */
export function podmanEnv(dir: string): EngineEnv {
  const conf = path.join(dir, 'containers.conf');
  const storage = path.join(dir, 'storage.conf');
  const q = (p: string) => JSON.stringify(path.join(dir, p));
  fs.writeFileSync(
    conf,
    [
      '[containers]',
      'default_ulimits = ["nofile=20000:20000", "nproc=4096:4096"]',
      '[engine]',
      'cgroup_manager = "cgroupfs"',
      'events_logger = "file"',
      `events_logfile_path = ${q('events.log')}`,
      `tmp_dir = ${q('libpod-tmp')}`,
      `volume_path = ${q('volumes')}`,
      'lock_type = "file"',
      '[network]',
      `network_config_dir = ${q('networks')}`,
      '',
    ].join('\n'),
  );
  fs.writeFileSync(
    storage,
    ['[storage]', 'driver = "vfs"', `graphroot = ${q('storage')}`, `runroot = ${q('run')}`, ''].join('\n'),
  );
  return {
    CONTAINERS_CONF: conf,
    CONTAINERS_STORAGE_CONF: storage,
    TRACEWALL_RUNTIME_DIR: path.join(dir, 'tracewall'),
  };
}

/** Why podman cannot run containers here, or undefined: one real `podman run` with `runtime`, printed when it fails. */
export async function podmanWorks(env: EngineEnv, image: string, runtime: string): Promise<string | undefined> {
  const r = await run('podman', ['--runtime', runtime, 'run', '--rm', '--network', 'none', image, '/bin/true'], env, {
    timeoutMs: 60_000,
  });
  return r.exitCode === 0
    ? undefined
    : `podman run with ${path.basename(runtime)} failed (exit ${r.exitCode}): ${r.stderr.trim().split('\n').pop()}`;
}

/** Lazily unmount whatever is still mounted below `dir` (overlay layers, shm of a killed dockerd). */
export function unmountBelow(dir: string): void {
  const prefix = path.resolve(dir) + '/';
  const mounts = fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4]?.replace(/\\040/g, ' '))
    .filter((m): m is string => !!m && m.startsWith(prefix))
    .sort((a, b) => b.length - a.length);
  for (const m of mounts) spawnSync('umount', ['-l', m], { stdio: 'ignore' });
}

/** The last lines of a daemon's log, for an error message. */
export function tail(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8').trim().split('\n').slice(-3).join(' | ');
  } catch {
    return '(no log)';
  }
}
