// Policy to seccomp profile (Docker profile format or plain OCI linux.seccomp): deny by default, allow what was observed.
import type { Abi } from '../recording/types.js';
import { ABIS } from '../recording/types.js';
import type { Policy } from '../analyze/policy-types.js';
import { X86_64_SYSCALLS, I386_SYSCALLS, X32_SYSCALLS } from '../syscalls/table.generated.js';
import { byCodeUnit } from '../util/json.js';
import { badInput } from '../errors.js';
import {
  addressFamilyName,
  addressFamilyValue,
  cloneCreatesNamespace,
  CLONE_NAMESPACE_MASK,
  personalityValue,
} from './seccomp-args.js';
import { quoteForMessage } from '../util/strings.js';
import {
  DEFAULT_ERRNO,
  ENOSYS,
  SECCOMP_ARCHITECTURES,
  type SeccompArg,
  type SeccompFormat,
  type SeccompProfile,
  type SeccompRule,
} from '../model/seccomp-profile.js';

export { SECCOMP_ARCHITECTURES, type SeccompFormat };

/** A profile as tracewall renders it: architectures and rules always present. */
export type RenderedSeccomp = SeccompProfile & Required<Pick<SeccompProfile, 'architectures' | 'syscalls'>>;

/** The default action for everything not allowed. */
export type SeccompDefault = 'errno' | 'kill-process' | 'log';

/** Options of renderSeccomp. */
export interface SeccompOptions {
  format: SeccompFormat;
  /** errno (EPERM, the default), kill-process, or log (a complain profile, on request only). */
  defaultAction?: SeccompDefault;
}

/** What each rule is for; the summary and tests use it, the JSON does not carry it. */
export type SeccompRuleKind = 'app' | 'args' | 'unconditional' | 'compat' | 'runtime' | 'clone3';

/** The format-independent rules with their kinds, the allowed names, and anything that could not be expressed. */
export interface SeccompPlan {
  rules: Array<{
    kind: SeccompRuleKind;
    rule: Required<Pick<SeccompRule, 'names' | 'action' | 'comment'>> & SeccompRule;
  }>;
  /** Names the application rules allow (conditionally or not) and the names the runtime layer adds. */
  allowed: { app: string[]; runtime: string[] };
  warnings: string[];
}

const EPERM = DEFAULT_ERRNO;
const SYSCALL_NAME = /^[a-z_][a-z0-9_]*$/;
const TABLES: Record<Abi, Readonly<Record<string, number>>> = {
  x86_64: X86_64_SYSCALLS,
  i386: I386_SYSCALLS,
  x32: X32_SYSCALLS,
};

interface Observed {
  abis: Set<Abi>;
  recordings: Set<string>;
  count: number;
  facts: number;
  args: Map<string, { values: Set<string>; facts: number }>;
}

/** The syscalls of all ABIs by name; an argument key survives only if every ABI's rule for the name knew it. */
function observedByName(policy: Policy): Map<string, Observed> {
  const out = new Map<string, Observed>();
  for (const abi of ABIS) {
    for (const [name, rule] of Object.entries(policy.syscalls[abi] ?? {})) {
      const o = out.get(name) ?? {
        abis: new Set<Abi>(),
        recordings: new Set<string>(),
        count: 0,
        facts: 0,
        args: new Map(),
      };
      o.abis.add(abi);
      rule.provenance.recordings.forEach((r) => o.recordings.add(r));
      o.count += rule.provenance.count;
      o.facts += 1;
      for (const [k, values] of Object.entries(rule.args ?? {})) {
        const a = o.args.get(k) ?? { values: new Set<string>(), facts: 0 };
        values.forEach((v) => a.values.add(v));
        a.facts += 1;
        o.args.set(k, a);
      }
      out.set(name, o);
    }
  }
  return out;
}

function knownArg(o: Observed, key: string): string[] | undefined {
  const a = o.args.get(key);
  return a && a.facts === o.facts && a.values.size > 0 ? [...a.values].sort(byCodeUnit) : undefined;
}

function provenanceText(o: Observed): string {
  const abis = [...o.abis].join('/');
  // No counts here: a re-recorded run with the same behaviour must render the same profile (CI drift checks).
  return `observed (${abis}) in ${[...o.recordings].sort(byCodeUnit).join(', ')}`;
}

type ArgDecision =
  | { kind: 'args'; rules: Array<{ args: SeccompArg[]; comment: string }> }
  | { kind: 'unconditional'; comment: string; warning?: string }
  | { kind: 'plain' };

/** socket, clone and personality narrowed by the values the recording knows; anything else is plain. */
function argDecision(name: string, o: Observed): ArgDecision {
  const prov = provenanceText(o);
  if (name === 'socket') {
    const domains = knownArg(o, 'domain');
    if (!domains) return { kind: 'plain' };
    const values = domains.map(addressFamilyValue);
    if (values.some((v) => v === undefined)) {
      return {
        kind: 'unconditional',
        comment: `socket: allowed for every family because a recorded family is not known (${domains.join(', ')}); ${prov}`,
        warning: `socket: unknown address family in ${JSON.stringify(domains)}; socket is allowed for every family`,
      };
    }
    const uniq = [...new Set(values as number[])].sort((a, b) => a - b);
    return {
      kind: 'args',
      rules: uniq.map((v) => ({
        args: [{ index: 0, value: v, op: 'SCMP_CMP_EQ' as const }],
        comment: `socket(${addressFamilyName(v)}): only the observed address families; ${prov}`,
      })),
    };
  }
  if (name === 'clone') {
    const flags = knownArg(o, 'flags');
    if (!flags) return { kind: 'plain' };
    const verdicts = flags.map(cloneCreatesNamespace);
    if (verdicts.includes(true)) {
      const ns = flags.filter((_, i) => verdicts[i] === true);
      return {
        kind: 'unconditional',
        comment: `clone: allowed with any flags because namespace flags were observed (${ns.join(', ')}); ${prov}`,
      };
    }
    if (verdicts.includes(undefined)) {
      return {
        kind: 'unconditional',
        comment: `clone: allowed with any flags because recorded flags could not be read (${flags.join(', ')}); ${prov}`,
        warning: `clone: unreadable flags in ${JSON.stringify(flags)}; clone is allowed with any flags`,
      };
    }
    return {
      kind: 'args',
      rules: [
        {
          args: [{ index: 0, value: CLONE_NAMESPACE_MASK, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }],
          comment: `clone: only without namespace flags (CLONE_NEW*), as observed (${flags.join(', ')}); ${prov}`,
        },
      ],
    };
  }
  if (name === 'personality') {
    const personas = knownArg(o, 'persona');
    if (!personas) return { kind: 'plain' };
    const values = personas.map(personalityValue);
    if (values.some((v) => v === undefined)) {
      return {
        kind: 'unconditional',
        comment: `personality: allowed for every value because a recorded value is not known (${personas.join(', ')}); ${prov}`,
        warning: `personality: unknown value in ${JSON.stringify(personas)}; personality is allowed for every value`,
      };
    }
    const uniq = [...new Set(values as number[])].sort((a, b) => a - b);
    return {
      kind: 'args',
      rules: uniq.map((v) => ({
        args: [{ index: 0, value: v, op: 'SCMP_CMP_EQ' as const }],
        comment: `personality(0x${v.toString(16)}): only the observed values; ${prov}`,
      })),
    };
  }
  return { kind: 'plain' };
}

type PlannedRule = SeccompPlan['rules'][number];

/** The observed names sorted into rule groups: plain x86_64, i386/x32 only, argument-restricted, unconditional. */
interface Groups {
  app: string[];
  compat: string[];
  argRules: PlannedRule[];
  unconditional: PlannedRule[];
  allowedApp: Set<string>;
  unconditionallyAllowed: Set<string>;
}

const allow = (kind: PlannedRule['kind'], names: string[], comment: string, extra: Partial<SeccompRule> = {}) => ({
  kind,
  rule: { names, action: 'SCMP_ACT_ALLOW', comment, ...extra },
});

/** Sort one observed name into its group, warning about names seccomp cannot use or this build does not know. */
function groupName(name: string, o: Observed, g: Groups, warnings: Set<string>): void {
  if (!SYSCALL_NAME.test(name) || /^syscall_0x[0-9a-f]+$/.test(name)) {
    warnings.add(
      `syscall ${quoteForMessage(name)} has no name seccomp can use and is not allowed (${provenanceText(o)})`,
    );
    return;
  }
  if (!ABIS.some((abi) => name in TABLES[abi])) {
    warnings.add(
      `syscall ${quoteForMessage(name)} is not in this build's syscall table; runtimes whose libseccomp does not know it will skip it`,
    );
  }
  const d = argDecision(name, o);
  g.allowedApp.add(name);
  if (d.kind === 'args') {
    for (const r of d.rules) g.argRules.push(allow('args', [name], r.comment, { args: r.args }));
    return;
  }
  g.unconditionallyAllowed.add(name);
  if (d.kind === 'unconditional') {
    if (d.warning) warnings.add(d.warning);
    g.unconditional.push(allow('unconditional', [name], d.comment));
  } else (o.abis.has('x86_64') ? g.app : g.compat).push(name);
}

/** The application's rules: one for plain x86_64 names, the argument and unconditional ones, one for 32-bit names. */
function appRules(g: Groups, sources: string, warnings: Set<string>): PlannedRule[] {
  const rules: PlannedRule[] = [];
  if (g.app.length > 0)
    rules.push(
      allow('app', g.app, `application: syscalls observed (x86_64) in ${sources}, no argument facts to narrow them`),
    );
  rules.push(...g.argRules, ...g.unconditional);
  if (g.compat.length === 0) return rules;
  const widening = g.compat.filter((n) => n in X86_64_SYSCALLS);
  if (widening.length > 0) {
    warnings.add(
      `observed only under the i386/x32 ABIs but also x86_64 syscalls, so x86_64 may use them too (seccomp JSON cannot restrict a rule to one ABI): ${widening.join(', ')}`,
    );
  }
  const note =
    widening.length > 0
      ? `; these also exist on x86_64 and are allowed there too: ${widening.join(', ')}`
      : '; none of them exists on x86_64';
  rules.push(
    allow(
      'compat',
      g.compat,
      `application: syscalls observed only under the i386/x32 ABIs in ${sources}; seccomp JSON cannot restrict a rule to one ABI, libseccomp resolves each name per architecture${note}`,
    ),
  );
  return rules;
}

/** The runtime layer's rule (what the runtime needs that the application rules do not allow) and its names. */
function runtimeRule(policy: Policy, unconditionallyAllowed: Set<string>): { rules: PlannedRule[]; added: string[] } {
  const layer = policy.runtime;
  const names = [...new Set(layer.syscalls)];
  const added = names.filter((n) => !unconditionallyAllowed.has(n)).sort(byCodeUnit);
  const shared = names.filter((n) => unconditionallyAllowed.has(n)).sort(byCodeUnit);
  if (layer.name === 'none' || added.length === 0) return { rules: [], added };
  const also =
    shared.length > 0 ? `; also needed but already allowed by the application rules: ${shared.join(', ')}` : '';
  const comment = `runtime layer: ${layer.name} ${layer.version} (measured; see tracewall's src/render/runtime-layers.ts): syscalls the runtime makes after installing the filter that the application did not${also}`;
  return { rules: [allow('runtime', added, comment)], added };
}

const CLONE3_RULE: PlannedRule = {
  kind: 'clone3',
  rule: {
    names: ['clone3'],
    action: 'SCMP_ACT_ERRNO',
    errnoRet: ENOSYS,
    comment:
      'clone3 was not observed: answer ENOSYS so that glibc falls back to clone (EPERM would break thread creation)',
  },
};

/** The rules of the profile, before choosing a format. Pure: the same policy gives the same plan. */
export function planSeccomp(policy: Policy): SeccompPlan {
  const warnings = new Set<string>();
  const observed = observedByName(policy);
  const g: Groups = {
    app: [],
    compat: [],
    argRules: [],
    unconditional: [],
    allowedApp: new Set(),
    unconditionallyAllowed: new Set(),
  };
  for (const name of [...observed.keys()].sort(byCodeUnit)) groupName(name, observed.get(name)!, g, warnings);
  const rules = appRules(g, policy.sources.join(', '), warnings);
  const runtime = runtimeRule(policy, g.unconditionallyAllowed);
  rules.push(...runtime.rules);
  if (!g.allowedApp.has('clone3') && !runtime.added.includes('clone3')) rules.push(structuredClone(CLONE3_RULE));
  return {
    rules,
    allowed: { app: [...g.allowedApp].sort(byCodeUnit), runtime: runtime.added },
    warnings: [...warnings].sort(byCodeUnit),
  };
}

const DEFAULT_ACTIONS: Record<SeccompDefault, string> = {
  errno: 'SCMP_ACT_ERRNO',
  'kill-process': 'SCMP_ACT_KILL_PROCESS',
  log: 'SCMP_ACT_LOG',
};

/** Check options up front, quoting the bad value. */
function checkOptions(opts: SeccompOptions): SeccompDefault {
  if (opts.format !== 'docker' && opts.format !== 'oci') {
    throw badInput(
      `seccomp format ${JSON.stringify(opts.format)} is not one tracewall writes (expected docker or oci)`,
    );
  }
  const d = opts.defaultAction ?? 'errno';
  if (!(d in DEFAULT_ACTIONS))
    throw badInput(
      `seccomp default action ${JSON.stringify(d)} is not supported (expected errno, kill-process or log)`,
    );
  return d;
}

/** One rule in the format's field order: names, action, errnoRet, args, comment (Docker only). */
function formatRule(r: SeccompRule, format: SeccompFormat): SeccompRule {
  const out: SeccompRule = { names: [...r.names], action: r.action };
  if (r.errnoRet !== undefined) out.errnoRet = r.errnoRet;
  if (r.args && r.args.length > 0) {
    out.args = r.args.map((a) =>
      a.valueTwo === undefined
        ? { index: a.index, value: a.value, op: a.op }
        : { index: a.index, value: a.value, valueTwo: a.valueTwo, op: a.op },
    );
  }
  if (format === 'docker' && r.comment !== undefined) out.comment = r.comment;
  return out;
}

/** The seccomp profile object for a policy: default deny (EPERM unless asked otherwise), never an allow-all default. */
export function renderSeccomp(policy: Policy, opts: SeccompOptions): RenderedSeccomp {
  const d = checkOptions(opts);
  const plan = planSeccomp(policy);
  return {
    defaultAction: DEFAULT_ACTIONS[d],
    ...(d === 'errno' ? { defaultErrnoRet: EPERM } : {}),
    architectures: [...SECCOMP_ARCHITECTURES],
    syscalls: plan.rules.map(({ rule }) => formatRule(rule, opts.format)),
  };
}

/** A seccomp profile as bytes: 2-space indent, fixed key order, trailing newline. */
export function seccompToJson(profile: SeccompProfile): string {
  return JSON.stringify(profile, null, 2) + '\n';
}

/** renderSeccomp, serialised. */
export function renderSeccompJson(policy: Policy, opts: SeccompOptions): string {
  return seccompToJson(renderSeccomp(policy, opts));
}
