// Running OCI bundles with crun and runc: the one module the rest of tracewall imports for containers.
// Reading a bundle: runtime-config.ts; command lines: runtime-command.ts; running: runtime-run.ts; cgroups: cgroup-layout.ts.

export { readBundle, prepareBundle, type BundleInfo, type OciConfig, type PreparedBundle } from './runtime-config.js';
export {
  cgroupLayout,
  cgroupMounts,
  parseCgroupMounts,
  type CgroupLayout,
  type CgroupMounts,
} from './cgroup-layout.js';
export {
  runtimeCommand,
  runtimeVersion,
  deleteContainer,
  deleteContainerSync,
  uniqueContainerId,
  findTool,
  RUNTIME_PACKAGES,
  type RuntimeName,
  type RuntimeCommand,
} from './runtime-command.js';
export {
  deleteLiveContainersSync,
  runBundle,
  startBundle,
  type RunOptions,
  type RunResult,
  type RunningBundle,
} from './runtime-run.js';
