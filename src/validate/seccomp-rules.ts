// A tolerant view of a seccomp profile's rules, shared by the semantic checks: it never trusts the shape.
import { asObject } from '../util/json.js';
import { pointerSegment } from './ajv-findings.js';

/** Docker-format include/exclude conditions of a rule. */
export interface RuleFilter {
  arches: string[];
  caps: string[];
  minKernel?: string;
}

/** One rule of `syscalls`, with the facts the checks need. */
export interface RuleView {
  index: number;
  /** JSON pointer of the rule. */
  where: string;
  raw: Record<string, unknown>;
  names: Array<{ name: string; where: string }>;
  action?: string;
  errnoRet?: number;
  hasArgs: boolean;
  includes: RuleFilter;
  excludes: RuleFilter;
}

function strings(value: unknown): string[] {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function filterOf(value: unknown): RuleFilter {
  const o = asObject(value);
  const f: RuleFilter = { arches: strings(o?.arches), caps: strings(o?.caps) };
  if (typeof o?.minKernel === 'string') f.minKernel = o.minKernel;
  return f;
}

/** The rules of a profile object; entries that are not objects are skipped (the schema check reports them). */
export function ruleViews(profile: Record<string, unknown>, prefix: string): RuleView[] {
  const list = Array.isArray(profile.syscalls) ? (profile.syscalls as unknown[]) : [];
  const out: RuleView[] = [];
  list.forEach((entry, index) => {
    const raw = asObject(entry);
    if (!raw) return;
    const where = `${prefix}/syscalls/${index}`;
    const names: RuleView['names'] = [];
    if (Array.isArray(raw.names)) {
      raw.names.forEach((n, i) => {
        if (typeof n === 'string') names.push({ name: n, where: `${where}/names/${i}` });
      });
    } else if (typeof raw.name === 'string') {
      names.push({ name: raw.name, where: `${where}/name` });
    }
    const view: RuleView = {
      index,
      where,
      raw,
      names,
      hasArgs: Array.isArray(raw.args) && raw.args.length > 0,
      includes: filterOf(raw.includes),
      excludes: filterOf(raw.excludes),
    };
    if (typeof raw.action === 'string') view.action = raw.action;
    if (typeof raw.errnoRet === 'number') view.errnoRet = raw.errnoRet;
    out.push(view);
  });
  return out;
}

/** Docker's names for the x86 family in `includes.arches` / `excludes.arches`. */
export const X86_DOCKER_ARCHES: ReadonlySet<string> = new Set(['amd64', '386', 'x86', 'x32']);

/** Docker architecture names (Go GOARCH names plus the x86/x32 aliases moby's own profile uses). */
export const DOCKER_ARCHES: ReadonlySet<string> = new Set([
  'amd64',
  '386',
  'x86',
  'x32',
  'arm',
  'arm64',
  'ppc',
  'ppc64',
  'ppc64le',
  's390',
  's390x',
  'mips',
  'mipsle',
  'mips64',
  'mips64le',
  'mips64n32',
  'mips64len32',
  'riscv64',
  'loong64',
  'loongarch64',
  'parisc',
  'parisc64',
  'sh',
]);

/** Whether a Docker-format rule takes effect on an x86_64 host. */
export function appliesOnX86(rule: RuleView): boolean {
  if (rule.excludes.arches.includes('amd64')) return false;
  return rule.includes.arches.length === 0 || rule.includes.arches.some((a) => X86_DOCKER_ARCHES.has(a));
}

/** The errno a rule or default action returns when none is given: runc and crun use EPERM. */
export const DEFAULT_ERRNO = 1;

/** A comparable key for an action and its errno (the errno matters only for ERRNO and TRACE). */
export function actionKey(action: string | undefined, errnoRet: number | undefined): string {
  if (action === 'SCMP_ACT_ERRNO' || action === 'SCMP_ACT_TRACE') return `${action}(${errnoRet ?? DEFAULT_ERRNO})`;
  return action ?? '?';
}

/** JSON pointer of a member of an object at `prefix`. */
export function memberPointer(prefix: string, key: string): string {
  return `${prefix}/${pointerSegment(key)}`;
}
