// The securityContext a container effectively runs with: container fields over pod fields, capabilities resolved
// against the runtime's default set, seccomp and AppArmor profiles (fields or the legacy annotation) as one label.
import { asObject, byCodeUnit } from '../util/json.js';
import type { K8sContainer } from './k8s-model.js';
import { RUNTIME_DEFAULT_CAPABILITIES } from './k8s-risk.js';

/** The effective settings diff compares; undefined means unset. */
export interface EffectiveContext {
  privileged?: boolean;
  allowPrivilegeEscalation?: boolean;
  runAsNonRoot?: boolean;
  runAsUser?: number;
  readOnlyRootFilesystem?: boolean;
  procMount?: string;
  /** "Localhost:<path>", "RuntimeDefault", "Unconfined", or "" when unset. */
  seccomp: string;
  apparmor: string;
  /** Effective capability names (upper case, no CAP_), sorted; which of them come from the runtime default set. */
  capabilities: string[];
  fromDefaults: string[];
  /** Every other field, flattened to "path: JSON value". */
  other: Record<string, string>;
}

/** Fields with a rule of their own; the rest are compared as "other". */
const RATED = new Set([
  'privileged',
  'allowPrivilegeEscalation',
  'runAsNonRoot',
  'runAsUser',
  'readOnlyRootFilesystem',
  'procMount',
  'seccompProfile',
  'appArmorProfile',
  'capabilities',
]);
/** Fields a container inherits from the pod's securityContext. */
const INHERITED = [
  'runAsNonRoot',
  'runAsUser',
  'runAsGroup',
  'seccompProfile',
  'appArmorProfile',
  'seLinuxOptions',
  'windowsOptions',
];

function profileLabel(value: unknown): string {
  const o = asObject(value);
  if (!o) return '';
  const type = typeof o.type === 'string' ? o.type : '?';
  return type === 'Localhost' ? `Localhost:${typeof o.localhostProfile === 'string' ? o.localhostProfile : ''}` : type;
}

function annotationLabel(value: string | undefined): string {
  if (value === undefined) return '';
  if (value === 'runtime/default') return 'RuntimeDefault';
  if (value === 'unconfined') return 'Unconfined';
  return value.startsWith('localhost/') ? `Localhost:${value.slice('localhost/'.length)}` : value;
}

function capName(value: unknown): string | undefined {
  return typeof value === 'string' ? value.toUpperCase().replace(/^CAP_/, '') : undefined;
}

function flatten(value: unknown, path: string, out: Record<string, string>): void {
  const o = asObject(value);
  if (o && Object.keys(o).length > 0) {
    for (const k of Object.keys(o).sort(byCodeUnit)) flatten(o[k], path === '' ? k : `${path}.${k}`, out);
  } else {
    out[path] = JSON.stringify(value);
  }
}

/** The effective securityContext of a container. */
export function effectiveContext(c: K8sContainer): EffectiveContext {
  const merged: Record<string, unknown> = {};
  for (const k of INHERITED) if (k in c.podSecurityContext) merged[k] = c.podSecurityContext[k];
  Object.assign(merged, c.securityContext);
  const caps = asObject(merged.capabilities);
  const drop = new Set(
    (Array.isArray(caps?.drop) ? caps.drop : []).map(capName).filter((x): x is string => x !== undefined),
  );
  const add = (Array.isArray(caps?.add) ? caps.add : []).map(capName).filter((x): x is string => x !== undefined);
  const defaults = drop.has('ALL') ? [] : RUNTIME_DEFAULT_CAPABILITIES.filter((n) => !drop.has(n));
  const effective = [...new Set([...defaults, ...add])].sort(byCodeUnit);
  const other: Record<string, string> = {};
  for (const k of Object.keys(merged).sort(byCodeUnit)) if (!RATED.has(k)) flatten(merged[k], k, other);
  const ctx: EffectiveContext = {
    seccomp: profileLabel(merged.seccompProfile),
    apparmor: profileLabel(merged.appArmorProfile) || annotationLabel(c.apparmorAnnotation),
    capabilities: effective,
    fromDefaults: defaults.filter((n) => !add.includes(n)),
    other,
  };
  if (typeof merged.privileged === 'boolean') ctx.privileged = merged.privileged;
  if (typeof merged.allowPrivilegeEscalation === 'boolean')
    ctx.allowPrivilegeEscalation = merged.allowPrivilegeEscalation;
  if (typeof merged.runAsNonRoot === 'boolean') ctx.runAsNonRoot = merged.runAsNonRoot;
  if (typeof merged.runAsUser === 'number') ctx.runAsUser = merged.runAsUser;
  if (typeof merged.readOnlyRootFilesystem === 'boolean') ctx.readOnlyRootFilesystem = merged.readOnlyRootFilesystem;
  if (typeof merged.procMount === 'string') ctx.procMount = merged.procMount;
  return ctx;
}

/** The baseline an added container is compared with: the Pod Security Standards "restricted" settings. */
export const RESTRICTED_BASELINE: EffectiveContext = {
  privileged: false,
  allowPrivilegeEscalation: false,
  runAsNonRoot: true,
  readOnlyRootFilesystem: true,
  seccomp: 'RuntimeDefault',
  apparmor: 'RuntimeDefault',
  capabilities: [],
  fromDefaults: [],
  other: {},
};
