// Resolving executed paths after a run, in the traced processes' view: the host's for a command, the container's
// (root filesystem plus bind mounts of its config.json) for a bundle. Reads symlinks and the first bytes of files.
import fs from 'node:fs';
import path from 'node:path';
import type { ExecLookup, ExecTarget } from '../analyze/exec-resolve.js';
import type { BundleInfo } from './bundle.js';

/** Maps an absolute path in the traced view to a host path. */
export type ToHost = (p: string) => string;

const MAX_LINKS = 40;

/** Resolve every symlink in `p` inside the view, as the kernel would (absolute links restart at the view's root). */
export function realpathIn(p: string, toHost: ToHost): string | undefined {
  let parts = p.split('/').filter(Boolean);
  let done: string[] = [];
  let hops = 0;
  while (parts.length > 0) {
    const part = parts.shift()!;
    if (part === '.') continue;
    if (part === '..') {
      done.pop();
      continue;
    }
    const here = '/' + [...done, part].join('/');
    let st: fs.Stats;
    try {
      st = fs.lstatSync(toHost(here));
    } catch {
      return undefined;
    }
    if (!st.isSymbolicLink()) {
      done.push(part);
      continue;
    }
    if (++hops > MAX_LINKS) return undefined;
    const target = fs.readlinkSync(toHost(here));
    if (target.startsWith('/')) done = [];
    parts = [...target.split('/').filter(Boolean), ...parts];
  }
  return '/' + done.join('/');
}

/** The interpreter of a `#!` script (first word after `#!`), or undefined. */
function interpreterOf(hostPath: string): string | undefined {
  let fd: number | undefined;
  try {
    fd = fs.openSync(hostPath, 'r');
    const buf = Buffer.alloc(256);
    const n = fs.readSync(fd, buf, 0, buf.length, 0);
    const head = buf.subarray(0, n).toString('latin1');
    if (!head.startsWith('#!')) return undefined;
    const line = head.slice(2).split('\n')[0]!.trim();
    const interp = line.split(/[ \t]/)[0];
    return interp && interp.startsWith('/') ? interp : undefined;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** Resolves executed paths (symlinks, `#!` interpreter) in the view that `toHost` maps to host paths. */
export function lookupIn(toHost: ToHost): ExecLookup {
  return (p: string): ExecTarget | undefined => {
    const resolved = realpathIn(p, toHost);
    if (resolved === undefined) return undefined;
    const interpreter = interpreterOf(toHost(resolved));
    return interpreter ? { resolved, interpreter } : { resolved };
  };
}

/** Paths as the host sees them (a traced command). */
export function hostExecLookup(): ExecLookup {
  return lookupIn((p) => p);
}

/** Paths as the container sees them: its bind mounts (longest destination first), else its root filesystem. */
export function bundleExecLookup(bundle: BundleInfo): ExecLookup {
  return lookupIn(bundleToHost(bundle));
}

/** Where a path of the container's view is on the host: under the bind mount that covers it, else in its rootfs. */
export function bundleToHost(bundle: BundleInfo): ToHost {
  const binds = (bundle.config.mounts ?? [])
    .filter((m) => m.source && (m.type === 'bind' || (m.options ?? []).some((o) => o === 'bind' || o === 'rbind')))
    .map((m) => ({ dest: path.posix.normalize(m.destination), source: path.resolve(bundle.dir, m.source!) }))
    .sort((a, b) => b.dest.length - a.dest.length);
  return (p) => {
    for (const b of binds) {
      if (p === b.dest || p.startsWith(b.dest === '/' ? '/' : b.dest + '/'))
        return path.join(b.source, p.slice(b.dest.length));
    }
    return path.join(bundle.rootfs, p);
  };
}

/**
 * Paths as a running process sees them (its root and mounts, through /proc/PID/root). Once it is gone nothing resolves
 * (its view cannot be reached any more, and the host's may differ): each exec is then reported as unresolved.
 */
export function processExecLookup(pid: number): ExecLookup {
  const root = `/proc/${pid}/root`;
  const inView = lookupIn((p) => path.join(root, p));
  return (p) => (fs.existsSync(root) ? inView(p) : undefined);
}
