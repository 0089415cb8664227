// Recognising what a file is from its content; the file name only breaks ties.
import { isDockerFormat } from './docker-format.js';
import type { FileKind } from './types.js';
import { asObject } from '../util/json.js';

const APPARMOR_SIGNS = [
  /^\s*#?include\s+<tunables\/global>/m,
  /^\s*abi\s+<abi\/[^>]+>\s*,/m,
  /^\s*(?:profile\s+\S+(?:\s+\S+)?|\/\S*)\s+(?:flags\s*=\s*\([^)]*\)\s*)?\{\s*(?:#.*)?$/m,
];

/** The kind of a parsed JSON value, by the members it has. */
export function kindOfJson(value: unknown): FileKind {
  const obj = asObject(value);
  if (!obj) return 'unknown';
  if ('schemaVersion' in obj && 'tracer' in obj) return 'recording';
  if ('defaultAction' in obj) return isDockerFormat(obj) ? 'seccomp-docker' : 'seccomp-oci';
  if ('ociVersion' in obj || ('process' in obj && 'root' in obj)) return 'oci-config';
  if ('apiVersion' in obj && 'kind' in obj) return 'k8s';
  return 'unknown';
}

/** The kind of JSON-looking text that does not parse, guessed from the member names it mentions. */
function kindOfBrokenJson(text: string): FileKind {
  const has = (name: string): boolean => new RegExp(`"${name}"\\s*:`).test(text);
  if (has('schemaVersion') && has('tracer')) return 'recording';
  if (has('defaultAction'))
    return ['archMap', 'includes', 'excludes', 'comment', 'defaultErrno'].some(has) ? 'seccomp-docker' : 'seccomp-oci';
  if (has('ociVersion')) return 'oci-config';
  return 'unknown';
}

/** Whether text looks like an AppArmor profile. */
export function looksLikeApparmor(text: string): boolean {
  return APPARMOR_SIGNS.some((re) => re.test(text));
}

/** What a file is: recording, seccomp profile (Docker or plain OCI), OCI config.json, AppArmor profile, Kubernetes YAML, or unknown. */
export function detectKind(text: string, fileName: string): FileKind {
  const body = text.replace(/^\uFEFF/, '');
  const first = body.trimStart()[0];
  if (first === '{' || first === '[') {
    try {
      const kind = kindOfJson(JSON.parse(body));
      if (kind !== 'unknown') return kind;
    } catch {
      return kindOfBrokenJson(body);
    }
  }
  if (looksLikeApparmor(body)) return 'apparmor';
  if (/^\s*(apiVersion|kind)\s*:/m.test(body) || /^\s*securityContext\s*:/m.test(body)) return 'k8s';
  if (/\.(apparmor|aa)$/i.test(fileName) || /(^|\/)apparmor\.d\//.test(fileName)) return 'apparmor';
  return 'unknown';
}
