// The values each option accepts, in one light module: commander lists them in --help and refuses others up front,
// and the verbs check them again when called as functions.
export { DIFF_FORMATS } from '../diff/formats.js';
/** reach --format. */
export { REACH_FORMATS } from '../reach/formats.js';
/** generate/check --spo-api-version: the security-profiles-operator API versions, newest first. */
export { SPO_API_VERSIONS } from '../render/spo-versions.js';

/** record --tracer. */
export const TRACERS = ['strace', 'bpftrace', 'ebpf', 'auto'] as const;
/** The container runtimes tracewall runs (record, verify). */
export const CONTAINER_RUNTIMES = ['crun', 'runc'] as const;
/** record --engine: the engines that can run a container to attach to (cri: a Kubernetes node's CRI runtime). */
export const ENGINES = ['docker', 'podman', 'cri'] as const;
/** generate/check --format: the seccomp profile formats. */
export const SECCOMP_FORMATS = ['docker', 'oci', 'spo'] as const;
/** generate/check --runtime: the runtime layer to add. */
export const LAYER_RUNTIMES = ['crun', 'runc', 'none'] as const;
/** generate/check --default-action. */
export const DEFAULT_ACTIONS = ['errno', 'kill-process', 'log'] as const;
/** generate/check --nnp. */
export const ON_OFF = ['on', 'off'] as const;
/** diff/check --fail-on and diff --min-risk: the risk levels, lowest first. */
export const RISK_LEVELS = ['low', 'medium', 'high', 'critical'] as const;
/** verify --mode. */
export const VERIFY_MODES = ['log', 'enforce'] as const;
/** converge --format. */
export const CONVERGE_FORMATS = ['text', 'markdown', 'json'] as const;
