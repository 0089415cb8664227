// Test helpers for container tests: skip reasons that are printed, temporary dirs, ports, waits, process checks.
// The bundle builders themselves live in src/examples/bundles.ts (the demo uses them too).
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';

export * from '../../src/examples/bundles.js';

const BUSYBOX = '/bin/busybox';

/** Why container tests cannot run here (not root, a tool missing), printed once; undefined when they can. */
export function needRoot(...tools: string[]): string | undefined {
  const why = skipReason(tools);
  if (why && !announced.has(why)) {
    announced.add(why);
    console.warn(`skipped: ${why}`);
  }
  return why;
}
const announced = new Set<string>();

const PACKAGES: Record<string, string> = {
  crun: 'crun',
  runc: 'runc',
  strace: 'strace',
  busybox: 'busybox-static',
  nginx: 'nginx-light',
  'redis-server': 'redis-server',
  'redis-cli': 'redis-tools',
  unshare: 'util-linux',
  nsenter: 'util-linux',
  ip: 'iproute2',
  curl: 'curl',
};

function skipReason(tools: string[]): string | undefined {
  if (process.platform !== 'linux') return `container tests need Linux, this is ${process.platform}`;
  if (process.getuid?.() !== 0) return `container tests need root (running as uid ${process.getuid?.()})`;
  for (const tool of ['busybox', ...tools]) {
    const found = tool === 'busybox' ? fs.existsSync(BUSYBOX) : onPath(tool);
    if (!found) return `${tool} is not installed (apt-get install ${PACKAGES[tool] ?? tool})`;
  }
  return undefined;
}

function onPath(tool: string): boolean {
  return (process.env.PATH ?? '').split(':').some((d) => {
    try {
      fs.accessSync(path.join(d, tool), fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

/** A fresh temporary directory; remove it with `rmTemp`. */
export function makeTemp(prefix = 'tracewall-test-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** A temporary directory handing out fresh, numbered subdirectories; `remove` deletes it all (call it in afterAll). */
export function scratchDirs(prefix: string): { dirFor: (name: string) => string; remove: () => void } {
  const work = makeTemp(prefix);
  let n = 0;
  return {
    dirFor: (name) => {
      const dir = path.join(work, `${name}-${++n}`);
      fs.mkdirSync(dir, { recursive: true });
      return dir;
    },
    remove: () => rmTemp(work),
  };
}

/** Remove a temporary directory made by makeTemp. */
export function rmTemp(dir: string): void {
  fs.rmSync(dir, { recursive: true, force: true });
}

/** A TCP port on 127.0.0.1 that was free a moment ago. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      srv.close(() => (addr && typeof addr === 'object' ? resolve(addr.port) : reject(new Error('no port'))));
    });
  });
}

/** Resolve once 127.0.0.1:PORT accepts a connection; reject after timeoutMs. */
export async function waitForPort(port: number, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const sock = net.connect({ port, host: '127.0.0.1' });
      sock.once('connect', () => {
        sock.destroy();
        resolve(true);
      });
      sock.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > deadline) throw new Error(`nothing listened on 127.0.0.1:${port} within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** The pid namespace ("pid:[N]") of a running container's init, from the runtime's state; undefined until it runs. */
export function containerPidNamespace(runtime: 'crun' | 'runc', id: string): string | undefined {
  const r = spawnSync(runtime, ['state', id], { encoding: 'utf8' });
  if (r.status !== 0) return undefined;
  const pid = (JSON.parse(r.stdout) as { pid?: number }).pid;
  if (!pid) return undefined;
  try {
    return fs.readlinkSync(`/proc/${pid}/ns/pid`);
  } catch {
    return undefined;
  }
}

/** Host pids of the processes in a pid namespace: a container's processes; empty once it is gone. */
export function processesInPidNamespace(ns: string): number[] {
  const out: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (fs.readlinkSync(`/proc/${name}/ns/pid`) === ns) out.push(Number(name));
    } catch {
      // exited meanwhile
    }
  }
  return out;
}

/** Poll `probe` until it returns a value; reject after timeoutMs. */
export async function waitFor<T>(what: string, probe: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Whether the runtime still has state for container `id`. */
export function containerExists(runtime: 'crun' | 'runc', id: string): boolean {
  return spawnSync(runtime, ['state', id], { stdio: 'ignore' }).status === 0;
}
