// Files whose contents are secrets: a new read of one is rated at least high in a diff, whatever else the rule does.
// Each entry has a pattern for literal paths and example paths that an AppArmor glob (`/etc/*`, `/home/*/.ssh/**`,
// `/**`) is tested against, so a broad rule that reaches a secret is rated as a read of it.
import type { DiffRisk } from './types.js';

/** A kind of secret file. */
export interface SecretPath {
  /** Literal paths of this kind. */
  match: RegExp;
  /** Paths a glob is tested against. */
  examples: readonly string[];
  level: Extract<DiffRisk, 'high' | 'critical'>;
  why: string;
}

/** The secret files of the risk catalogue, most severe first. */
export const SECRET_PATHS: readonly SecretPath[] = [
  {
    match: /^\/(proc\/kcore|dev\/(mem|kmem|port))$/,
    examples: ['/proc/kcore', '/dev/mem', '/dev/kmem', '/dev/port'],
    level: 'critical',
    why: 'kernel or physical memory: every secret on the host',
  },
  {
    match: /^\/etc\/(g?shadow-?|security\/opasswd)$/,
    examples: ['/etc/shadow', '/etc/gshadow', '/etc/shadow-', '/etc/gshadow-', '/etc/security/opasswd'],
    level: 'high',
    why: 'password hashes',
  },
  {
    match: /^\/(root|home\/[^/]+)\/\.ssh\/.+|^\/etc\/ssh\/ssh_host_[^/]*_key$/,
    examples: ['/root/.ssh/id_rsa', '/home/user/.ssh/id_ed25519', '/etc/ssh/ssh_host_ed25519_key'],
    level: 'high',
    why: 'SSH private keys',
  },
  {
    match: /^(\/var)?\/run\/secrets\/.+/,
    examples: [
      '/var/run/secrets/kubernetes.io/serviceaccount/token',
      '/run/secrets/kubernetes.io/serviceaccount/token',
      '/run/secrets/db-password',
    ],
    level: 'high',
    why: 'mounted secrets: Kubernetes service-account tokens, Docker secrets',
  },
  {
    match:
      /^\/etc\/kubernetes\/(pki\/.+|[^/]+\.conf)$|^\/var\/lib\/kubelet\/pki\/.+|^\/(root|home\/[^/]+)\/\.kube\/config$/,
    examples: [
      '/etc/kubernetes/pki/ca.key',
      '/etc/kubernetes/admin.conf',
      '/var/lib/kubelet/pki/kubelet.key',
      '/root/.kube/config',
    ],
    level: 'high',
    why: 'Kubernetes credentials: cluster keys and kubeconfigs',
  },
  {
    match:
      /^\/etc\/(ssl\/private\/.+|krb5\.keytab|sudoers(\.d\/.+)?)$|^\/(root|home\/[^/]+)\/\.(aws\/credentials|docker\/config\.json|netrc|gnupg\/.+)$/,
    examples: [
      '/etc/ssl/private/server.key',
      '/etc/krb5.keytab',
      '/etc/sudoers',
      '/root/.aws/credentials',
      '/root/.docker/config.json',
      '/home/user/.netrc',
      '/root/.gnupg/private-keys-v1.d/key',
    ],
    level: 'high',
    why: 'private keys, keytabs and stored credentials',
  },
];

/** The secret a literal path is, if any. */
export function secretOfPath(path: string): SecretPath | undefined {
  return SECRET_PATHS.find((s) => s.match.test(path));
}

/**
 * The secret a rule's pattern can read, if any: its literal text is one, or the glob matches an example path
 * (`matches` is the AppArmor glob matcher, `literal` the pattern with its escapes undone).
 */
export function secretOfPattern(
  pattern: string,
  literal: string,
  matches: (pattern: string, path: string) => boolean,
): SecretPath | undefined {
  return SECRET_PATHS.find((s) => s.match.test(literal) || s.examples.some((e) => matches(pattern, e)));
}
