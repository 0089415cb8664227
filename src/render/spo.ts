// What the security-profiles-operator expects of the resources tracewall writes for it and of the Pod that uses them:
// the apiVersion of each kind, the metadata, and the path the operator installs a seccomp profile under.
import { badInput } from '../errors.js';
import { k8sName } from './k8s-name.js';
import type { SpoApiVersion } from './spo-versions.js';

export { SPO_API_VERSIONS, type SpoApiVersion } from './spo-versions.js';

/** The operator's API group. */
export const SPO_GROUP = 'security-profiles-operator.x-k8s.io';

/** Which operator the resources are for. */
export interface SpoTarget {
  /** The SeccompProfile apiVersion the operator serves (default v1, the newest). */
  apiVersion: SpoApiVersion;
  /**
   * Releases before the v1 API keep profiles per namespace and install them under operator/NAMESPACE/; the v1 API's
   * profiles are cluster-wide, under operator/. Set for the former.
   */
  namespace?: string;
}

const DNS_LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** The apiVersion of each kind: the v1 API has both at v1; before it, AppArmorProfile was v1alpha1 next to SeccompProfile v1beta1. */
export function spoApiVersions(v: SpoApiVersion): { seccomp: string; apparmor: string } {
  return v === 'v1'
    ? { seccomp: `${SPO_GROUP}/v1`, apparmor: `${SPO_GROUP}/v1` }
    : { seccomp: `${SPO_GROUP}/v1beta1`, apparmor: `${SPO_GROUP}/v1alpha1` };
}

/** Refuse a namespace that is not a DNS-1123 label. */
export function checkSpoTarget(t: SpoTarget): SpoTarget {
  if (t.namespace !== undefined && !DNS_LABEL.test(t.namespace))
    throw badInput(
      `namespace ${JSON.stringify(t.namespace)} is not a DNS-1123 label (lower-case letters, digits and "-", at most 63)`,
    );
  return t;
}

/** metadata of a resource named after the profile. */
export function spoMetadata(profile: string, t: SpoTarget): Record<string, string> {
  return t.namespace === undefined ? { name: k8sName(profile) } : { name: k8sName(profile), namespace: t.namespace };
}

/** The seccomp localhostProfile the operator reports in status.localhostProfile: operator/[NAMESPACE/]NAME.json. */
export function spoSeccompPath(profile: string, t: SpoTarget): string {
  return `operator/${t.namespace === undefined ? '' : `${t.namespace}/`}${k8sName(profile)}.json`;
}
