// What a seccomp profile means, beyond its shape: names, duplicates, defaults, architectures and risky allows.
import { riskOf } from './risk-catalogue.js';
import { classifySyscallName, NEWER_SYSCALLS, suggestSyscall } from './syscall-names.js';
import { memberPointer } from './seccomp-rules.js';
import { actionKey, ALLOWING_ACTIONS, appliesOnX86, ruleViews, type RuleView } from '../model/seccomp-profile.js';
import { finding, type Finding } from './types.js';
import { asObject } from '../util/json.js';

const OCI_TOP_FIELDS = new Set([
  'defaultAction',
  'defaultErrnoRet',
  'flags',
  'listenerPath',
  'listenerMetadata',
  'architectures',
  'syscalls',
]);
const DOCKER_TOP_EXTRA = new Set(['comment', 'archMap', 'defaultErrno']);
const OCI_RULE_FIELDS = new Set(['names', 'action', 'errnoRet', 'args']);
const DOCKER_RULE_EXTRA = new Set(['name', 'comment', 'includes', 'excludes', 'errno']);
const ARG_FIELDS = new Set(['index', 'value', 'valueTwo', 'op']);

/** The default action: an allow-all default is refused, a log default is a complain profile, notify cannot be a default. */
export function defaultActionFindings(profile: Record<string, unknown>, prefix: string): Finding[] {
  const where = `${prefix}/defaultAction`;
  const out: Finding[] = [];
  switch (profile.defaultAction) {
    case 'SCMP_ACT_ALLOW':
      out.push(
        finding(
          'error',
          'default action SCMP_ACT_ALLOW allows every syscall the rules do not name: a deny-list, not least privilege (use SCMP_ACT_ERRNO, or SCMP_ACT_LOG for a deliberate complain profile)',
          where,
        ),
      );
      break;
    case 'SCMP_ACT_LOG':
      out.push(
        finding(
          'warning',
          'default action SCMP_ACT_LOG is a complain profile: every syscall the rules do not name is allowed and only logged; nothing is enforced',
          where,
        ),
      );
      break;
    case 'SCMP_ACT_NOTIFY':
      out.push(
        finding(
          'error',
          'default action SCMP_ACT_NOTIFY: runc refuses it ("SCMP_ACT_NOTIFY cannot be used as default action")',
          where,
        ),
      );
      break;
    default:
      break;
  }
  const hasErrno = profile.defaultAction === 'SCMP_ACT_ERRNO' || profile.defaultAction === 'SCMP_ACT_TRACE';
  if ('defaultErrnoRet' in profile && !hasErrno) {
    out.push(
      finding(
        'warning',
        `defaultErrnoRet has no effect with default action ${JSON.stringify(profile.defaultAction)}; it applies to SCMP_ACT_ERRNO and SCMP_ACT_TRACE only`,
        `${prefix}/defaultErrnoRet`,
      ),
    );
  }
  return out;
}

const BAD_ARCH =
  "libseccomp's bad-architecture action (the thread is killed with SIGSYS) instead of this profile's rules";

/** Architectures: without the 32-bit x86 ABIs listed, their syscalls never reach the rules. */
export function architectureFindings(profile: Record<string, unknown>, prefix: string, docker: boolean): Finding[] {
  const archs = Array.isArray(profile.architectures)
    ? profile.architectures.filter((a): a is string => typeof a === 'string')
    : [];
  const archMap = Array.isArray(profile.archMap) ? profile.archMap.map(asObject).filter((e) => e !== undefined) : [];
  if (docker && archs.length === 0 && archMap.length > 0) {
    const x86 = archMap.find((e) => e.architecture === 'SCMP_ARCH_X86_64');
    const subs = Array.isArray(x86?.subArchitectures)
      ? (x86.subArchitectures as unknown[]).filter((a): a is string => typeof a === 'string')
      : [];
    const out: Finding[] = [
      finding(
        'info',
        'architectures come from "archMap", which Docker, Podman and CRI-O apply; containerd ignores it, so as a Kubernetes Localhost profile under containerd only the native x86_64 ABI is filtered',
        `${prefix}/archMap`,
      ),
    ];
    if (!x86) {
      out.push(
        finding(
          'warning',
          `"archMap" has no entry for SCMP_ARCH_X86_64: on an x86_64 host Docker adds no sub-architectures, and i386/x32 syscalls get ${BAD_ARCH}`,
          `${prefix}/archMap`,
        ),
      );
    } else {
      const missing = ['SCMP_ARCH_X86', 'SCMP_ARCH_X32'].filter((a) => !subs.includes(a));
      if (missing.length > 0)
        out.push(
          finding(
            'warning',
            `"archMap" entry for SCMP_ARCH_X86_64 lacks ${missing.join(' and ')}: those ABIs' syscalls get ${BAD_ARCH}`,
            `${prefix}/archMap`,
          ),
        );
    }
    return out;
  }
  if (archs.length === 0) {
    return [
      finding(
        'warning',
        `no "architectures": libseccomp builds the filter for the native ABI only (x86_64 here), so syscalls made through the i386 (int 0x80) or x32 ABIs get ${BAD_ARCH}; list SCMP_ARCH_X86_64, SCMP_ARCH_X86 and SCMP_ARCH_X32 to filter them by the same rules`,
        `${prefix}/architectures`,
      ),
    ];
  }
  if (!archs.includes('SCMP_ARCH_X86_64')) {
    if (archs.some((a) => a === 'SCMP_ARCH_X86' || a === 'SCMP_ARCH_X32')) {
      return [
        finding(
          'warning',
          'architectures name 32-bit x86 ABIs but not SCMP_ARCH_X86_64; libseccomp still adds the native ABI, so say so explicitly',
          `${prefix}/architectures`,
        ),
      ];
    }
    return [
      finding(
        'info',
        `architectures ${archs.join(', ')} do not include x86; this profile is for another platform (on an x86_64 host libseccomp adds the native ABI too)`,
        `${prefix}/architectures`,
      ),
    ];
  }
  const missing = ['SCMP_ARCH_X86', 'SCMP_ARCH_X32'].filter((a) => !archs.includes(a));
  if (missing.length === 0) return [];
  const abis = missing.map((a) => (a === 'SCMP_ARCH_X86' ? 'i386 (32-bit programs, int 0x80)' : 'x32')).join(' and ');
  return [
    finding(
      'warning',
      `architectures lack ${missing.join(' and ')}: syscalls made through the ${abis} ABI get ${BAD_ARCH}; list them so the same rules apply`,
      `${prefix}/architectures`,
    ),
  ];
}

function unknownNameFinding(name: string, where: string): Finding {
  if (name === '') return finding('error', 'empty syscall name (runc: "empty string is not a valid syscall")', where);
  const hint = suggestSyscall(name);
  return finding(
    'error',
    `unknown syscall name ${JSON.stringify(name)}: not a syscall on x86 and not in libseccomp's table for any architecture${hint ? ` (did you mean ${JSON.stringify(hint)}?)` : ''}`,
    where,
  );
}

/** Syscall names: unknown names are errors, names newer than our tables are warnings, other architectures' names are notes. */
export function nameFindings(rules: RuleView[], docker: boolean): Finding[] {
  const out: Finding[] = [];
  for (const rule of rules) {
    const onX86 = !docker || appliesOnX86(rule);
    for (const { name, where } of rule.names) {
      const cls = name === '' ? 'unknown' : classifySyscallName(name);
      if (cls === 'unknown') out.push(unknownNameFinding(name, where));
      else if (cls === 'newer') {
        const n = NEWER_SYSCALLS[name];
        const libseccomp = n?.libseccomp
          ? 'a libseccomp without it in its table (Debian 12 ships 2.5.4)'
          : 'libseccomp (not in its table yet)';
        out.push(
          finding(
            'warning',
            `syscall ${JSON.stringify(name)} is newer than the Linux 6.1 tables this build knows (added in ${n?.kernel ?? '?'}); ${libseccomp} cannot resolve it and runc then skips the name, so there this rule does not cover it`,
            where,
          ),
        );
      } else if (cls === 'other-arch' && onX86) {
        out.push(
          finding(
            'info',
            `${JSON.stringify(name)} is not a syscall on x86_64, i386 or x32 (libseccomp knows it for other architectures); on x86 the name has no effect`,
            where,
          ),
        );
      }
    }
  }
  return out;
}

function conditionKey(rule: RuleView): string {
  return JSON.stringify([rule.includes, rule.excludes]);
}

/** The same name twice in argument-free rules with the same conditions: a duplicate if the action is the same, a conflict otherwise. */
export function duplicateFindings(rules: RuleView[]): Finding[] {
  const out: Finding[] = [];
  const seen = new Map<string, { action: string; where: string }>();
  for (const rule of rules) {
    if (rule.hasArgs) continue;
    const action = actionKey(rule.action, rule.errnoRet);
    for (const { name, where } of rule.names) {
      const key = `${conditionKey(rule)}\u0000${name}`;
      const first = seen.get(key);
      if (!first) {
        seen.set(key, { action, where });
      } else if (first.action === action) {
        out.push(
          finding(
            'error',
            `duplicate syscall ${JSON.stringify(name)}: already listed at ${first.where} with the same action (${action}) and no argument filter`,
            where,
          ),
        );
      } else {
        out.push(
          finding(
            'error',
            `conflicting rules for ${JSON.stringify(name)}: ${first.action} at ${first.where} and ${action} here, both without an argument filter; which one applies depends on the runtime`,
            where,
          ),
        );
      }
    }
  }
  return out;
}

/** Rules the runtimes skip or refuse: same action as the default, errnoRet without ERRNO/TRACE, notify on write, argument index out of range. */
export function ruleActionFindings(profile: Record<string, unknown>, rules: RuleView[]): Finding[] {
  const out: Finding[] = [];
  const defaultKey = actionKey(
    typeof profile.defaultAction === 'string' ? profile.defaultAction : undefined,
    typeof profile.defaultErrnoRet === 'number' ? profile.defaultErrnoRet : undefined,
  );
  for (const rule of rules) {
    if (rule.action !== undefined && actionKey(rule.action, rule.errnoRet) === defaultKey && rule.names.length > 0) {
      out.push(
        finding(
          'info',
          `rule has the default action (${defaultKey}); runc skips such rules, so it has no effect`,
          `${rule.where}/action`,
        ),
      );
    }
    if (rule.errnoRet !== undefined && rule.action !== 'SCMP_ACT_ERRNO' && rule.action !== 'SCMP_ACT_TRACE') {
      out.push(
        finding(
          'warning',
          `errnoRet has no effect with action ${JSON.stringify(rule.action)}; it applies to SCMP_ACT_ERRNO and SCMP_ACT_TRACE only`,
          `${rule.where}/errnoRet`,
        ),
      );
    }
    if (rule.action === 'SCMP_ACT_NOTIFY' && rule.names.some((n) => n.name === 'write')) {
      out.push(
        finding(
          'error',
          'SCMP_ACT_NOTIFY on "write": runc refuses it (it needs write to hand the notify fd to its parent)',
          `${rule.where}/action`,
        ),
      );
    }
    const args = Array.isArray(rule.raw.args) ? rule.raw.args : [];
    args.forEach((arg, i) => {
      const index = asObject(arg)?.index;
      if (typeof index === 'number' && index > 5) {
        out.push(
          finding(
            'error',
            `argument index ${index} is out of range: syscalls have at most 6 arguments (0-5)`,
            `${rule.where}/args/${i}/index`,
          ),
        );
      }
    });
  }
  return out;
}

/** Critical and high-risk syscalls allowed with no argument filter and (Docker format) no capability condition. */
export function riskFindings(profile: Record<string, unknown>, rules: RuleView[], docker: boolean): Finding[] {
  if (profile.defaultAction === 'SCMP_ACT_ALLOW' || profile.defaultAction === 'SCMP_ACT_LOG') return [];
  const out: Finding[] = [];
  const reported = new Set<string>();
  for (const rule of rules) {
    if (!ALLOWING_ACTIONS.has(rule.action ?? '') || rule.hasArgs) continue;
    if (docker && (rule.includes.caps.length > 0 || !appliesOnX86(rule))) continue;
    for (const { name, where } of rule.names) {
      const risk = riskOf(name);
      if ((risk.level !== 'critical' && risk.level !== 'high') || reported.has(name)) continue;
      reported.add(name);
      const cond = rule.includes.minKernel ? ` (on kernels >= ${rule.includes.minKernel})` : '';
      out.push(
        finding(
          'warning',
          `allows ${risk.level}-risk syscall ${JSON.stringify(name)} unconditionally${cond} (risk: ${risk.why})`,
          where,
        ),
      );
    }
  }
  return out;
}

/** Fields no runtime reads: usually typos, silently ignored by JSON decoders. */
export function unknownFieldFindings(
  profile: Record<string, unknown>,
  rules: RuleView[],
  prefix: string,
  docker: boolean,
): Finding[] {
  const out: Finding[] = [];
  const note = docker ? 'Docker and the OCI runtimes ignore it' : 'OCI runtimes ignore it';
  for (const key of Object.keys(profile)) {
    if (!OCI_TOP_FIELDS.has(key) && !(docker && DOCKER_TOP_EXTRA.has(key))) {
      out.push(
        finding('warning', `unknown field ${JSON.stringify(key)}: ${note} (a typo?)`, memberPointer(prefix, key)),
      );
    }
  }
  for (const rule of rules) {
    for (const key of Object.keys(rule.raw)) {
      if (!OCI_RULE_FIELDS.has(key) && !(docker && DOCKER_RULE_EXTRA.has(key))) {
        out.push(
          finding(
            'warning',
            `unknown rule field ${JSON.stringify(key)}: ${note} (a typo?)`,
            memberPointer(rule.where, key),
          ),
        );
      }
    }
    const args = Array.isArray(rule.raw.args) ? rule.raw.args : [];
    args.forEach((arg, i) => {
      for (const key of Object.keys(asObject(arg) ?? {})) {
        if (!ARG_FIELDS.has(key))
          out.push(
            finding(
              'warning',
              `unknown argument field ${JSON.stringify(key)}: ${note} (a typo?)`,
              memberPointer(`${rule.where}/args/${i}`, key),
            ),
          );
      }
    });
  }
  return out;
}

/** All semantic checks of a profile object at `prefix`. */
export function semanticFindings(profile: Record<string, unknown>, prefix: string, docker: boolean): Finding[] {
  const rules = ruleViews(profile, prefix);
  return [
    ...defaultActionFindings(profile, prefix),
    ...architectureFindings(profile, prefix, docker),
    ...nameFindings(rules, docker),
    ...duplicateFindings(rules),
    ...ruleActionFindings(profile, rules),
    ...riskFindings(profile, rules, docker),
    ...unknownFieldFindings(profile, rules, prefix, docker),
  ];
}
