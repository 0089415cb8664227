// Checking Kubernetes YAML: every document parsed, workload documents validated against our securityContext schema,
// findings placed on the YAML line they are about.
import { LineCounter, parseAllDocuments, type Document } from 'yaml';
import { ajvFindings } from './ajv-findings.js';
import { closestMatch } from './closest.js';
import { draft07Validator } from './schemas.js';
import { finding, type Finding } from './types.js';
import { asObject } from '../util/json.js';
import { pssFindings } from './k8s-pss.js';

/** Kinds whose pod template the schema checks; other kinds are reported as not checked. */
export const WORKLOAD_KINDS: ReadonlySet<string> = new Set([
  'Pod',
  'Deployment',
  'StatefulSet',
  'DaemonSet',
  'ReplicaSet',
  'ReplicationController',
  'Job',
  'CronJob',
]);

/** Linux capability names as Kubernetes spells them (no CAP_ prefix), plus ALL. */
export const CAPABILITY_NAMES: ReadonlySet<string> = new Set([
  'ALL',
  'CHOWN',
  'DAC_OVERRIDE',
  'DAC_READ_SEARCH',
  'FOWNER',
  'FSETID',
  'KILL',
  'SETGID',
  'SETUID',
  'SETPCAP',
  'LINUX_IMMUTABLE',
  'NET_BIND_SERVICE',
  'NET_BROADCAST',
  'NET_ADMIN',
  'NET_RAW',
  'IPC_LOCK',
  'IPC_OWNER',
  'SYS_MODULE',
  'SYS_RAWIO',
  'SYS_CHROOT',
  'SYS_PTRACE',
  'SYS_PACCT',
  'SYS_ADMIN',
  'SYS_BOOT',
  'SYS_NICE',
  'SYS_RESOURCE',
  'SYS_TIME',
  'SYS_TTY_CONFIG',
  'MKNOD',
  'LEASE',
  'AUDIT_WRITE',
  'AUDIT_CONTROL',
  'SETFCAP',
  'MAC_OVERRIDE',
  'MAC_ADMIN',
  'SYSLOG',
  'WAKE_ALARM',
  'BLOCK_SUSPEND',
  'AUDIT_READ',
  'PERFMON',
  'BPF',
  'CHECKPOINT_RESTORE',
]);

/** Fields of core/v1 Container; anything else at container level is probably a typo (the schema leaves containers open). */
export const CONTAINER_FIELDS: ReadonlySet<string> = new Set([
  'args',
  'command',
  'env',
  'envFrom',
  'image',
  'imagePullPolicy',
  'lifecycle',
  'livenessProbe',
  'name',
  'ports',
  'readinessProbe',
  'resizePolicy',
  'resources',
  'restartPolicy',
  'restartPolicyRules',
  'securityContext',
  'startupProbe',
  'stdin',
  'stdinOnce',
  'targetContainerName',
  'terminationMessagePath',
  'terminationMessagePolicy',
  'tty',
  'volumeDevices',
  'volumeMounts',
  'workingDir',
]);

const APPARMOR_ANNOTATION = 'container.apparmor.security.beta.kubernetes.io/';
const SECCOMP_ANNOTATIONS = [
  'seccomp.security.alpha.kubernetes.io/pod',
  'container.seccomp.security.alpha.kubernetes.io/',
];

type Located = { value: Record<string, unknown>; pointer: string };

function podSpecs(doc: Record<string, unknown>): Located[] {
  const spec = asObject(doc.spec);
  const kind = doc.kind;
  if (kind === undefined) {
    const out: Located[] = [{ value: doc, pointer: '' }];
    if (spec) out.push({ value: spec, pointer: '/spec' });
    return out;
  }
  if (kind === 'Pod') return spec ? [{ value: spec, pointer: '/spec' }] : [];
  if (kind === 'CronJob') {
    const inner = asObject(asObject(asObject(asObject(spec?.jobTemplate)?.spec)?.template)?.spec);
    return inner ? [{ value: inner, pointer: '/spec/jobTemplate/spec/template/spec' }] : [];
  }
  const tmpl = asObject(asObject(spec?.template)?.spec);
  return tmpl ? [{ value: tmpl, pointer: '/spec/template/spec' }] : [];
}

function containersOf(pod: Located): Located[] {
  const out: Located[] = [];
  for (const field of ['containers', 'initContainers', 'ephemeralContainers']) {
    const list = pod.value[field];
    if (!Array.isArray(list)) continue;
    list.forEach((c, i) => {
      const o = asObject(c);
      if (o) out.push({ value: o, pointer: `${pod.pointer}/${field}/${i}` });
    });
  }
  return out;
}

function metadataChecks(doc: Record<string, unknown>, pointerPrefix: string): Finding[] {
  const out: Finding[] = [];
  const annotations = asObject(asObject(doc.metadata)?.annotations) ?? {};
  for (const [key, value] of Object.entries(annotations)) {
    const where = `${pointerPrefix}/metadata/annotations/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
    if (key.startsWith(APPARMOR_ANNOTATION)) {
      if (typeof value !== 'string' || !/^(runtime\/default|unconfined|localhost\/\S+)$/.test(value)) {
        out.push(
          finding(
            'error',
            `AppArmor annotation value must be "runtime/default", "unconfined" or "localhost/<profile>" (found ${JSON.stringify(value)})`,
            where,
          ),
        );
      } else {
        out.push(
          finding(
            'info',
            'AppArmor annotation: honoured before Kubernetes 1.30; newer clusters use securityContext.appArmorProfile',
            where,
          ),
        );
      }
    }
    if (SECCOMP_ANNOTATIONS.some((a) => key === a || (a.endsWith('/') && key.startsWith(a)))) {
      out.push(
        finding(
          'warning',
          'seccomp annotations are ignored since Kubernetes 1.27; use securityContext.seccompProfile',
          where,
        ),
      );
    }
  }
  return out;
}

function securityContextChecks(sc: Record<string, unknown>, pointer: string): Finding[] {
  const out: Finding[] = [];
  const caps = asObject(sc.capabilities);
  for (const side of ['add', 'drop']) {
    const list = caps?.[side];
    if (!Array.isArray(list)) continue;
    list.forEach((cap, i) => {
      if (typeof cap !== 'string' || !/^[A-Z][A-Z0-9_]*$/.test(cap) || cap.startsWith('CAP_')) return;
      if (!CAPABILITY_NAMES.has(cap)) {
        const hint = closestMatch(cap, CAPABILITY_NAMES);
        out.push(
          finding(
            'warning',
            `unknown capability ${JSON.stringify(cap)}${hint ? ` (did you mean ${JSON.stringify(hint)}?)` : ''}; the container runtime will refuse it`,
            `${pointer}/capabilities/${side}/${i}`,
          ),
        );
      }
    });
  }
  const profile = asObject(sc.seccompProfile)?.localhostProfile;
  if (typeof profile === 'string' && (profile.startsWith('/') || profile.split('/').includes('..'))) {
    out.push(
      finding(
        'error',
        `seccompProfile.localhostProfile must be a descending path relative to the kubelet's seccomp directory (found ${JSON.stringify(profile)})`,
        `${pointer}/seccompProfile/localhostProfile`,
      ),
    );
  }
  return out;
}

/** Checks the schema cannot express: container-level typos, capability names, Localhost paths, annotations. */
function extraChecks(doc: Record<string, unknown>): Finding[] {
  const out = metadataChecks(doc, '');
  for (const pod of podSpecs(doc)) {
    const podSc = asObject(pod.value.securityContext);
    if (podSc) out.push(...securityContextChecks(podSc, `${pod.pointer}/securityContext`));
    for (const c of containersOf(pod)) {
      for (const key of Object.keys(c.value)) {
        if (!CONTAINER_FIELDS.has(key)) {
          const hint = closestMatch(key, CONTAINER_FIELDS);
          out.push(
            finding(
              'warning',
              `unknown container field ${JSON.stringify(key)}${hint ? ` (did you mean ${JSON.stringify(hint)}?)` : ''}`,
              `${c.pointer}/${key}`,
            ),
          );
        }
      }
      const sc = asObject(c.value.securityContext);
      if (sc) out.push(...securityContextChecks(sc, `${c.pointer}/securityContext`));
    }
    out.push(...pssFindings(pod, containersOf(pod)));
  }
  return out;
}

function decodePointer(pointer: string): Array<string | number> {
  if (pointer === '' || pointer === '/') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((s) => {
      const key = s.replace(/~1/g, '/').replace(/~0/g, '~');
      return /^\d+$/.test(key) ? Number(key) : key;
    });
}

/** The YAML line of the node a JSON pointer names, or of its nearest existing ancestor. */
function lineOf(doc: Document, lines: LineCounter, pointer: string): number | undefined {
  const path = decodePointer(pointer);
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
    const range = (node as { range?: [number, number, number] } | null | undefined)?.range;
    if (range) return lines.linePos(range[0]).line;
  }
  return undefined;
}

/** Validate the text of a Kubernetes YAML file (all documents). */
export function validateK8sText(text: string): Finding[] {
  const lines = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter: lines });
  if (!Array.isArray(docs) || docs.length === 0) return [finding('error', 'no YAML documents in the file')];
  const multi = docs.length > 1;
  const out: Finding[] = [];
  docs.forEach((doc, i) => {
    const label = multi ? `document ${i + 1}, ` : '';
    for (const [severity, list] of [
      ['error', doc.errors],
      ['warning', doc.warnings],
    ] as const) {
      for (const e of list) {
        const pos = e.linePos?.[0];
        const message = (e.message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
        out.push(
          finding(
            severity,
            `YAML: ${message}`,
            pos ? `${label}line ${pos.line}, column ${pos.col}` : label.replace(/, $/, '') || undefined,
          ),
        );
      }
    }
    if (doc.errors.length > 0) return;
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) return;
    const obj = asObject(value);
    if (!obj) {
      out.push(
        finding('error', 'a Kubernetes document must be a mapping', `${label}line ${lineOf(doc, lines, '') ?? 1}`),
      );
      return;
    }
    if (typeof obj.kind === 'string' && !WORKLOAD_KINDS.has(obj.kind)) {
      out.push(
        finding(
          'info',
          `kind ${obj.kind}: not a workload, securityContext not checked`,
          `${label}line ${lineOf(doc, lines, '/kind') ?? 1}, /kind`,
        ),
      );
      return;
    }
    const validate = draft07Validator('k8s-security-context.schema.json');
    const found = validate(obj) ? [] : ajvFindings(validate.errors, '');
    const located = [...found, ...extraChecks(obj)].map((f) => ({
      f,
      pointer: f.where ?? '',
      line: lineOf(doc, lines, f.where ?? '') ?? 0,
    }));
    located.sort((a, b) => a.line - b.line);
    for (const { f, pointer, line } of located) {
      out.push({ ...f, where: `${label}${line > 0 ? `line ${line}, ` : ''}${pointer || '/'}` });
    }
  });
  return out;
}
