// An OCI bundle's config.json: read and checked, and copied to a temporary bundle with changes (a seccomp profile)
// so that the user's bundle is never modified.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { badInput } from '../errors.js';

/** The parts of an OCI runtime config that tracewall reads or writes; everything else is carried through untouched. */
export interface OciConfig {
  ociVersion?: string;
  process?: {
    terminal?: boolean;
    user?: { uid?: number; gid?: number; additionalGids?: number[] };
    args?: string[];
    env?: string[];
    cwd?: string;
    noNewPrivileges?: boolean;
    [key: string]: unknown;
  };
  root?: { path?: string; readonly?: boolean };
  mounts?: Array<{ destination: string; type?: string; source?: string; options?: string[] }>;
  linux?: {
    namespaces?: Array<{ type: string; path?: string }>;
    seccomp?: unknown;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

/** What tracewall needs to know about a bundle, checked. */
export interface BundleInfo {
  /** Absolute bundle directory. */
  dir: string;
  configPath: string;
  config: OciConfig;
  /** Absolute path of the root filesystem (root.path resolved against the bundle). */
  rootfs: string;
  argv: string[];
  cwd: string;
  uid: number;
  gid: number;
  /** The container has its own pid namespace (new, or joined by path): its pids differ from the host's. */
  hasPidNamespace: boolean;
  noNewPrivileges: boolean;
  terminal: boolean;
}

/** Read and check DIR/config.json; any problem is a badInput error naming the file and what was expected. */
export function readBundle(dir: string): BundleInfo {
  const abs = path.resolve(dir);
  let st: fs.Stats;
  try {
    st = fs.statSync(abs);
  } catch {
    throw badInput(
      `bundle directory ${abs} does not exist: expected an OCI bundle (a directory with config.json and a root filesystem)`,
    );
  }
  if (!st.isDirectory())
    throw badInput(`bundle ${abs} is not a directory: expected an OCI bundle directory with config.json`);
  const configPath = path.join(abs, 'config.json');
  let text: string;
  try {
    text = fs.readFileSync(configPath, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw badInput(
      `${configPath} ${code === 'ENOENT' ? 'not found' : `cannot be read (${code ?? String(err)})`}: expected an OCI bundle with config.json (\`runc spec\` writes one)`,
      err,
    );
  }
  let config: unknown;
  try {
    config = JSON.parse(text);
  } catch (err) {
    throw badInput(`${configPath} is not valid JSON: ${(err as Error).message}`, err);
  }
  if (!isObject(config)) throw badInput(`${configPath}: expected a JSON object, found ${describe(config)}`);
  const oci = config as OciConfig;
  const proc = oci.process;
  if (!isObject(proc)) throw badInput(`${configPath}: expected a "process" object, found ${describe(proc)}`);
  const args = proc.args;
  if (!Array.isArray(args) || args.length === 0 || !args.every((a) => typeof a === 'string')) {
    throw badInput(`${configPath}: expected process.args to be a non-empty array of strings, found ${describe(args)}`);
  }
  const cwd = proc.cwd ?? '/';
  if (typeof cwd !== 'string' || !cwd.startsWith('/'))
    throw badInput(`${configPath}: expected process.cwd to be an absolute path, found ${describe(cwd)}`);
  const user = proc.user ?? {};
  if (!isObject(user)) throw badInput(`${configPath}: expected process.user to be an object, found ${describe(user)}`);
  const uid = idField(configPath, 'process.user.uid', user.uid);
  const gid = idField(configPath, 'process.user.gid', user.gid);
  const rootfs = rootPath(abs, configPath, oci.root);
  const namespaces = oci.linux?.namespaces ?? [];
  if (!Array.isArray(namespaces))
    throw badInput(`${configPath}: expected linux.namespaces to be an array, found ${describe(namespaces)}`);
  return {
    dir: abs,
    configPath,
    config: oci,
    rootfs,
    argv: [...args],
    cwd,
    uid,
    gid,
    hasPidNamespace: namespaces.some((ns) => isObject(ns) && ns.type === 'pid'),
    noNewPrivileges: proc.noNewPrivileges === true,
    terminal: proc.terminal === true,
  };
}

/** A temporary copy of a bundle's config (same root filesystem, absolute paths) with changes applied. */
export interface PreparedBundle {
  dir: string;
  config: OciConfig;
  /** Removes the temporary directory. */
  remove: () => void;
}

/** Copy the bundle's config.json to a new temporary bundle; `seccomp` replaces linux.seccomp when given. */
export function prepareBundle(bundle: BundleInfo, changes: { seccomp?: object } = {}): PreparedBundle {
  const config = structuredClone(bundle.config);
  config.root = { ...(config.root ?? {}), path: bundle.rootfs };
  // Bind sources may be relative to the bundle; the copy lives elsewhere.
  if (Array.isArray(config.mounts)) {
    for (const m of config.mounts) {
      const bind = m.type === 'bind' || (m.options ?? []).some((o) => o === 'bind' || o === 'rbind');
      if (bind && typeof m.source === 'string' && !path.isAbsolute(m.source))
        m.source = path.resolve(bundle.dir, m.source);
    }
  }
  if (changes.seccomp !== undefined) config.linux = { ...(config.linux ?? {}), seccomp: changes.seccomp };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tracewall-bundle-'));
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config, null, 2) + '\n', { mode: 0o600 });
  return { dir, config, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

function rootPath(bundleDir: string, configPath: string, root: OciConfig['root']): string {
  if (!isObject(root) || typeof root.path !== 'string' || root.path === '') {
    throw badInput(`${configPath}: expected root.path to name the root filesystem, found ${describe(root)}`);
  }
  const rootfs = path.resolve(bundleDir, root.path);
  let st: fs.Stats;
  try {
    st = fs.lstatSync(rootfs);
  } catch {
    throw badInput(
      `${configPath}: root.path ${rootfs} does not exist: expected the container's root filesystem directory`,
    );
  }
  if (st.isSymbolicLink()) {
    let target = '';
    try {
      target = fs.realpathSync(rootfs);
    } catch {
      /* dangling */
    }
    throw badInput(
      `${configPath}: root.path ${rootfs} is a symbolic link${target ? ` to ${target}` : ''}; runc refuses that: point root.path at the directory itself`,
    );
  }
  if (!st.isDirectory())
    throw badInput(`${configPath}: root.path ${rootfs} is not a directory: expected the container's root filesystem`);
  return rootfs;
}

function idField(configPath: string, name: string, value: unknown): number {
  if (value === undefined) return 0;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0)
    throw badInput(`${configPath}: expected ${name} to be a non-negative integer, found ${describe(value)}`);
  return value;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
