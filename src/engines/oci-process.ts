// The container's process as the engine configured it: read from the config.json it handed the runtime.
import { badInput } from '../errors.js';
import type { OciConfig } from '../trace/bundle.js';

/** What the recording needs to know about the container's entrypoint. */
export interface OciProcess {
  argv: string[];
  cwd: string;
  uid: number;
  gid: number;
  noNewPrivileges: boolean;
  /** The well-formed entries of config.json's mounts (bind sources are host paths). */
  mounts: NonNullable<OciConfig['mounts']>;
}

/** Parse an OCI config.json's `process`; `where` names the file in messages. */
export function ociProcess(text: string, where: string): OciProcess {
  let config: unknown;
  try {
    config = JSON.parse(text);
  } catch (err) {
    throw badInput(`${where} is not valid JSON: ${(err as Error).message}`, err);
  }
  const proc = isObject(config) ? config.process : undefined;
  if (!isObject(proc)) throw badInput(`${where}: expected a "process" object`);
  const args = proc.args;
  if (!Array.isArray(args) || args.length === 0 || !args.every((a): a is string => typeof a === 'string')) {
    throw badInput(`${where}: expected process.args to be a non-empty array of strings`);
  }
  const cwd = typeof proc.cwd === 'string' && proc.cwd.startsWith('/') ? proc.cwd : '/';
  const user = isObject(proc.user) ? proc.user : {};
  const mounts = (isObject(config) && Array.isArray(config.mounts) ? config.mounts : []).filter(
    (m): m is NonNullable<OciConfig['mounts']>[number] =>
      isObject(m) &&
      typeof m.destination === 'string' &&
      (m.source === undefined || typeof m.source === 'string') &&
      (m.options === undefined || (Array.isArray(m.options) && m.options.every((o) => typeof o === 'string'))),
  );
  return {
    argv: [...args],
    cwd,
    uid: id(user.uid),
    gid: id(user.gid),
    noNewPrivileges: proc.noNewPrivileges === true,
    mounts,
  };
}

function id(v: unknown): number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0 ? v : 0;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
