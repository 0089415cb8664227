// `tracewall runtime install --containerd`: write the wrapper runtime a containerd handler runs instead of runc, and
// print containerd's config for the handler and the RuntimeClass that selects it. `runtime finish` is what the wrapper
// runs when a container ends.
import path from 'node:path';
import { toolMissing } from '../errors.js';
import { TOOL_VERSION } from '../version.js';
import { socketPath } from '../cri/client.js';
import {
  containerdSnippet,
  finishCriSession,
  HANDLER_NAME,
  installCriWrapper,
  nodePaths,
  runtimeClassManifest,
} from '../cri/handler.js';
import { wrapperSpec } from '../engines/trace-engine.js';
import { fromRoot } from '../util/paths.js';

/** `runtime install --containerd [--dir DIR] [--runtime-endpoint E]`. */
export async function runtimeInstallCommand(opts: { dir: string; runtimeEndpoint: string }): Promise<number> {
  if (process.getuid?.() !== 0)
    throw toolMissing(
      'runtime install writes where containerd runs it from and the recordings are kept: run it as root',
    );
  socketPath(opts.runtimeEndpoint);
  const dir = path.resolve(opts.dir);
  const spec = wrapperSpec('runc', nodePaths(dir).sessions);
  const wrapper = installCriWrapper(dir, {
    realRuntime: spec.realRuntime,
    strace: spec.strace,
    finish: [
      process.execPath,
      fromRoot('bin', 'tracewall'),
      'runtime',
      'finish',
      '--dir',
      dir,
      '--runtime-endpoint',
      opts.runtimeEndpoint,
    ],
  });
  process.stderr.write(
    `tracewall: wrote the wrapper runtime ${wrapper} (runc ${spec.realRuntime} under strace for each container of handler ${HANDLER_NAME});\n` +
      `tracewall: recordings will be written to ${nodePaths(dir).recordings}/NAMESPACE/POD/CONTAINER.recording.json as containers end\n`,
  );
  process.stdout.write(
    `# --- containerd: /etc/containerd/config.toml ---\n${containerdSnippet(wrapper)}` +
      `# --- Kubernetes: kubectl apply -f, then give a pod spec.runtimeClassName: ${HANDLER_NAME} ---\n${runtimeClassManifest()}`,
  );
  return 0;
}

/** `runtime finish SESSION --dir DIR --runtime-endpoint E` (run by the wrapper, in the background, as a container ends). */
export async function runtimeFinishCommand(
  session: string,
  opts: { dir: string; runtimeEndpoint: string },
): Promise<number> {
  const file = await finishCriSession(path.resolve(session), {
    recordingsDir: nodePaths(path.resolve(opts.dir)).recordings,
    endpoint: opts.runtimeEndpoint,
    handler: HANDLER_NAME,
    toolVersion: TOOL_VERSION,
  });
  process.stderr.write(`tracewall: wrote ${file}\n`);
  return 0;
}
