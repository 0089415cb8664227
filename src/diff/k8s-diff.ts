// Comparing Kubernetes YAML: container securityContexts by container name, pod-level host settings, volumes.
import { asObject, byCodeUnit } from '../util/json.js';
import { capabilityRiskOf } from '../validate/risk-catalogue.js';
import { effectiveContext, RESTRICTED_BASELINE, type EffectiveContext } from './k8s-context.js';
import type { K8sModel, K8sPod } from './k8s-model.js';
import { hostPathRule, K8S_RISK, type K8sRule } from './k8s-risk.js';
import type { DiffFinding } from './types.js';

const show = (v: unknown): string =>
  v === undefined || v === '' ? 'unset' : typeof v === 'string' ? v : JSON.stringify(v);

function change(subject: string, from: unknown, to: unknown, rule: K8sRule, widens: boolean, note = ''): DiffFinding {
  return {
    change: 'changed',
    kind: 'field',
    subject,
    detail: `${note}${show(from)} -> ${show(to)}${widens ? `: ${rule.why}` : ''}`,
    risk: rule.level,
    widens,
  };
}

/** Widening when `bad(new)` and not `bad(old)`; narrowing the other way. */
function flip(
  subject: string,
  from: unknown,
  to: unknown,
  bad: (v: unknown) => boolean,
  rule: K8sRule,
  note: string,
): DiffFinding[] {
  if (bad(to) && !bad(from)) return [change(subject, from, to, rule, true, note)];
  if (bad(from) && !bad(to)) return [change(subject, from, to, rule, false, note)];
  return [];
}

const SECCOMP_RANK = (v: string): number =>
  v.startsWith('Localhost:') ? 0 : v === 'RuntimeDefault' ? 1 : v === '' ? 2 : 3;
const SECCOMP_RULE = [
  K8S_RISK.seccompPath,
  K8S_RISK.seccompRuntimeDefault,
  K8S_RISK.seccompUnset,
  K8S_RISK.seccompUnconfined,
];
const APPARMOR_RANK = (v: string): number => (v.startsWith('Localhost:') ? 0 : v === 'Unconfined' ? 2 : 1);
const APPARMOR_RULE = [K8S_RISK.apparmorPath, K8S_RISK.apparmorDefault, K8S_RISK.apparmorUnconfined];

function profileFindings(
  subject: string,
  from: string,
  to: string,
  rank: (v: string) => number,
  rules: readonly K8sRule[],
  note: string,
): DiffFinding[] {
  if (from === to) return [];
  const a = rank(from);
  const b = rank(to);
  if (b > a) return [change(subject, from, to, rules[b]!, true, note)];
  if (b < a) return [change(subject, from, to, rules[a]!, false, note)];
  return [change(subject, from, to, a === 0 ? rules[0]! : K8S_RISK.otherField, false, note)];
}

/** Findings for one container between two effective contexts. */
function contextFindings(name: string, a: EffectiveContext, b: EffectiveContext, note = ''): DiffFinding[] {
  const at = (field: string) => `${name}: ${field}`;
  const out: DiffFinding[] = [
    ...flip(at('privileged'), a.privileged, b.privileged, (v) => v === true, K8S_RISK.privileged, note),
    ...flip(
      at('allowPrivilegeEscalation'),
      a.allowPrivilegeEscalation,
      b.allowPrivilegeEscalation,
      (v) => v !== false,
      K8S_RISK.allowPrivilegeEscalation,
      note,
    ),
    ...flip(at('runAsNonRoot'), a.runAsNonRoot, b.runAsNonRoot, (v) => v !== true, K8S_RISK.runAsNonRoot, note),
    ...flip(
      at('readOnlyRootFilesystem'),
      a.readOnlyRootFilesystem,
      b.readOnlyRootFilesystem,
      (v) => v !== true,
      K8S_RISK.readOnlyRootFilesystem,
      note,
    ),
    ...flip(at('procMount'), a.procMount, b.procMount, (v) => v === 'Unmasked', K8S_RISK.procMountUnmasked, note),
    ...profileFindings(at('seccompProfile'), a.seccomp, b.seccomp, SECCOMP_RANK, SECCOMP_RULE, note),
    ...profileFindings(at('appArmorProfile'), a.apparmor, b.apparmor, APPARMOR_RANK, APPARMOR_RULE, note),
  ];
  const root = flip(at('runAsUser'), a.runAsUser, b.runAsUser, (v) => v === 0, K8S_RISK.runAsUserRoot, note);
  out.push(
    ...(root.length > 0 || a.runAsUser === b.runAsUser
      ? root
      : [change(at('runAsUser'), a.runAsUser, b.runAsUser, K8S_RISK.otherField, false, note)]),
  );
  const before = new Set(a.capabilities);
  const after = new Set(b.capabilities);
  for (const cap of b.capabilities) {
    if (before.has(cap)) continue;
    const r = capabilityRiskOf(cap);
    const origin = b.fromDefaults.includes(cap) ? 'runtime default capability, no longer dropped: ' : '';
    out.push({
      change: 'added',
      kind: 'capability',
      subject: `${name}: ${cap}`,
      detail: `${note}${origin}${r.why}`,
      risk: r.level,
      widens: true,
    });
  }
  for (const cap of a.capabilities) {
    if (after.has(cap)) continue;
    const r = capabilityRiskOf(cap);
    out.push({
      change: 'removed',
      kind: 'capability',
      subject: `${name}: ${cap}`,
      detail: `${note}${r.why}`,
      risk: r.level,
      widens: false,
    });
  }
  for (const key of [...new Set([...Object.keys(a.other), ...Object.keys(b.other)])].sort(byCodeUnit)) {
    const from = a.other[key];
    const to = b.other[key];
    if (from === to) continue;
    const kind = from === undefined ? 'added' : to === undefined ? 'removed' : 'changed';
    out.push({
      change: kind,
      kind: 'field',
      subject: at(key),
      detail: `${note}${from ?? 'unset'} -> ${to ?? 'unset'}`,
      risk: K8S_RISK.otherField.level,
      widens: false,
    });
  }
  return out;
}

function hostPaths(spec: Record<string, unknown>): string[] {
  const out: string[] = [];
  for (const v of Array.isArray(spec.volumes) ? spec.volumes : []) {
    const path = asObject(asObject(v)?.hostPath)?.path;
    if (typeof path === 'string') out.push(path);
  }
  return [...new Set(out)].sort(byCodeUnit);
}

function sysctls(spec: Record<string, unknown>): string[] {
  const list = asObject(spec.securityContext)?.sysctls;
  return (Array.isArray(list) ? list : [])
    .map((s) => `${String(asObject(s)?.name)}=${String(asObject(s)?.value)}`)
    .sort(byCodeUnit);
}

/** Pod-level findings for two pods with the same key (either may be missing). */
function podFindings(key: string, a: Record<string, unknown>, b: Record<string, unknown>): DiffFinding[] {
  const at = (field: string) => `${key}: ${field}`;
  const out: DiffFinding[] = [];
  for (const field of ['hostNetwork', 'hostPID', 'hostIPC'])
    out.push(...flip(at(field), a[field], b[field], (v) => v === true, K8S_RISK.hostNamespace, ''));
  out.push(...flip(at('hostUsers'), a.hostUsers, b.hostUsers, (v) => v !== false, K8S_RISK.hostUsers, ''));
  out.push(
    ...flip(
      at('shareProcessNamespace'),
      a.shareProcessNamespace,
      b.shareProcessNamespace,
      (v) => v === true,
      K8S_RISK.shareProcessNamespace,
      '',
    ),
  );
  const oldSys = new Set(sysctls(a));
  const newSys = new Set(sysctls(b));
  for (const s of newSys)
    if (!oldSys.has(s))
      out.push({
        change: 'added',
        kind: 'field',
        subject: at(`sysctl ${s}`),
        detail: K8S_RISK.sysctl.why,
        risk: K8S_RISK.sysctl.level,
        widens: true,
      });
  for (const s of oldSys)
    if (!newSys.has(s))
      out.push({
        change: 'removed',
        kind: 'field',
        subject: at(`sysctl ${s}`),
        risk: K8S_RISK.sysctl.level,
        widens: false,
      });
  const oldPaths = new Set(hostPaths(a));
  const newPaths = new Set(hostPaths(b));
  for (const p of newPaths) {
    if (oldPaths.has(p)) continue;
    const r = hostPathRule(p);
    out.push({
      change: 'added',
      kind: 'volume',
      subject: at(`hostPath ${p}`),
      detail: r.why,
      risk: r.level,
      widens: true,
    });
  }
  for (const p of oldPaths)
    if (!newPaths.has(p))
      out.push({
        change: 'removed',
        kind: 'volume',
        subject: at(`hostPath ${p}`),
        risk: hostPathRule(p).level,
        widens: false,
      });
  return out;
}

function byKey<T extends { key: string }>(list: readonly T[]): Map<string, T> {
  return new Map(list.map((x) => [x.key, x]));
}

/** Every difference between two Kubernetes models. */
export function diffK8s(a: K8sModel, b: K8sModel): DiffFinding[] {
  const out: DiffFinding[] = [];
  const before = byKey(a.containers);
  const after = byKey(b.containers);
  for (const key of [...new Set([...before.keys(), ...after.keys()])].sort(byCodeUnit)) {
    const x = before.get(key);
    const y = after.get(key);
    if (x && y) out.push(...contextFindings(key, effectiveContext(x), effectiveContext(y)));
    else if (y) {
      out.push({
        change: 'added',
        kind: 'container',
        subject: key,
        detail: K8S_RISK.container.why,
        risk: K8S_RISK.container.level,
        widens: false,
      });
      out.push(
        ...contextFindings(
          key,
          RESTRICTED_BASELINE,
          effectiveContext(y),
          'new container, against the restricted baseline: ',
        ).filter((f) => f.widens),
      );
    } else if (x) {
      out.push({ change: 'removed', kind: 'container', subject: key, risk: K8S_RISK.container.level, widens: false });
    }
  }
  const oldPods = byKey<K8sPod>(a.pods);
  const newPods = byKey<K8sPod>(b.pods);
  for (const key of [...new Set([...oldPods.keys(), ...newPods.keys()])].sort(byCodeUnit)) {
    out.push(...podFindings(key, oldPods.get(key)?.spec ?? {}, newPods.get(key)?.spec ?? {}));
  }
  return out;
}
