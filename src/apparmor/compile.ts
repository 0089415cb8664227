// One profile of a policy made ready for checking: file rules with their variables expanded (and @{profile_name} set),
// runs of "/" collapsed, alias rules applied and every pattern compiled; capability and network rules as they are.
import { badInput } from '../errors.js';
import { AareError, aareMatches, collapseSlashes, compileAare, hasGlob, type Aare } from './aare.js';
import type { AaPolicy, AaProfile } from './policy.js';
import { ALL_FILE_MODES, modePerms, type Perm } from './perms.js';
import type { AaRule, Qualifiers } from './rules.js';
import { expandVariables, VariableError } from './variables.js';
import type { Where } from './lexer.js';
import { isExec } from '../diff/apparmor-modes.js';

/** A file (or link, or bare `file,`) rule ready to match. */
export interface CompiledFileRule {
  q: Qualifiers;
  where: Where;
  /** The rule as written, for reports. */
  text: string;
  patterns: Aare[];
  /** No glob in any of its patterns: an exact rule, whose exec mode wins over globbing rules'. */
  exact: boolean;
  perms: Set<Perm>;
  /** The exec transition (ix, px, ...), and its "-> target", when the rule has one. */
  exec?: string;
  target?: string;
}

/** A profile's rules, compiled. */
export interface CompiledProfile {
  profile: AaProfile;
  files: CompiledFileRule[];
  capabilities: Array<AaRule & { kind: 'capability' }>;
  network: Array<AaRule & { kind: 'network' }>;
}

function where(w: Where): string {
  return `${w.file}:${w.line}`;
}

/** Every pattern a path of a rule stands for: variables expanded, slashes collapsed, aliases applied. */
function patternsOf(path: string, policy: AaPolicy, profileName: string, w: Where): string[] {
  const vars = new Map(policy.variables);
  vars.set('profile_name', [profileName]);
  let texts: string[];
  try {
    texts = expandVariables(path, vars).map(collapseSlashes);
  } catch (err) {
    if (err instanceof VariableError) throw badInput(`${where(w)}: ${err.message}`);
    throw err;
  }
  for (const a of policy.aliases) {
    for (const t of [...texts]) if (t.startsWith(a.from)) texts.push(collapseSlashes(a.to + t.slice(a.from.length)));
  }
  return [...new Set(texts)];
}

function compileAll(texts: string[], w: Where): Aare[] {
  return texts.map((t) => {
    if (!t.startsWith('/') && !t.startsWith('{'))
      throw badInput(`${where(w)}: path ${JSON.stringify(t)} does not start with "/" after variable expansion`);
    try {
      return compileAare(t);
    } catch (err) {
      if (err instanceof AareError) throw badInput(`${where(w)}: ${err.message}`);
      throw err;
    }
  });
}

function fileRuleOf(rule: AaRule, policy: AaPolicy, name: string): CompiledFileRule | undefined {
  if (rule.kind === 'file-all') {
    const patterns = compileAll(['/{,**}'], rule.where);
    const modes = rule.q.deny ? ['r', 'w', 'l', 'k', 'm', 'x'] : ALL_FILE_MODES;
    const text = `${rule.q.deny ? 'deny ' : ''}${rule.q.owner ? 'owner ' : ''}file`;
    return {
      q: rule.q,
      where: rule.where,
      text,
      patterns,
      exact: false,
      perms: modePerms(modes),
      ...(rule.q.deny ? {} : { exec: 'ix' }),
    };
  }
  if (rule.kind === 'link') {
    const texts = patternsOf(rule.link, policy, name, rule.where);
    const text = `${rule.q.deny ? 'deny ' : ''}link ${rule.link} -> ${rule.target}`;
    return {
      q: rule.q,
      where: rule.where,
      text,
      patterns: compileAll(texts, rule.where),
      exact: false,
      perms: new Set(['l']),
    };
  }
  if (rule.kind !== 'file') return undefined;
  const texts = patternsOf(rule.path, policy, name, rule.where);
  const exec = rule.modes.find(isExec);
  const text = `${rule.q.deny ? 'deny ' : ''}${rule.q.owner ? 'owner ' : ''}${rule.path} ${rule.modes.join('')}${rule.target ? ` -> ${rule.target}` : ''}`;
  return {
    q: rule.q,
    where: rule.where,
    text,
    patterns: compileAll(texts, rule.where),
    exact: !texts.some(hasGlob),
    perms: modePerms(rule.modes),
    ...(exec ? { exec } : {}),
    ...(rule.target && exec ? { target: rule.target } : {}),
  };
}

/** Compile one profile's own rules (not its children's); pattern errors are exit-2 errors naming file and line. */
export function compileProfile(policy: AaPolicy, profile: AaProfile): CompiledProfile {
  const out: CompiledProfile = { profile, files: [], capabilities: [], network: [] };
  for (const rule of profile.rules) {
    if (rule.kind === 'capability') out.capabilities.push(rule);
    else if (rule.kind === 'network') out.network.push(rule);
    else {
      const f = fileRuleOf(rule, policy, profile.name);
      if (f) out.files.push(f);
    }
  }
  return out;
}

const attachments = new WeakMap<AaProfile, Aare[]>();

/** Whether a profile's attachment glob matches an executable's path (a profile with a bad attachment matches nothing). */
export function profileAttaches(policy: AaPolicy, profile: AaProfile, path: string): boolean {
  if (profile.attach === undefined) return false;
  let patterns = attachments.get(profile);
  if (!patterns) {
    try {
      patterns = compileAll(patternsOf(profile.attach, policy, profile.name, profile.where), profile.where);
    } catch {
      patterns = [];
    }
    attachments.set(profile, patterns);
  }
  return patterns.some((a) => aareMatches(a, path));
}
