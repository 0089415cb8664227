// Pod Security Standards, "restricted" level (which includes "baseline"): does a container securityContext, with its
// pod's securityContext and spec, meet it? Follows kubernetes.io/docs/concepts/security/pod-security-standards.

/** A seccomp or AppArmor profile reference. */
export interface ProfileRef {
  type: string;
  localhostProfile?: string;
}

/** The container securityContext fields the standards look at. */
export interface ContainerSecurityContext {
  allowPrivilegeEscalation?: boolean;
  appArmorProfile?: ProfileRef;
  capabilities?: { add?: string[]; drop?: string[] };
  privileged?: boolean;
  procMount?: string;
  readOnlyRootFilesystem?: boolean;
  runAsGroup?: number;
  runAsNonRoot?: boolean;
  runAsUser?: number;
  seLinuxOptions?: { type?: string; user?: string; role?: string; level?: string };
  seccompProfile?: ProfileRef;
  windowsOptions?: { hostProcess?: boolean };
}

/** The pod securityContext fields the standards look at. */
export interface PodSecurityContext {
  appArmorProfile?: ProfileRef;
  runAsGroup?: number;
  runAsNonRoot?: boolean;
  runAsUser?: number;
  seLinuxOptions?: { type?: string; user?: string; role?: string; level?: string };
  seccompProfile?: ProfileRef;
  sysctls?: Array<{ name: string; value: string }>;
  windowsOptions?: { hostProcess?: boolean };
}

/** Pod spec fields outside securityContext that the standards restrict. */
export interface PodSpecFacts {
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  volumes?: Array<{ name: string } & Record<string, unknown>>;
}

/** A field that fails the standard, and why. */
export interface PssViolation {
  field: string;
  reason: string;
}

/** The verdict: meets, or the fields that fail and why. */
export interface RestrictedVerdict {
  meets: boolean;
  violations: PssViolation[];
}

/** Options of evaluateRestricted. */
export interface EvaluateOptions {
  /** How to name the container's securityContext in messages (default spec.containers[0].securityContext). */
  containerField?: string;
}

const ALLOWED_VOLUMES = new Set([
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'persistentVolumeClaim',
  'projected',
  'secret',
]);
const ALLOWED_SELINUX_TYPES = new Set(['container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t']);
const SAFE_SYSCTLS = new Set([
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
]);
const PROFILE_TYPES = new Set(['RuntimeDefault', 'Localhost']);

function checkSeLinux(field: string, o: ContainerSecurityContext['seLinuxOptions'], out: PssViolation[]): void {
  if (!o) return;
  if (o.type !== undefined && o.type !== '' && !ALLOWED_SELINUX_TYPES.has(o.type))
    out.push({
      field: `${field}.seLinuxOptions.type`,
      reason: `must be unset or one of ${[...ALLOWED_SELINUX_TYPES].join(', ')} (baseline)`,
    });
  if (o.user) out.push({ field: `${field}.seLinuxOptions.user`, reason: 'must be unset (baseline)' });
  if (o.role) out.push({ field: `${field}.seLinuxOptions.role`, reason: 'must be unset (baseline)' });
}

/** Evaluate the "restricted" Pod Security Standard for one container (and its pod, where given). */
export function evaluateRestricted(
  sc: ContainerSecurityContext,
  pod: PodSecurityContext = {},
  spec: PodSpecFacts = {},
  opts: EvaluateOptions = {},
): RestrictedVerdict {
  const c = opts.containerField ?? 'spec.containers[0].securityContext';
  const p = 'spec.securityContext';
  const v: PssViolation[] = [];

  if (sc.privileged === true) v.push({ field: `${c}.privileged`, reason: 'must be unset or false (baseline)' });
  if (sc.windowsOptions?.hostProcess === true || pod.windowsOptions?.hostProcess === true)
    v.push({ field: `${c}.windowsOptions.hostProcess`, reason: 'must be unset or false (baseline)' });
  for (const k of ['hostNetwork', 'hostPID', 'hostIPC'] as const) {
    if (spec[k] === true)
      v.push({ field: `spec.${k}`, reason: 'must be unset or false: no sharing of host namespaces (baseline)' });
  }
  if (sc.procMount !== undefined && sc.procMount !== 'Default')
    v.push({ field: `${c}.procMount`, reason: 'must be unset or Default (baseline)' });
  for (const [field, ref] of [
    [`${p}.appArmorProfile`, pod.appArmorProfile],
    [`${c}.appArmorProfile`, sc.appArmorProfile],
  ] as const) {
    if (ref && !PROFILE_TYPES.has(ref.type))
      v.push({ field: `${field}.type`, reason: 'must be unset, RuntimeDefault or Localhost (baseline)' });
  }
  checkSeLinux(p, pod.seLinuxOptions, v);
  checkSeLinux(c, sc.seLinuxOptions, v);
  for (const s of pod.sysctls ?? []) {
    if (!SAFE_SYSCTLS.has(s.name))
      v.push({ field: `${p}.sysctls`, reason: `${JSON.stringify(s.name)} is not one of the safe sysctls (baseline)` });
  }

  for (const vol of spec.volumes ?? []) {
    const types = Object.keys(vol).filter((k) => k !== 'name');
    const bad = types.filter((t) => !ALLOWED_VOLUMES.has(t));
    if (bad.length > 0)
      v.push({
        field: `spec.volumes[${JSON.stringify(vol.name)}]`,
        reason: `volume type ${bad.join(', ')} is not allowed; only ${[...ALLOWED_VOLUMES].join(', ')}`,
      });
  }
  if (sc.allowPrivilegeEscalation !== false)
    v.push({ field: `${c}.allowPrivilegeEscalation`, reason: 'must be false' });
  if (!(sc.capabilities?.drop ?? []).includes('ALL'))
    v.push({ field: `${c}.capabilities.drop`, reason: 'must include ALL' });
  const added = (sc.capabilities?.add ?? []).filter((x) => x !== 'NET_BIND_SERVICE');
  if (added.length > 0)
    v.push({ field: `${c}.capabilities.add`, reason: `may only add NET_BIND_SERVICE; adds ${added.join(', ')}` });

  const nonRoot = sc.runAsNonRoot ?? pod.runAsNonRoot;
  if (nonRoot !== true)
    v.push({
      field: `${c}.runAsNonRoot`,
      reason: sc.runAsNonRoot === false ? 'must not be false' : 'must be true (here or in the pod securityContext)',
    });
  if (sc.runAsUser === 0) v.push({ field: `${c}.runAsUser`, reason: 'must not be 0' });
  if (pod.runAsUser === 0) v.push({ field: `${p}.runAsUser`, reason: 'must not be 0' });

  if (pod.seccompProfile && !PROFILE_TYPES.has(pod.seccompProfile.type))
    v.push({ field: `${p}.seccompProfile.type`, reason: 'must be RuntimeDefault or Localhost' });
  if (sc.seccompProfile && !PROFILE_TYPES.has(sc.seccompProfile.type))
    v.push({ field: `${c}.seccompProfile.type`, reason: 'must be RuntimeDefault or Localhost' });
  if (!sc.seccompProfile && !pod.seccompProfile)
    v.push({
      field: `${c}.seccompProfile`,
      reason: 'must be set to RuntimeDefault or Localhost (here or in the pod securityContext)',
    });

  return { meets: v.length === 0, violations: v };
}
