// Policy to a Kubernetes example: a Pod whose container securityContext applies the generated profiles, serialised with
// the yaml library (never by string concatenation), with a comment header giving the Pod Security Standards verdict.
import YAML from 'yaml';
import type { Policy } from '../analyze/policy-types.js';
import { badInput } from '../errors.js';
import { byCodeUnit } from '../util/json.js';
import { checkProfileName } from './apparmor-escape.js';
import { evaluateRestricted, type ContainerSecurityContext, type RestrictedVerdict } from './pss.js';
import { planScratch, type ScratchPlan } from './k8s-volumes.js';
import { quoteForMessage } from '../util/strings.js';
import { k8sName } from './k8s-name.js';
import { spoSeccompPath, type SpoTarget } from './spo.js';

/** Options of the Kubernetes example. */
export interface K8sOptions {
  /** Container name (a DNS-1123 label); default derived from the policy name. */
  containerName?: string;
  /** Image to put in the example; default a placeholder to replace. */
  image?: string;
  /** Also add the pre-1.30 annotation container.apparmor.security.beta.kubernetes.io/<container>. */
  apparmorAnnotation?: boolean;
  /** Directory of the seccomp profile relative to kubelet's seccomp root (default "profiles"). */
  seccompProfileDir?: string;
  /** The profiles are installed by the security-profiles-operator (its resources), not copied to the nodes. */
  spo?: SpoTarget;
}

/** The Pod object, the verdicts that went into its header, and the header lines. */
export interface K8sPlan {
  pod: Record<string, unknown>;
  securityContext: ContainerSecurityContext;
  verdict: RestrictedVerdict;
  scratch: ScratchPlan;
  runAsNonRoot: { set: boolean; why: string };
  header: string[];
}

const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const IMAGE_PLACEHOLDER = 'REPLACE-WITH-YOUR-IMAGE';

/** One line of a YAML comment: printable ASCII only, so that nothing a path holds can end the comment. */
function yamlCommentText(text: string): string {
  return text.replace(/[^\x20-\x7e]/g, '?');
}

/** Object names from profile names (in k8s-name.ts, which the operator's resources share). */
export { k8sName } from './k8s-name.js';

function checkOptions(opts: K8sOptions): void {
  if (opts.containerName !== undefined && !DNS_LABEL.test(opts.containerName)) {
    throw badInput(
      `container name ${JSON.stringify(opts.containerName)} is not a DNS-1123 label (lower-case letters, digits and "-", at most 63)`,
    );
  }
  if (opts.image !== undefined && (opts.image === '' || /[\s\u0000-\u001f\u007f]/.test(opts.image))) {
    throw badInput(`image ${JSON.stringify(opts.image)} is not an image reference`);
  }
  const dir = opts.seccompProfileDir;
  if (
    dir !== undefined &&
    (!/^[A-Za-z0-9._-]+(\/[A-Za-z0-9._-]+)*$/.test(dir) || dir.split('/').some((s) => s === '.' || s === '..'))
  ) {
    throw badInput(
      `seccomp profile directory ${JSON.stringify(opts.seccompProfileDir)} must be a relative path of letters, digits, ".", "_", "-"`,
    );
  }
}

/** runAsNonRoot only when no recorded process ran as uid 0 and no capability was needed; runAsUser the lowest uid seen. */
function nonRoot(policy: Policy): { set: boolean; why: string; runAsUser?: number; runAsGroup?: number } {
  const { uids, gids } = policy.identity;
  if (uids.length === 0)
    return { set: false, why: 'no uid was recorded, so it is unknown whether the workload needs root' };
  if (uids.includes(0))
    return { set: false, why: 'the recordings ran as uid 0; record the workload as a non-root user to drop this' };
  if (policy.capabilities.length > 0)
    return {
      set: false,
      why: `the workload needed capabilities (${policy.capabilities.map((c) => c.name).join(', ')})`,
    };
  const out: { set: boolean; why: string; runAsUser?: number; runAsGroup?: number } = {
    set: true,
    why: `every recorded process ran as a non-root uid (${uids.join(', ')})`,
    runAsUser: uids[0]!,
  };
  if (gids.length > 0) out.runAsGroup = gids[0]!;
  return out;
}

/** What the Pod refers to for each profile, and how the profiles get onto the nodes (header lines). */
function profileRefs(name: string, opts: K8sOptions): { seccomp: string; apparmor: string; install: string[] } {
  const spo = opts.spo;
  const k130 = `the appArmorProfile field needs Kubernetes 1.30+${opts.apparmorAnnotation ? ', the annotation serves older clusters' : ''}`;
  if (spo === undefined) {
    const dir = opts.seccompProfileDir ?? 'profiles';
    return {
      seccomp: `${dir}/${name}.seccomp.json`,
      apparmor: name,
      install: [
        `seccomp: install ${name}.seccomp.json as <kubelet seccomp root>/${dir}/${name}.seccomp.json on every node (the root is usually /var/lib/kubelet/seccomp).`,
        `AppArmor: load ${name}.apparmor on every node (apparmor_parser -r); ${k130}.`,
      ],
    };
  }
  const seccomp = spoSeccompPath(name, spo);
  const resource = k8sName(name);
  const ns = spo.namespace === undefined ? '' : ` -n ${spo.namespace}`;
  return {
    seccomp,
    apparmor: resource,
    install: [
      `With the security-profiles-operator (${spo.apiVersion} API${spo.namespace === undefined ? ', profiles cluster-wide' : `, profiles in namespace ${spo.namespace}`}): kubectl apply -f ${name}.seccomp.yaml -f ${name}.apparmor.yaml;`,
      `the operator installs the seccomp profile on every node as <kubelet seccomp root>/${seccomp}, the path this Pod refers to`,
      `(kubectl get seccompprofile ${resource}${ns} -o jsonpath='{.status.localhostProfile}' prints it), and loads AppArmor profile ${resource} on every node; ${k130}.`,
      `Instead of editing the Pod, a ProfileBinding (spec.profileRef: {kind: SeccompProfile, name: ${resource}}, spec.image: your image) makes the operator set seccompProfile for every container of that image.`,
      ...(spo.namespace === undefined && spo.apiVersion !== 'v1'
        ? [
            'Operators before the v1 API keep profiles per namespace, under operator/NAMESPACE/: give the namespace when generating so that the path names it.',
          ]
        : []),
    ],
  };
}

/** Build the example Pod and its verdicts. */
export function planK8s(policy: Policy, opts: K8sOptions = {}): K8sPlan {
  checkOptions(opts);
  const name = checkProfileName(policy.name);
  const container = opts.containerName ?? k8sName(name);
  const scratch = planScratch(policy.files);
  const root = nonRoot(policy);
  const caps = [...new Set(policy.capabilities.map((c) => c.name.replace(/^CAP_/, '')))].sort(byCodeUnit);

  const refs = profileRefs(name, opts);
  const sc: ContainerSecurityContext = {
    allowPrivilegeEscalation: false,
    appArmorProfile: { type: 'Localhost', localhostProfile: refs.apparmor },
    capabilities: caps.length > 0 ? { add: caps, drop: ['ALL'] } : { drop: ['ALL'] },
    privileged: false,
    readOnlyRootFilesystem: scratch.readOnly,
  };
  if (root.runAsGroup !== undefined) sc.runAsGroup = root.runAsGroup;
  if (root.set) sc.runAsNonRoot = true;
  if (root.runAsUser !== undefined) sc.runAsUser = root.runAsUser;
  sc.seccompProfile = { type: 'Localhost', localhostProfile: refs.seccomp };

  const volumes = scratch.mounts.map((m) => ({ name: m.name, emptyDir: {} }));
  const containerSpec: Record<string, unknown> = {
    name: container,
    image: opts.image ?? IMAGE_PLACEHOLDER,
    securityContext: sc,
  };
  if (scratch.mounts.length > 0)
    containerSpec.volumeMounts = scratch.mounts.map((m) => ({ name: m.name, mountPath: m.mountPath }));
  const metadata: Record<string, unknown> = { name: k8sName(name) };
  if (opts.apparmorAnnotation)
    metadata.annotations = {
      [`container.apparmor.security.beta.kubernetes.io/${container}`]: `localhost/${refs.apparmor}`,
    };
  const spec: Record<string, unknown> = { containers: [containerSpec] };
  if (volumes.length > 0) spec.volumes = volumes;
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata, spec };

  const verdict = evaluateRestricted(sc, {}, { volumes });
  const why: Record<string, string> = {};
  why['spec.containers[0].securityContext.runAsNonRoot'] = root.why;
  why['spec.containers[0].securityContext.capabilities.add'] = 'the recordings needed them';
  const header = [
    `tracewall: Kubernetes example for profile "${name}" from recordings: ${policy.sources.join(', ')}`,
    `Paste spec.containers[0].securityContext${volumes.length > 0 ? ', the volumeMounts and the volumes' : ''} into your workload.`,
    verdict.meets
      ? 'Pod Security Standards "restricted": meets.'
      : 'Pod Security Standards "restricted": does not meet:',
    ...verdict.violations.map((x) => `  - ${x.field}: ${x.reason}${why[x.field] ? `; ${why[x.field]}` : ''}`),
    ...refs.install,
    scratch.readOnly
      ? `readOnlyRootFilesystem: true: ${scratch.mounts.length > 0 ? `every observed write lands in an emptyDir (${scratch.mounts.map((m) => m.mountPath).join(', ')})` : 'no write to the root file system was observed'}.`
      : `readOnlyRootFilesystem: false: ${scratch.blockers
          .slice(0, 3)
          .map((b) => `${quoteForMessage(b.path)} ${b.reason}`)
          .join('; ')}${scratch.blockers.length > 3 ? `; and ${scratch.blockers.length - 3} more` : ''}.`,
    `runAsNonRoot: ${root.set ? `true: ${root.why}` : `not set: ${root.why}`}.`,
  ].map((l) => ` ${yamlCommentText(l)}`);
  return { pod, securityContext: sc, verdict, scratch, runAsNonRoot: { set: root.set, why: root.why }, header };
}

/** The Kubernetes example as YAML text, comment header first. */
export function renderK8s(policy: Policy, opts: K8sOptions = {}): string {
  return k8sYaml(planK8s(policy, opts));
}

/** A planned example as YAML text. */
export function k8sYaml(plan: K8sPlan): string {
  const doc = new YAML.Document(plan.pod);
  doc.commentBefore = plan.header.join('\n');
  return doc.toString({ lineWidth: 0 });
}
