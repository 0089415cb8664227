// What the kubelet sends the CRI for a container's securityContext (kubelet's kuberuntime security_context.go): the
// mapping that decides whether tracewall's Pod snippet means on a node what it says. Pure.
import { badInput } from '../errors.js';
import type { ContainerConfig, SecurityProfile } from './types.js';

/** The CRI's LinuxContainerSecurityContext, the fields tracewall sends. */
export type CriSecurityContext = NonNullable<NonNullable<ContainerConfig['linux']>['security_context']>;

/** A Kubernetes container securityContext, the fields tracewall's snippet writes. */
export interface KubeSecurityContext {
  allowPrivilegeEscalation?: boolean;
  privileged?: boolean;
  readOnlyRootFilesystem?: boolean;
  runAsUser?: number;
  runAsGroup?: number;
  runAsNonRoot?: boolean;
  capabilities?: { add?: string[]; drop?: string[] };
  seccompProfile?: { type: string; localhostProfile?: string };
  appArmorProfile?: { type: string; localhostProfile?: string };
}

const PROFILE_TYPES: Readonly<Record<string, SecurityProfile['profile_type']>> = {
  RuntimeDefault: 'RuntimeDefault',
  Unconfined: 'Unconfined',
  Localhost: 'Localhost',
};

function profileOf(
  field: string,
  p: { type: string; localhostProfile?: string },
  ref: (name: string) => string,
): SecurityProfile {
  const type = PROFILE_TYPES[p.type];
  if (!type)
    throw badInput(
      `securityContext.${field}.type ${JSON.stringify(p.type)}: expected RuntimeDefault, Unconfined or Localhost`,
    );
  if (type !== 'Localhost') return { profile_type: type };
  if (!p.localhostProfile) throw badInput(`securityContext.${field}: type Localhost needs localhostProfile`);
  return { profile_type: type, localhost_ref: ref(p.localhostProfile) };
}

/**
 * The CRI LinuxContainerSecurityContext the kubelet sends for `sc`: seccomp Localhost as the absolute path under
 * `seccompRoot`; no_new_privs when privilege escalation is not allowed; AppArmor only where the node has AppArmor (a
 * kubelet on a node without it refuses such pods; `apparmor: false` leaves it out). runAsNonRoot is the kubelet's own
 * check against the image's user, not a CRI field: with it and no runAsUser, the caller must know the image's user.
 */
export function kubeletSecurityContext(
  sc: KubeSecurityContext,
  opts: { seccompRoot: string; apparmor: boolean },
): CriSecurityContext {
  if (sc.runAsNonRoot && sc.runAsUser === 0) throw badInput('securityContext: runAsNonRoot with runAsUser 0');
  const out: CriSecurityContext = {
    privileged: sc.privileged ?? false,
    readonly_rootfs: sc.readOnlyRootFilesystem ?? false,
    // kubelet: AllowPrivilegeEscalation nil means allowed (no_new_privs false)
    no_new_privs: sc.allowPrivilegeEscalation === false,
    capabilities: { add_capabilities: sc.capabilities?.add ?? [], drop_capabilities: sc.capabilities?.drop ?? [] },
  };
  if (sc.runAsUser !== undefined) out.run_as_user = { value: sc.runAsUser };
  if (sc.runAsGroup !== undefined) out.run_as_group = { value: sc.runAsGroup };
  const root = opts.seccompRoot.replace(/\/+$/, '');
  if (sc.seccompProfile) out.seccomp = profileOf('seccompProfile', sc.seccompProfile, (p) => `${root}/${p}`);
  if (sc.appArmorProfile && opts.apparmor) out.apparmor = profileOf('appArmorProfile', sc.appArmorProfile, (p) => p);
  return out;
}
