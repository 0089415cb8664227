// The seccomp profile as a security-profiles-operator SeccompProfile resource (YAML), each rule's provenance as a comment.
import YAML from 'yaml';
import type { Policy } from '../analyze/policy-types.js';
import { planSeccomp, renderSeccomp, type SeccompDefault } from './seccomp.js';
import { spoApiVersions, spoMetadata, type SpoTarget } from './spo.js';

/** One printable-ASCII comment line. */
const line = (s: string) => ` ${s.replace(/[^\x20-\x7e]/g, '?')}`;

/** A SeccompProfile custom resource for the policy; SPO has no defaultErrnoRet, so the runtime's EPERM default applies. */
export function renderSeccompSpo(
  policy: Policy,
  opts: { defaultAction?: SeccompDefault; spo?: SpoTarget } = {},
): string {
  const target = opts.spo ?? { apiVersion: 'v1' };
  const oci = renderSeccomp(policy, { format: 'oci', defaultAction: opts.defaultAction ?? 'errno' });
  const plan = planSeccomp(policy);
  const resource = {
    apiVersion: spoApiVersions(target.apiVersion).seccomp,
    kind: 'SeccompProfile',
    metadata: spoMetadata(policy.name, target),
    spec: {
      defaultAction: oci.defaultAction,
      architectures: oci.architectures,
      syscalls: oci.syscalls.map((r) => ({
        action: r.action,
        names: r.names,
        ...(r.errnoRet === undefined ? {} : { errnoRet: r.errnoRet }),
        ...(r.args ? { args: r.args } : {}),
      })),
    },
  };
  const doc = new YAML.Document(resource);
  doc.commentBefore = [
    `tracewall: seccomp profile "${policy.name}" for the security-profiles-operator, from recordings: ${policy.sources.join(', ')}`,
  ]
    .map(line)
    .join('\n');
  plan.rules.forEach(({ rule }, i) => {
    const node = doc.getIn(['spec', 'syscalls', i], true) as YAML.Node | undefined;
    if (node) node.commentBefore = line(rule.comment);
  });
  return doc.toString({ lineWidth: 0 });
}
