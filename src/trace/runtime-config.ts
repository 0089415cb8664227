// An OCI bundle's config.json: read and checked, and copied to a temporary bundle with changes (a seccomp profile)
// so that the user's bundle is never modified.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { badInput } from '../errors.js';
import { describe, parseOciConfig, type OciConfig } from '../parse/oci-config.js';

export type { OciConfig };

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
  const { config, process: proc } = parseOciConfig(text, configPath);
  const rootfs = rootPath(abs, configPath, config.root);
  return {
    dir: abs,
    configPath,
    config,
    rootfs,
    argv: proc.argv,
    cwd: proc.cwd,
    uid: proc.uid,
    gid: proc.gid,
    hasPidNamespace: proc.hasPidNamespace,
    noNewPrivileges: proc.noNewPrivileges,
    terminal: proc.terminal,
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

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
