// One call that renders every artefact of a policy, plus the numbers and warnings a user should see with them.
import type { Policy } from '../analyze/policy-types.js';
import { byCodeUnit } from '../util/json.js';
import { patternText } from '../analyze/pattern.js';
import { planSeccomp, renderSeccompJson, type SeccompDefault, type SeccompFormat } from './seccomp.js';
import { renderSeccompSpo } from './seccomp-spo.js';
import { renderAppArmor } from './apparmor.js';
import { k8sYaml, planK8s, type K8sOptions } from './k8s.js';
import type { RestrictedVerdict } from './pss.js';
import { countDockerDefault, type DockerDefaultCount } from './summary.js';
import { quoteForMessage } from '../util/strings.js';
import { renderApparmorSpo } from './apparmor-spo.js';
import type { SpoTarget } from './spo.js';

/** Seccomp output: Docker profile JSON, plain OCI linux.seccomp JSON, or a security-profiles-operator resource (YAML). */
export type RenderFormat = SeccompFormat | 'spo';

/** Options of renderAll. */
export interface RenderOptions {
  /** Seccomp format (default docker: the profile format Docker, containerd and kubelet Localhost profiles read). */
  format?: RenderFormat;
  defaultAction?: SeccompDefault;
  /** Docker's default seccomp profile (parsed), to compare the allowed count with; left out of the summary when not given. */
  dockerDefault?: unknown;
  k8s?: K8sOptions;
  /** Shorthand for k8s.apparmorAnnotation. */
  apparmorAnnotation?: boolean;
  /** The AppArmor Handlebars template's text (templates/apparmor.hbs, read by the caller). */
  apparmorTemplate: string;
  /** With format spo: which operator API and scope the resources are for (default: v1, cluster-wide). */
  spo?: SpoTarget;
}

/** What was rendered, in numbers, with everything that was widened, left out or could not be expressed. */
export interface RenderSummary {
  name: string;
  sources: string[];
  /** Distinct syscall names the seccomp profile allows: appSyscalls + runtimeSyscalls. */
  allowedSyscalls: number;
  /** Names the application rules allow (observed; argument-restricted ones included). */
  appSyscalls: number;
  /** Names only the runtime layer adds. */
  runtimeSyscalls: number;
  /** Docker's default profile, counted as DockerDefaultCount.unconditional (361), when its path was given. */
  dockerDefaultAllowed?: number;
  /** One line each for the user: verdicts, generalisations, left-out denies, then every warning. */
  notes: string[];
  seccomp: {
    format: RenderFormat;
    defaultAction: SeccompDefault;
    /** Distinct syscall names allowed: application (observed) + runtime layer additions. */
    allowed: number;
    application: number;
    runtimeLayer: { runtime: string; added: string[] };
    dockerDefault?: DockerDefaultCount;
  };
  apparmor: {
    fileRules: number;
    generalized: Array<{ pattern: string; step: string; paths: number }>;
    omittedDenies: string[];
  };
  k8s: {
    restricted: RestrictedVerdict;
    readOnlyRootFilesystem: boolean;
    volumes: string[];
    runAsNonRoot: boolean;
  };
  warnings: string[];
}

/** One line each for the user: verdicts, generalisations, left-out denies, then every warning. */
function userNotes(
  policy: Policy,
  k8sPlan: ReturnType<typeof planK8s>,
  omittedDenies: readonly string[],
  warnings: readonly string[],
): string[] {
  const verdict = k8sPlan.verdict;
  const scratch = k8sPlan.scratch;
  return [
    verdict.meets
      ? 'k8s: meets the Pod Security Standards "restricted" level'
      : `k8s: does not meet the Pod Security Standards "restricted" level: ${verdict.violations.map((v) => `${v.field} (${v.reason})`).join('; ')}`,
    scratch.readOnly
      ? `k8s: readOnlyRootFilesystem: true${scratch.mounts.length > 0 ? `, with emptyDir volumes at ${scratch.mounts.map((m) => m.mountPath).join(', ')}` : ''}`
      : `k8s: readOnlyRootFilesystem: false: ${scratch.blockers.length} write${scratch.blockers.length === 1 ? '' : 's'} cannot go to an emptyDir, e.g. ${quoteForMessage(scratch.blockers[0]!.path)} ${scratch.blockers[0]!.reason}`,
    ...policy.files
      .filter((f) => f.generalized)
      .map(
        (f) =>
          `generalised ${quoteForMessage(patternText(f.pattern))} (${f.generalized!.step}) from ${f.generalized!.from.length} observed path${f.generalized!.from.length === 1 ? '' : 's'}`,
      ),
    ...omittedDenies.map((d) => `apparmor: left out the protective "${d}": an observed access falls inside it`),
    ...warnings.map((w) => `warning: ${w}`),
  ];
}

/** Render seccomp JSON, AppArmor profile and Kubernetes YAML for a policy, with a summary. */
export function renderAll(
  policy: Policy,
  opts: RenderOptions,
): { seccomp: string; apparmor: string; k8s: string; apparmorSpo?: string; summary: RenderSummary } {
  const format = opts.format ?? 'docker';
  const defaultAction = opts.defaultAction ?? 'errno';
  const spo = format === 'spo' ? (opts.spo ?? { apiVersion: 'v1' }) : undefined;
  const seccomp =
    spo !== undefined
      ? renderSeccompSpo(policy, { defaultAction, spo })
      : renderSeccompJson(policy, { format: format as SeccompFormat, defaultAction });
  const apparmorSpo = spo === undefined ? undefined : renderApparmorSpo(policy, spo);
  const plan = planSeccomp(policy);
  const apparmor = renderAppArmor(policy, { template: opts.apparmorTemplate });
  const k8sOpts: K8sOptions = {
    ...(opts.apparmorAnnotation === undefined ? {} : { apparmorAnnotation: opts.apparmorAnnotation }),
    ...(spo === undefined ? {} : { spo }),
    ...opts.k8s,
  };
  const k8sPlan = planK8s(policy, k8sOpts);
  const k8s = k8sYaml(k8sPlan);
  const layer = policy.runtime;
  const warnings = [
    ...new Set([
      ...policy.warnings,
      ...plan.warnings.map((w) => `seccomp: ${w}`),
      ...apparmor.warnings.map((w) => `apparmor: ${w}`),
      ...(apparmorSpo?.warnings ?? []).map((w) => `apparmor (operator): ${w}`),
    ]),
  ].sort(byCodeUnit);
  const notes = userNotes(policy, k8sPlan, apparmor.omittedDenies, warnings);
  const summary: RenderSummary = {
    name: policy.name,
    sources: [...policy.sources],
    allowedSyscalls: plan.allowed.app.length + plan.allowed.runtime.length,
    appSyscalls: plan.allowed.app.length,
    runtimeSyscalls: plan.allowed.runtime.length,
    notes,
    seccomp: {
      format,
      defaultAction,
      allowed: plan.allowed.app.length + plan.allowed.runtime.length,
      application: plan.allowed.app.length,
      runtimeLayer: {
        runtime: layer.name === 'none' ? 'none' : `${layer.name} ${layer.version}`,
        added: plan.allowed.runtime,
      },
    },
    apparmor: {
      fileRules: apparmor.fileRules,
      generalized: policy.files
        .filter((f) => f.generalized)
        .map((f) => ({
          pattern: patternText(f.pattern),
          step: f.generalized!.step,
          paths: f.generalized!.from.length,
        })),
      omittedDenies: apparmor.omittedDenies,
    },
    k8s: {
      restricted: k8sPlan.verdict,
      readOnlyRootFilesystem: k8sPlan.scratch.readOnly,
      volumes: k8sPlan.scratch.mounts.map((m) => m.mountPath),
      runAsNonRoot: k8sPlan.runAsNonRoot.set,
    },
    warnings,
  };
  if (opts.dockerDefault !== undefined) {
    summary.seccomp.dockerDefault = countDockerDefault(opts.dockerDefault);
    summary.dockerDefaultAllowed = summary.seccomp.dockerDefault.unconditional;
  }
  return {
    seccomp,
    apparmor: apparmor.text,
    k8s,
    ...(apparmorSpo === undefined ? {} : { apparmorSpo: apparmorSpo.text }),
    summary,
  };
}
