// The one reader of an OCI runtime config.json (runtime-spec): a bundle the user gives, or the config an engine hands
// its runtime. Pure: text in, checked values out; every refusal names the file, the field, and what was expected.
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

/** The container's process as the config describes it. */
export interface OciProcess {
  argv: string[];
  cwd: string;
  uid: number;
  gid: number;
  noNewPrivileges: boolean;
  terminal: boolean;
  /** The well-formed entries of `mounts` (a bind's source is a host path, possibly relative to the bundle). */
  mounts: NonNullable<OciConfig['mounts']>;
  /** The container has its own pid namespace (new, or joined by path): its pids differ from the host's. */
  hasPidNamespace: boolean;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** A value for a message: its JSON, cut short. */
export function describe(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

function idField(where: string, name: string, value: unknown): number {
  if (value === undefined) return 0;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0)
    throw badInput(`${where}: expected ${name} to be a non-negative integer, found ${describe(value)}`);
  return value;
}

function wellFormedMount(m: unknown): m is NonNullable<OciConfig['mounts']>[number] {
  return (
    isObject(m) &&
    typeof m.destination === 'string' &&
    (m.source === undefined || typeof m.source === 'string') &&
    (m.options === undefined || (Array.isArray(m.options) && m.options.every((o) => typeof o === 'string')))
  );
}

/** Parse config.json text; `where` names the file in messages. */
export function parseOciConfig(text: string, where: string): { config: OciConfig; process: OciProcess } {
  let config: unknown;
  try {
    config = JSON.parse(text);
  } catch (err) {
    throw badInput(`${where} is not valid JSON: ${(err as Error).message}`, err);
  }
  if (!isObject(config)) throw badInput(`${where}: expected a JSON object, found ${describe(config)}`);
  const proc = config.process;
  if (!isObject(proc)) throw badInput(`${where}: expected a "process" object, found ${describe(proc)}`);
  const args = proc.args;
  if (!Array.isArray(args) || args.length === 0 || !args.every((a): a is string => typeof a === 'string'))
    throw badInput(`${where}: expected process.args to be a non-empty array of strings, found ${describe(args)}`);
  const cwd = proc.cwd ?? '/';
  if (typeof cwd !== 'string' || !cwd.startsWith('/'))
    throw badInput(`${where}: expected process.cwd to be an absolute path, found ${describe(cwd)}`);
  const user = proc.user ?? {};
  if (!isObject(user)) throw badInput(`${where}: expected process.user to be an object, found ${describe(user)}`);
  const linux = isObject(config.linux) ? config.linux : {};
  const namespaces = linux.namespaces ?? [];
  if (!Array.isArray(namespaces))
    throw badInput(`${where}: expected linux.namespaces to be an array, found ${describe(namespaces)}`);
  const process: OciProcess = {
    argv: [...args],
    cwd,
    uid: idField(where, 'process.user.uid', user.uid),
    gid: idField(where, 'process.user.gid', user.gid),
    noNewPrivileges: proc.noNewPrivileges === true,
    terminal: proc.terminal === true,
    mounts: (Array.isArray(config.mounts) ? config.mounts : []).filter(wellFormedMount),
    hasPidNamespace: namespaces.some((ns) => isObject(ns) && ns.type === 'pid'),
  };
  return { config: config as OciConfig, process };
}
