// `record --container ID`: which engine runs the container, its init's host pid and pid namespace, and the Recording
// target (image, argv, cwd, runtime, no_new_privs) read from the engine's own description of the container.
import fs from 'node:fs';
import path from 'node:path';
import { badInput, toolMissing } from '../errors.js';
import { runtimeVersion } from '../trace/bundle.js';
import type { Target } from '../recording/types.js';
import { ociProcess } from './oci-process.js';
import { engineCli, firstLine } from './engine.js';
import { ENGINES } from './trace-engine.js';
import type { EngineName } from './run-args.js';

export interface RunningContainer {
  /** Something the recording should say (the container shares the host's pid namespace, ...). */
  warnings: string[];
  engine: EngineName;
  /** The full id. */
  id: string;
  /** Host pid of the container's init process. */
  pid: number;
  /** Inode of the container's pid namespace, when it has one of its own. */
  pidNamespace?: number;
  target: Extract<Target, { kind: 'docker' | 'podman' }>;
}

interface Inspected {
  Id?: string;
  Path?: string;
  Args?: string[] | null;
  Image?: string;
  ImageName?: string;
  OCIRuntime?: string;
  OCIConfigPath?: string;
  State?: { Pid?: number; Running?: boolean; Status?: string };
  Config?: { Image?: string; WorkingDir?: string };
  HostConfig?: { SecurityOpt?: string[] | null; Runtime?: string };
}

/** The container runtime an engine names: "runc", "crun", or a path or wrapper name containing one of them. */
function runtimeOf(engine: EngineName, named: string | undefined): 'crun' | 'runc' {
  const base = path.basename(named ?? '');
  if (base.includes('crun')) return 'crun';
  if (base.includes('runc')) return 'runc';
  // docker's registered "tracewall" wrapper, or an engine default: docker runs runc, podman crun
  return engine === 'docker' ? 'runc' : 'crun';
}

/** The engine's JSON for `ref`, or why it has none. */
async function inspect(engine: EngineName, ref: string): Promise<Inspected | string> {
  const r = await engineCli(engine, ['inspect', '--type', 'container', ref], 30_000);
  if (r.exitCode !== 0) return firstLine(r.stderr) || `${engine} inspect exited ${r.exitCode}`;
  try {
    const list = JSON.parse(r.stdout) as Inspected[];
    return list[0] ?? `${engine} inspect printed no container`;
  } catch {
    return `${engine} inspect printed something that is not JSON`;
  }
}

/** Find running container `ref` with `engine`, or with docker and then podman; badInput naming what each engine said. */
export async function findContainer(ref: string, engine?: EngineName): Promise<RunningContainer> {
  if (ref === '' || ref.startsWith('-'))
    throw badInput(`container ${JSON.stringify(ref)}: expected a container id or name`);
  const tried: string[] = [];
  for (const name of engine ? [engine] : (['docker', 'podman'] as const)) {
    let got: Inspected | string;
    try {
      got = await inspect(name, ref);
    } catch (err) {
      // not installed: the other engine may still know it
      if (engine) throw err;
      tried.push(`${name}: ${(err as Error).message}`);
      continue;
    }
    if (typeof got === 'string') {
      tried.push(`${name}: ${got}`);
      continue;
    }
    return describe(name, ref, got);
  }
  throw badInput(`container ${ref}: no such container (${tried.join('; ')})`);
}

/**
 * The pid namespace of a container's init `pid` when it is the container's own; when it is the host's, none and a
 * warning (`who` names the container, `enter` how processes enter it). badInput naming `what` when it cannot be read.
 */
export function ownPidNamespace(
  pid: number,
  what: string,
  who: string,
  enter: string,
): { pidNamespace?: number; warnings: string[] } {
  try {
    const inode = (p: string): number => Number(/\[(\d+)\]/.exec(fs.readlinkSync(p))?.[1]);
    const ns = inode(`/proc/${pid}/ns/pid`);
    // --pid=host (or another container's): the namespace is not the container's own, so only its init's tree counts
    if (ns !== inode('/proc/self/ns/pid')) return { pidNamespace: ns, warnings: [] };
    return {
      warnings: [
        `${who} shares the host's pid namespace: only its init and what that starts were recorded, not processes entering it later (${enter})`,
      ],
    };
  } catch (err) {
    throw badInput(`${what}: cannot read the pid namespace of its init (pid ${pid}): ${(err as Error).message}`, err);
  }
}

async function describe(engine: EngineName, ref: string, c: Inspected): Promise<RunningContainer> {
  const pid = c.State?.Pid ?? 0;
  if (!c.State?.Running || pid <= 0)
    throw badInput(
      `container ${ref}: the ${engine} container is ${c.State?.Status ?? 'not running'}; attach needs a running one`,
    );
  const { pidNamespace, warnings } = ownPidNamespace(
    pid,
    `container ${ref}`,
    `the ${engine} container`,
    `${engine} exec`,
  );
  const runtime = runtimeOf(engine, engine === 'podman' ? c.OCIRuntime : c.HostConfig?.Runtime);
  // podman names the config.json it handed the runtime: process.args/cwd/noNewPrivileges exactly as run
  let proc: { argv: string[]; cwd: string; noNewPrivileges: boolean } | undefined;
  if (c.OCIConfigPath) {
    try {
      proc = ociProcess(fs.readFileSync(c.OCIConfigPath, 'utf8'), c.OCIConfigPath);
    } catch {
      proc = undefined;
    }
  }
  const secOpts = c.HostConfig?.SecurityOpt ?? [];
  proc ??= {
    argv: [c.Path ?? '', ...(c.Args ?? [])].filter((a, i) => i > 0 || a !== ''),
    cwd: c.Config?.WorkingDir || '/',
    noNewPrivileges: secOpts.some((o) => /^no-new-privileges(?:[:=]true)?$/.test(o)),
  };
  let engineVersion: string;
  try {
    engineVersion = await ENGINES[engine].version();
  } catch (err) {
    throw toolMissing(`container ${ref}: ${(err as Error).message}`, err);
  }
  const image = c.ImageName || c.Config?.Image || c.Image || '';
  return {
    warnings,
    engine,
    id: c.Id ?? ref,
    pid,
    ...(pidNamespace !== undefined ? { pidNamespace } : {}),
    target: {
      kind: engine,
      image,
      ...(c.Image && c.Image !== image ? { imageId: c.Image } : {}),
      engineVersion,
      runtime,
      runtimeVersion: await runtimeVersion(runtime),
      argv: proc.argv,
      cwd: proc.cwd,
      noNewPrivileges: proc.noNewPrivileges,
      attached: { container: c.Id ?? ref, pid },
    },
  };
}
