// Command lines that run an OCI bundle with crun or runc in the foreground, on this host's cgroup layout.
import fs from 'node:fs';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { execa } from 'execa';
import { badInput, toolMissing } from '../errors.js';
import { readBundle } from './runtime-config.js';
import { cgroupMounts, type CgroupMounts } from './cgroup-layout.js';

/** The OCI runtimes tracewall drives. */
export type RuntimeName = 'crun' | 'runc';

/** The Debian package that provides each tool tracewall runs for containers. */
export const RUNTIME_PACKAGES: Readonly<Record<RuntimeName | 'unshare', string>> = {
  crun: 'crun',
  runc: 'runc',
  unshare: 'util-linux',
};

/** A foreground command for one container, and how to remove what it may leave behind. */
export interface RuntimeCommand {
  argv: string[];
  id: string;
  runtime: RuntimeName;
  /** Deletes the container's state (and kills what is left of it); safe to call more than once. */
  cleanup: () => Promise<void>;
}

/** A container id nobody else uses: prefix, our pid, random hex. */
export function uniqueContainerId(prefix = 'tracewall'): string {
  return `${prefix}-${process.pid}-${randomBytes(6).toString('hex')}`;
}

/** The absolute path of a tool on PATH, or a toolMissing error naming the Debian package to install. */
export function findTool(tool: RuntimeName | 'unshare'): string {
  for (const dir of (process.env.PATH ?? '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin').split(':')) {
    if (!dir) continue;
    const candidate = path.join(dir, tool);
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return candidate;
    } catch {
      // not in this directory
    }
  }
  throw toolMissing(
    `${tool} is not installed or not on PATH: install the Debian package ${RUNTIME_PACKAGES[tool]} (apt-get install ${RUNTIME_PACKAGES[tool]})`,
  );
}

/**
 * `run --bundle DIR ID` for the runtime. runc runs as is on every layout. crun refuses the hybrid layout even with
 * --cgroup-manager=disabled, so on hybrid it runs in a private mount namespace where the cgroup2 mount below
 * /sys/fs/cgroup is detached first; it then sees a v1 host and manages v1 cgroups as usual.
 */
export function runtimeCommand(
  bundleDir: string,
  runtime: RuntimeName,
  opts: { id: string; cgroups?: CgroupMounts },
): RuntimeCommand {
  const bundle = readBundle(bundleDir);
  if (bundle.terminal)
    throw badInput(
      `${bundle.configPath}: process.terminal is true; tracewall runs containers without a terminal (the runtime would need a console socket): set it to false`,
    );
  if (!/^[A-Za-z0-9][A-Za-z0-9_.+-]*$/.test(opts.id))
    throw badInput(`container id ${JSON.stringify(opts.id)}: expected letters, digits and _ . + - only`);
  const bin = findTool(runtime);
  const run = [bin, 'run', '--bundle', path.resolve(bundleDir), opts.id];
  const cgroups = opts.cgroups ?? cgroupMounts();
  const argv = runtime === 'crun' && cgroups.layout === 'hybrid' ? privateCgroupView(cgroups, run) : run;
  return { argv, id: opts.id, runtime, cleanup: () => deleteContainer(runtime, opts.id) };
}

/** `unshare -m` + lazy unmount of the cgroup2 mounts + exec of the command; the command stays the same pid. */
function privateCgroupView(cgroups: CgroupMounts, command: string[]): string[] {
  const unshare = findTool('unshare');
  // "$@" carries the command, so no path is ever parsed by the shell.
  const script = `${cgroups.v2Below.map((m) => `umount -l '${m.replace(/'/g, `'\\''`)}'`).join(' && ')} && exec "$@"`;
  return [unshare, '--mount', '--propagation', 'private', '--', '/bin/sh', '-c', script, 'sh', ...command];
}

/** `delete -f ID`: kills what is left of the container and removes its state; a container that is gone is fine. */
export async function deleteContainer(runtime: RuntimeName, id: string): Promise<void> {
  await execa(runtime, ['delete', '-f', id], { reject: false, stdin: 'ignore', timeout: 20_000 });
}

/** The same, synchronously, for process exit handlers. */
export function deleteContainerSync(runtime: RuntimeName, id: string): void {
  spawnSync(runtime, ['delete', '-f', id], { stdio: 'ignore', timeout: 20_000 });
}

/** The runtime's version ("1.8.1"); toolMissing with the Debian package when it is not installed. */
export async function runtimeVersion(runtime: RuntimeName): Promise<string> {
  const bin = findTool(runtime);
  const r = await execa(bin, ['--version'], { reject: false, stdin: 'ignore', timeout: 10_000 });
  const m = /version\s+v?(\d+\.\d+\.\d+)/.exec(r.stdout);
  if (r.exitCode !== 0 || !m?.[1]) {
    throw toolMissing(
      `${bin} --version did not report a version (exit ${r.exitCode ?? r.signal}): ${r.stderr.trim() || r.stdout.trim()}; reinstall the Debian package ${RUNTIME_PACKAGES[runtime]}`,
    );
  }
  return m[1];
}
