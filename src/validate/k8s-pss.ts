// validate's Pod Security Standards check of a pod spec: each container with its pod against "restricted" (pss.ts).
// What breaks "baseline" (privileged, host namespaces, hostPath, capabilities beyond the baseline set, ...) is a
// warning; what only misses "restricted" (runAsNonRoot, drop ALL, ...) is info.
import {
  evaluateRestricted,
  type ContainerSecurityContext,
  type PodSecurityContext,
  type PodSpecFacts,
  type PssViolation,
} from '../render/pss.js';
import { RUNTIME_DEFAULT_CAPABILITIES } from '../diff/k8s-risk.js';
import { finding, type Finding } from './types.js';
import { asObject } from '../util/json.js';

/** Capabilities the baseline level lets a container add: the runtimes' default set without NET_RAW (kubernetes.io). */
const BASELINE_CAPABILITIES: ReadonlySet<string> = new Set(RUNTIME_DEFAULT_CAPABILITIES.filter((c) => c !== 'NET_RAW'));

type Located = { value: Record<string, unknown>; pointer: string };

/** The JSON pointer of a dotted field evaluateRestricted names, given the container's and the pod's pointers. */
function pointerOf(field: string, container: string, pod: string): string {
  const rest = (prefix: string): string => field.slice(prefix.length).replace(/\./g, '/');
  if (field.startsWith('C.')) return `${container}/securityContext/${rest('C.')}`;
  if (field.startsWith('spec.volumes')) return `${pod}/volumes`;
  if (field.startsWith('spec.')) return `${pod}/${rest('spec.')}`;
  return pod;
}

/** The level a violation breaks, and its message. */
function rate(
  v: PssViolation,
  sc: ContainerSecurityContext,
  spec: PodSpecFacts,
): { baseline: boolean; reason: string } {
  if (v.field === 'C.capabilities.add') {
    const beyond = (sc.capabilities?.add ?? []).filter((c) => !BASELINE_CAPABILITIES.has(c));
    if (beyond.length > 0)
      return { baseline: true, reason: `adds ${beyond.join(', ')}, beyond the capabilities baseline allows` };
  }
  if (v.field.startsWith('spec.volumes')) {
    const name = /^spec\.volumes\[(".*")\]$/.exec(v.field)?.[1];
    const vol = (spec.volumes ?? []).find((x) => JSON.stringify(x.name) === name);
    if (vol && 'hostPath' in vol) return { baseline: true, reason: `volume ${name} is a hostPath: the host's files` };
  }
  return { baseline: v.reason.includes('(baseline)'), reason: v.reason.replace(' (baseline)', '') };
}

/** The findings for one container of a pod: warnings for baseline, info for restricted. */
function containerFindings(container: Located, pod: Located): Finding[] {
  const sc = (asObject(container.value.securityContext) ?? {}) as ContainerSecurityContext;
  const podSc = (asObject(pod.value.securityContext) ?? {}) as PodSecurityContext;
  const spec: PodSpecFacts = {
    hostNetwork: pod.value.hostNetwork === true,
    hostPID: pod.value.hostPID === true,
    hostIPC: pod.value.hostIPC === true,
    volumes: (Array.isArray(pod.value.volumes) ? pod.value.volumes : [])
      .map(asObject)
      .filter((v): v is Record<string, unknown> & { name: string } => typeof v?.name === 'string'),
  };
  const verdict = evaluateRestricted(sc, podSc, spec, { containerField: 'C' });
  const name = typeof container.value.name === 'string' ? ` (container ${JSON.stringify(container.value.name)})` : '';
  return verdict.violations.map((v) => {
    const { baseline, reason } = rate(v, sc, spec);
    const field = v.field.replace(/^C\./, 'securityContext.').replace(/^spec\./, '');
    return finding(
      baseline ? 'warning' : 'info',
      `Pod Security Standards ${baseline ? 'baseline' : 'restricted'}: ${field}${field.startsWith('securityContext.') ? name : ''}: ${reason}`,
      pointerOf(v.field, container.pointer, pod.pointer),
    );
  });
}

/** Pod Security Standards findings for every container of a pod spec, pod-level ones once. */
export function pssFindings(pod: Located, containers: readonly Located[]): Finding[] {
  const seen = new Set<string>();
  const out: Finding[] = [];
  for (const c of containers) {
    for (const f of containerFindings(c, pod)) {
      const key = `${f.severity}\u0000${f.message}\u0000${f.where ?? ''}`;
      if (!seen.has(key)) out.push(f);
      seen.add(key);
    }
  }
  return out;
}
