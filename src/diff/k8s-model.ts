// Kubernetes YAML reduced to what diff compares: per container its effective securityContext (pod-level values merged
// in), per pod its host namespaces, sysctls and hostPath volumes. Accepts workloads, Lists, pod specs and bare
// securityContext snippets.
import { parseAllDocuments } from 'yaml';
import { badInput } from '../errors.js';
import { asObject } from '../util/json.js';

/** One container: where it is, its securityContext and the pod-level one it inherits. */
export interface K8sContainer {
  key: string;
  securityContext: Record<string, unknown>;
  podSecurityContext: Record<string, unknown>;
  /** The pre-1.30 AppArmor annotation value for this container, if any. */
  apparmorAnnotation?: string;
}

/** One pod (or pod template): the pod-level facts diff rates. */
export interface K8sPod {
  key: string;
  spec: Record<string, unknown>;
}

/** Everything in one Kubernetes file. */
export interface K8sModel {
  containers: K8sContainer[];
  pods: K8sPod[];
}

const APPARMOR_ANNOTATION = 'container.apparmor.security.beta.kubernetes.io/';
/** Fields that mark a bare mapping as a securityContext snippet. */
const SECURITY_CONTEXT_FIELDS = [
  'allowPrivilegeEscalation',
  'capabilities',
  'privileged',
  'readOnlyRootFilesystem',
  'runAsNonRoot',
  'runAsUser',
  'seccompProfile',
  'appArmorProfile',
  'procMount',
];

interface Workload {
  label: string;
  metadata: Record<string, unknown>;
  spec: Record<string, unknown>;
}

/** The pod specs of one document (a workload, a List of them, a pod spec, or a snippet). */
function workloads(doc: Record<string, unknown>, out: Workload[], snippets: Record<string, unknown>[]): void {
  const kind = typeof doc.kind === 'string' ? doc.kind : undefined;
  const metadata = asObject(doc.metadata) ?? {};
  const label = `${kind ?? 'spec'}/${typeof metadata.name === 'string' ? metadata.name : '?'}`;
  const spec = asObject(doc.spec);
  if (kind === 'List' || (kind?.endsWith('List') && Array.isArray(doc.items))) {
    for (const item of Array.isArray(doc.items) ? doc.items : []) {
      const o = asObject(item);
      if (o) workloads(o, out, snippets);
    }
    return;
  }
  if (kind === 'Pod') {
    if (spec) out.push({ label, metadata, spec });
    return;
  }
  if (kind === 'CronJob') {
    const tmpl = asObject(asObject(asObject(spec?.jobTemplate)?.spec)?.template);
    const inner = asObject(tmpl?.spec);
    if (inner) out.push({ label, metadata: { ...metadata, ...(asObject(tmpl?.metadata) ?? {}) }, spec: inner });
    return;
  }
  if (kind !== undefined) {
    const tmpl = asObject(spec?.template);
    const inner = asObject(tmpl?.spec);
    if (inner) out.push({ label, metadata: { ...metadata, ...(asObject(tmpl?.metadata) ?? {}) }, spec: inner });
    return;
  }
  if (Array.isArray(doc.containers)) out.push({ label, metadata, spec: doc });
  else if (spec && Array.isArray(spec.containers)) out.push({ label, metadata, spec });
  else if (asObject(doc.securityContext)) snippets.push(asObject(doc.securityContext)!);
  else if (SECURITY_CONTEXT_FIELDS.some((f) => f in doc)) snippets.push(doc);
}

/** Parse YAML text (one or more documents) into the comparable model; bad YAML is an exit-2 error naming `label`. */
export function k8sModel(text: string, label: string): K8sModel {
  const docs = parseAllDocuments(text);
  const list = Array.isArray(docs) ? docs : [docs];
  const found: Workload[] = [];
  const snippets: Record<string, unknown>[] = [];
  for (const doc of list) {
    if (doc.errors.length > 0) {
      throw badInput(`${label}: not valid YAML: ${doc.errors[0]!.message.split('\n')[0]}`);
    }
    const value = asObject(doc.toJS({ maxAliasCount: 100 }));
    if (value) workloads(value, found, snippets);
  }
  if (found.length === 0 && snippets.length === 0) {
    throw badInput(`${label}: no pod spec, workload or securityContext found in the Kubernetes YAML`);
  }
  const multi = found.length + (snippets.length > 0 ? 1 : 0) > 1;
  const model: K8sModel = { containers: [], pods: [] };
  snippets.forEach((sc, i) => {
    model.containers.push({
      key: snippets.length > 1 ? `securityContext #${i + 1}` : 'securityContext',
      securityContext: sc,
      podSecurityContext: {},
    });
  });
  for (const w of found) {
    const prefix = multi ? `${w.label} ` : '';
    model.pods.push({ key: multi ? w.label : 'pod', spec: w.spec });
    const annotations = asObject(w.metadata.annotations) ?? {};
    const podSc = asObject(w.spec.securityContext) ?? {};
    for (const [field, tag] of [
      ['containers', ''],
      ['initContainers', 'init '],
      ['ephemeralContainers', 'ephemeral '],
    ] as const) {
      const items = w.spec[field];
      if (!Array.isArray(items)) continue;
      items.forEach((item, i) => {
        const c = asObject(item);
        if (!c) return;
        const name = typeof c.name === 'string' ? c.name : `#${i + 1}`;
        const entry: K8sContainer = {
          key: `${prefix}${tag}${name}`,
          securityContext: asObject(c.securityContext) ?? {},
          podSecurityContext: podSc,
        };
        const ann = annotations[`${APPARMOR_ANNOTATION}${name}`];
        if (typeof ann === 'string') entry.apparmorAnnotation = ann;
        model.containers.push(entry);
      });
    }
  }
  return model;
}
