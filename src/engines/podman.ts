// The podman engine: no daemon, so each run is handed the wrapper runtime's path (`podman --runtime PATH run ...`). The
// wrapper lives at a stable path because podman remembers a container's runtime for later stop/rm/start calls.
import path from 'node:path';
import { toolMissing } from '../errors.js';
import { engineCli, firstLine, runtimeDir, type Engine } from './engine.js';

/** The podman engine, configured as the user's podman is (containers.conf, storage.conf, CONTAINERS_CONF...). */
export const podman: Engine = {
  name: 'podman',
  async check() {
    const r = await engineCli('podman', ['version', '--format', '{{.Client.Version}}']);
    if (r.exitCode !== 0)
      throw toolMissing(`podman does not work here: ${firstLine(r.stderr) || `exit ${String(r.exitCode)}`}`);
  },
  async runtime(requested) {
    if (requested !== undefined) return requested;
    const r = await engineCli('podman', ['info', '--format', '{{.Host.OCIRuntime.Name}}']);
    const name = r.stdout.trim();
    if (r.exitCode !== 0)
      throw toolMissing(`podman info failed: ${firstLine(r.stderr) || `exit ${String(r.exitCode)}`}`);
    if (name === 'crun' || name === 'runc') return name;
    throw toolMissing(
      `podman's runtime is ${JSON.stringify(name)}; tracewall records with crun or runc: pass --runtime crun or --runtime runc`,
    );
  },
  async wrapperPath(runtime) {
    return path.join(runtimeDir(), `podman-runtime-${runtime}`);
  },
  runArgv(wrapper, cidFile, userArgs) {
    return ['podman', '--runtime', wrapper, 'run', '--cidfile', cidFile, ...userArgs];
  },
  async version() {
    const r = await engineCli('podman', ['version', '--format', '{{.Client.Version}}']);
    return r.exitCode === 0 && r.stdout ? r.stdout : 'unknown';
  },
  async imageId(image) {
    const r = await engineCli('podman', ['image', 'inspect', '--format', '{{.Id}}', image]);
    if (r.exitCode !== 0 || !r.stdout) return undefined;
    return r.stdout.includes(':') ? r.stdout : `sha256:${r.stdout}`;
  },
  async stop(id, graceSeconds) {
    await engineCli('podman', ['stop', '-t', String(graceSeconds), id], (graceSeconds + 30) * 1000);
  },
  async kill(id) {
    await engineCli('podman', ['kill', id], 30_000);
  },
};
