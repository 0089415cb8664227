// The docker engine: containers run through a runtime named "tracewall" that dockerd must have registered (it runs
// runtimes itself, so tracewall cannot hand it a path per run); tracewall writes the wrapper at the registered path.
import path from 'node:path';
import { badInput, toolMissing } from '../errors.js';
import type { RuntimeName } from '../trace/runtime-command.js';
import { engineCli, firstLine, runtimeDir, type Engine } from './engine.js';

/** The runtime name `record --docker` runs containers with. */
export const DOCKER_RUNTIME_NAME = 'tracewall';

/** The one-time daemon setup `record --docker` needs, as a message with the exact lines to add. */
export function dockerSetupHint(): string {
  const file = path.join(runtimeDir(), 'docker-runtime');
  return (
    `register tracewall's wrapper runtime with dockerd once: add ${JSON.stringify({ runtimes: { [DOCKER_RUNTIME_NAME]: { path: file } } })} ` +
    `to /etc/docker/daemon.json (or start dockerd with --add-runtime ${DOCKER_RUNTIME_NAME}=${file}) and reload it ` +
    '(systemctl reload docker, or kill -HUP the dockerd pid); tracewall writes the wrapper at that path itself on every record'
  );
}

/** Parse `docker info --format '{{json .Runtimes}}'`: the path registered for "tracewall", or undefined. */
export function registeredWrapper(runtimesJson: string): string | undefined {
  let runtimes: unknown;
  try {
    runtimes = JSON.parse(runtimesJson);
  } catch {
    return undefined;
  }
  if (runtimes === null || typeof runtimes !== 'object') return undefined;
  const entry = (runtimes as Record<string, unknown>)[DOCKER_RUNTIME_NAME];
  const p = entry !== null && typeof entry === 'object' ? (entry as { path?: unknown }).path : undefined;
  return typeof p === 'string' ? p : undefined;
}

/** The docker engine (the daemon named by DOCKER_HOST or the CLI's context). */
export const docker: Engine = {
  name: 'docker',
  async check() {
    const r = await engineCli('docker', ['version', '--format', '{{.Server.Version}}']);
    if (r.exitCode !== 0) {
      throw toolMissing(
        `docker cannot reach a daemon: ${firstLine(r.stderr) || `exit ${String(r.exitCode)}`} (start dockerd, or set DOCKER_HOST to its socket)`,
      );
    }
  },
  async runtime(requested) {
    // dockerd's containers run with runc here: crun refuses the hybrid cgroup layout docker leaves it.
    if (requested !== undefined && requested !== 'runc')
      throw badInput(
        `record --docker --runtime ${requested}: docker containers are recorded with runc (docker's own runtime); drop --runtime or use --runtime runc`,
      );
    return 'runc' satisfies RuntimeName;
  },
  async wrapperPath() {
    const r = await engineCli('docker', ['info', '--format', '{{json .Runtimes}}']);
    if (r.exitCode !== 0)
      throw toolMissing(`docker info failed: ${firstLine(r.stderr) || `exit ${String(r.exitCode)}`}`);
    const file = registeredWrapper(r.stdout);
    if (file === undefined)
      throw toolMissing(`dockerd has no runtime named "${DOCKER_RUNTIME_NAME}": ${dockerSetupHint()}`);
    if (!path.isAbsolute(file)) {
      throw toolMissing(
        `dockerd's runtime "${DOCKER_RUNTIME_NAME}" is ${JSON.stringify(file)}, not an absolute path tracewall can write its wrapper to: ${dockerSetupHint()}`,
      );
    }
    return file;
  },
  runArgv(_wrapper, cidFile, userArgs) {
    return ['docker', 'run', '--cidfile', cidFile, '--runtime', DOCKER_RUNTIME_NAME, ...userArgs];
  },
  async version() {
    const r = await engineCli('docker', ['version', '--format', '{{.Server.Version}}']);
    return r.exitCode === 0 && r.stdout ? r.stdout : 'unknown';
  },
  async imageId(image) {
    const r = await engineCli('docker', ['image', 'inspect', '--format', '{{.Id}}', image]);
    return r.exitCode === 0 && r.stdout ? r.stdout : undefined;
  },
  async stop(id, graceSeconds) {
    await engineCli('docker', ['stop', '-t', String(graceSeconds), id], (graceSeconds + 30) * 1000);
  },
  async kill(id) {
    await engineCli('docker', ['kill', id], 30_000);
  },
};
