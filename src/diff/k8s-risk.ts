// The Kubernetes rules of the risk catalogue: which securityContext and pod-level changes widen, and how much.
import type { DiffRisk } from './types.js';

/** A rated rule. */
export interface K8sRule {
  level: DiffRisk;
  why: string;
}

/** The rules, by name; k8s-diff.ts applies them and docs/risk-catalogue.md lists them. */
export const K8S_RISK = {
  privileged: {
    level: 'critical',
    why: 'privileged: true: every capability, every device, no seccomp or AppArmor confinement',
  },
  allowPrivilegeEscalation: {
    level: 'high',
    why: 'allowPrivilegeEscalation no longer false: set-user-id programs and file capabilities work again',
  },
  runAsNonRoot: { level: 'high', why: 'runAsNonRoot no longer true: the container may run as root' },
  runAsUserRoot: { level: 'high', why: 'runAsUser: 0: the container runs as root' },
  readOnlyRootFilesystem: {
    level: 'medium',
    why: 'readOnlyRootFilesystem no longer true: the image can be modified at run time',
  },
  seccompUnconfined: { level: 'critical', why: 'seccompProfile Unconfined: every syscall allowed' },
  seccompUnset: { level: 'high', why: 'no seccompProfile: Unconfined unless the kubelet runs with --seccomp-default' },
  seccompRuntimeDefault: {
    level: 'medium',
    why: 'seccompProfile RuntimeDefault instead of a tailored Localhost profile: allows far more syscalls',
  },
  seccompPath: { level: 'info', why: 'a different Localhost seccomp profile: diff the profiles themselves' },
  apparmorUnconfined: { level: 'high', why: 'appArmorProfile Unconfined: no AppArmor confinement' },
  apparmorDefault: {
    level: 'medium',
    why: "the runtime's default AppArmor profile instead of a tailored Localhost profile",
  },
  apparmorPath: { level: 'info', why: 'a different Localhost AppArmor profile: diff the profiles themselves' },
  procMountUnmasked: { level: 'high', why: 'procMount Unmasked: /proc paths the runtime masks become visible' },
  hostNamespace: { level: 'high', why: 'shares a host namespace (network, pid or ipc)' },
  hostUsers: {
    level: 'medium',
    why: 'hostUsers no longer false: the pod leaves its user namespace and runs with host ids',
  },
  shareProcessNamespace: { level: 'low', why: "containers of the pod see and signal each other's processes" },
  sysctl: { level: 'medium', why: 'a new sysctl set for the pod' },
  hostPath: { level: 'high', why: 'a new hostPath volume: host files inside the container' },
  hostPathCritical: {
    level: 'critical',
    why: 'a hostPath volume of a host system directory or container runtime socket',
  },
  container: {
    level: 'info',
    why: 'a container added or removed; an added one is also compared with a restricted baseline',
  },
  otherField: { level: 'info', why: 'another securityContext field changed' },
} as const satisfies Record<string, K8sRule>;

/** The capabilities a container runtime (containerd, CRI-O, Docker) grants when a container does not drop ALL. */
export const RUNTIME_DEFAULT_CAPABILITIES: readonly string[] = [
  'AUDIT_WRITE',
  'CHOWN',
  'DAC_OVERRIDE',
  'FOWNER',
  'FSETID',
  'KILL',
  'MKNOD',
  'NET_BIND_SERVICE',
  'NET_RAW',
  'SETFCAP',
  'SETGID',
  'SETPCAP',
  'SETUID',
  'SYS_CHROOT',
];

/** Host paths whose hostPath volume is critical (themselves or anything below them), and any *.sock file. */
export const CRITICAL_HOST_PATHS: readonly string[] = [
  '/',
  '/boot',
  '/dev',
  '/etc',
  '/proc',
  '/root',
  '/run',
  '/sys',
  '/var/lib/containerd',
  '/var/lib/docker',
  '/var/lib/kubelet',
  '/var/run',
];

/** The rule for a hostPath volume of `path`. */
export function hostPathRule(path: string): K8sRule {
  const p = path.replace(/\/+$/, '') || '/';
  const critical =
    p.endsWith('.sock') || CRITICAL_HOST_PATHS.some((d) => p === d || (d !== '/' && p.startsWith(`${d}/`)));
  return critical ? K8S_RISK.hostPathCritical : K8S_RISK.hostPath;
}
