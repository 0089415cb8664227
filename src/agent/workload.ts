// The workload a pod belongs to, from what the CRI knows of it (its name and labels; the owner references live in the
// API server, which the agent does not ask). Pods of one workload share the agent's merged recording. Pure.
//
// The rule (first that applies):
//  - Deployment: label pod-template-hash=H and the name is the generated `DEPLOY-H-XXXXX` (the ReplicaSet DEPLOY-H's
//    generateName and 5 random characters; the part before the random characters cut to 58 characters as the API server
//    cuts it): DEPLOY (cut the same way when it was).
//  - StatefulSet: label statefulset.kubernetes.io/pod-name equal to the pod's name `STS-N`: STS.
//  - DaemonSet: labels controller-revision-hash and pod-template-generation, the name `DS-XXXXX`: DS.
//  - Job: label batch.kubernetes.io/job-name (or job-name) J and the name starts with `J-`: J; a CronJob's Job (J is
//    `CRONJOB-M`, M the scheduled minute since the epoch, 8 digits or more): CRONJOB.
//  - otherwise (a bare Pod, a ReplicaSet of no Deployment, names that do not fit): the pod's name.

/** How a workload was recognised. */
export type WorkloadKind = 'Deployment' | 'StatefulSet' | 'DaemonSet' | 'Job' | 'CronJob' | 'Pod';

export interface Workload {
  kind: WorkloadKind;
  name: string;
}

/** The API server's generated names: the base cut to 58 characters, then 5 random characters. */
const MAX_GENERATED_BASE = 58;
const RANDOM = /^[a-z0-9]{5}$/;

/** The generateName base of `pod` (its name without the 5 random characters), or undefined when it has none. */
function generatedBase(pod: string): string | undefined {
  if (pod.length < 7 || !RANDOM.test(pod.slice(-5))) return undefined;
  return pod.slice(0, -5);
}

function deployment(pod: string, hash: string): string | undefined {
  const base = generatedBase(pod);
  if (base === undefined || hash === '') return undefined;
  const tail = `-${hash}-`;
  if (base.endsWith(tail)) return base.slice(0, -tail.length) || undefined;
  if (base.length !== MAX_GENERATED_BASE) return undefined;
  // cut inside "-H-": the longest start of it that ends the base
  for (let k = tail.length - 1; k >= 1; k--) if (base.endsWith(tail.slice(0, k))) return base.slice(0, -k) || undefined;
  // cut inside the Deployment's own name: the cut name is what every pod of it shares
  return base;
}

function statefulSet(pod: string, labels: Readonly<Record<string, string>>): string | undefined {
  if (labels['statefulset.kubernetes.io/pod-name'] !== pod) return undefined;
  return /^(.+)-\d+$/.exec(pod)?.[1];
}

function daemonSet(pod: string, labels: Readonly<Record<string, string>>): string | undefined {
  if (labels['controller-revision-hash'] === undefined || labels['pod-template-generation'] === undefined)
    return undefined;
  const base = generatedBase(pod);
  if (base === undefined) return undefined;
  if (base.endsWith('-')) return base.slice(0, -1) || undefined;
  // the base cut to 58 characters lost its "-"
  return base.length === MAX_GENERATED_BASE ? base : undefined;
}

function job(pod: string, labels: Readonly<Record<string, string>>): Workload | undefined {
  const j = labels['batch.kubernetes.io/job-name'] ?? labels['job-name'];
  if (!j || !pod.startsWith(`${j}-`.slice(0, MAX_GENERATED_BASE))) return undefined;
  const cron = /^(.+)-\d{8,}$/.exec(j)?.[1];
  return cron ? { kind: 'CronJob', name: cron } : { kind: 'Job', name: j };
}

/** The workload of pod `pod` with pod labels `labels` (the rule above). */
export function workloadOf(pod: string, labels: Readonly<Record<string, string>>): Workload {
  const hash = labels['pod-template-hash'];
  const d = hash !== undefined ? deployment(pod, hash) : undefined;
  if (d) return { kind: 'Deployment', name: d };
  const s = statefulSet(pod, labels);
  if (s) return { kind: 'StatefulSet', name: s };
  const ds = daemonSet(pod, labels);
  if (ds) return { kind: 'DaemonSet', name: ds };
  return job(pod, labels) ?? { kind: 'Pod', name: pod };
}
