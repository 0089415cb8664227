// `verify --apparmor`: every access of the recordings checked against one profile with AppArmor's rules. A deny rule
// wins over any allow; an access that only an `owner` rule allows is listed as denied unless the process owns the file
// (the recording does not know owners); px/cx need their target profile, which must be in the same policy.
import { badInput } from '../errors.js';
import { aareMatches } from '../apparmor/aare.js';
import { compileProfile, profileAttaches, type CompiledFileRule, type CompiledProfile } from '../apparmor/compile.js';
import type { AaPolicy, AaProfile } from '../apparmor/policy.js';
import { permText, PERM_ORDER, type Perm } from '../apparmor/perms.js';
import { byCodeUnit } from '../util/json.js';
import {
  collectAccesses,
  originFields,
  pathBytes,
  STARTER,
  type LabelledRecording,
  type PathNeed,
} from './apparmor-accesses.js';
import { checkOthers } from './apparmor-others.js';
import type { AppArmorDenial, AppArmorVerifyReport, DenialCondition } from './apparmor-types.js';

type Status = DenialCondition | 'allowed';
const FIRST_EXEC =
  "only the run's first program: its exec is checked against the confinement of whoever starts it (runtime, aa-exec), this rule matters when the program runs it again";
const RANK: Readonly<Record<Status, number>> = {
  allowed: 0,
  'if-owner': 1,
  'unless-owner': 2,
  'needs-profile': 2,
  denied: 3,
};

interface PermResult {
  status: Status;
  deniedBy: CompiledFileRule[];
  notes: string[];
}

function at(r: CompiledFileRule): string {
  return `${r.where.file}:${r.where.line}: ${r.text}`;
}

/** Whether a profile for an exec transition exists in the policy: by target name, or by attachment. */
function transitionTarget(rule: CompiledFileRule, path: string, main: AaProfile, policy: AaPolicy): boolean {
  const child = /^[cC]/.test(rule.exec!);
  const pool = child ? main.children.filter((c) => !c.hat) : policy.profiles;
  if (rule.target) return pool.some((p) => p.name === rule.target || `${main.name}//${p.name}` === rule.target);
  return pool.some((p) => p.name === path || profileAttaches(policy, p, path));
}

/** The exec verdict for an allowed "x": exact rules' transitions win over globbing ones; px/cx need their profile. */
function execResult(granting: CompiledFileRule[], path: string, main: AaProfile, policy: AaPolicy): PermResult {
  const withExec = granting.filter((r) => r.exec !== undefined);
  const exact = withExec.filter((r) => r.exact);
  const chosen = exact.length > 0 ? exact : withExec;
  const notes = chosen.map((r) => `exec rule ${at(r)}`);
  if (new Set(chosen.map((r) => r.exec)).size > 1)
    return {
      status: 'denied',
      deniedBy: [],
      notes: [...notes, 'conflicting exec modes: apparmor_parser refuses such a profile'],
    };
  const strict = chosen.filter((r) => /^[pPcC]x$/.test(r.exec!) && !transitionTarget(r, path, main, policy));
  if (strict.length === 0) return { status: 'allowed', deniedBy: [], notes };
  const missing = strict.map(
    (r) =>
      `${r.exec} needs ${/^[cC]/.test(r.exec!) ? 'a child profile' : 'a profile'} ${r.target ? `named ${r.target}` : `attaching to ${path}`}, which this policy does not define: denied unless it is loaded`,
  );
  return { status: 'needs-profile', deniedBy: [], notes: [...notes, ...missing] };
}

/** One permission on one concrete path. */
function permResult(
  perm: Perm,
  matches: CompiledFileRule[],
  path: string,
  profile: CompiledProfile,
  policy: AaPolicy,
): PermResult {
  const has = (r: CompiledFileRule) => r.perms.has(perm);
  const denyAll = matches.filter((r) => r.q.deny && !r.q.owner && has(r));
  const denyOwner = matches.filter((r) => r.q.deny && r.q.owner && has(r));
  const allowAll = matches.filter((r) => !r.q.deny && !r.q.owner && has(r));
  const allowOwner = matches.filter((r) => !r.q.deny && r.q.owner && has(r));
  if (denyAll.length > 0) return { status: 'denied', deniedBy: denyAll, notes: [] };
  const granting = allowAll.length > 0 ? allowAll : allowOwner;
  if (granting.length === 0) return { status: 'denied', deniedBy: [], notes: [] };
  let status: Status = allowAll.length > 0 ? (denyOwner.length > 0 ? 'if-owner' : 'allowed') : 'unless-owner';
  if (allowAll.length === 0 && denyOwner.length > 0) return { status: 'denied', deniedBy: denyOwner, notes: [] };
  const notes: string[] = [];
  if (perm === 'x') {
    const exec = execResult(granting, path, profile.profile, policy);
    notes.push(...exec.notes);
    if (RANK[exec.status] > RANK[status]) status = exec.status;
  }
  return { status, deniedBy: status === 'if-owner' ? denyOwner : [], notes };
}

/** The file permissions a profile grants on one path: to any process, and to the file's owner (deny rules applied). */
export function grantedOn(profile: CompiledProfile, path: string | Uint8Array): { other: Set<Perm>; owner: Set<Perm> } {
  const other = new Set<Perm>();
  const owner = new Set<Perm>();
  const matches = profile.files.filter((r) => r.patterns.some((a) => aareMatches(a, path)));
  for (const r of matches.filter((m) => !m.q.deny)) r.perms.forEach((p) => (r.q.owner ? owner : other).add(p));
  other.forEach((p) => owner.add(p));
  for (const r of matches.filter((m) => m.q.deny)) {
    r.perms.forEach((p) => {
      owner.delete(p);
      if (!r.q.owner) other.delete(p);
    });
  }
  return { other, owner };
}

/** Per permission the worst result over every path AppArmor may see for the recorded one. */
function pathResults(need: PathNeed, profile: CompiledProfile, policy: AaPolicy): Map<Perm, PermResult> {
  const out = new Map<Perm, PermResult>();
  for (const seen of need.seenAs) {
    const bytes = pathBytes(seen);
    const matches = profile.files.filter((r) => r.patterns.some((a) => aareMatches(a, bytes)));
    for (const perm of need.needs.keys()) {
      const r = permResult(perm, matches, seen, profile, policy);
      const before = out.get(perm);
      if (!before || RANK[r.status] > RANK[before.status]) out.set(perm, r);
    }
  }
  return out;
}

/** The denials of one path: its file modes and its exec, each grouped by condition. */
function pathDenials(need: PathNeed, profile: CompiledProfile, policy: AaPolicy): AppArmorDenial[] {
  const results = pathResults(need, profile, policy);
  const groups = new Map<string, { kind: 'file' | 'exec'; status: DenialCondition; perms: Perm[] }>();
  for (const perm of PERM_ORDER) {
    const r = results.get(perm);
    if (!r || r.status === 'allowed') continue;
    const kind = perm === 'x' ? 'exec' : 'file';
    const key = `${kind} ${r.status}`;
    const g = groups.get(key) ?? { kind, status: r.status, perms: [] };
    g.perms.push(perm);
    groups.set(key, g);
  }
  return [...groups.values()].map((g) => {
    const rs = g.perms.map((p) => results.get(p)!);
    const o = g.kind === 'exec' && need.execOrigin ? need.execOrigin : need.origin;
    const first = g.kind === 'exec' && [...o.programs].every((p) => p === STARTER) ? [FIRST_EXEC] : [];
    return {
      kind: g.kind,
      subject: need.path,
      mode: permText(g.perms),
      condition: g.status,
      needs: [...new Set(g.perms.flatMap((p) => [...need.needs.get(p)!]))].sort(byCodeUnit),
      deniedBy: [...new Set(rs.flatMap((r) => r.deniedBy.map(at)))].sort(byCodeUnit),
      notes: [...new Set([...(need.note ? [need.note] : []), ...first, ...rs.flatMap((r) => r.notes)])].sort(
        byCodeUnit,
      ),
      ...originFields(o),
    };
  });
}

/** The profile a file's rules are checked against: its first top-level profile. */
function mainProfile(policy: AaPolicy, file: string, warnings: string[]): AaProfile {
  const [main, ...others] = policy.profiles;
  if (!main) throw badInput(`${file}: no profile in this file (expected "profile NAME { ... }")`);
  if (others.length > 0)
    warnings.push(
      `${file} defines ${others.length + 1} profiles; checked against the first, ${main.name} (not: ${others.map((p) => p.name).join(', ')})`,
    );
  const children = main.children.map((c) => `${c.hat ? '^' : ''}${c.name}`);
  if (children.length > 0)
    warnings.push(
      `child profiles and hats of ${main.name} are not checked (${children.join(', ')}): every access is checked against ${main.name} itself`,
    );
  if (main.flags.includes('complain'))
    warnings.push(
      `${main.name} is in complain mode (flags=(complain)): the kernel would log these accesses, not deny them; checked as if enforced`,
    );
  return main;
}

const KIND_ORDER = ['file', 'exec', 'capability', 'network'];

/** Check recordings against a policy's main profile. */
export function checkAppArmor(
  policy: AaPolicy,
  profileFile: string,
  recordings: readonly LabelledRecording[],
): AppArmorVerifyReport {
  const warnings: string[] = [];
  const main = mainProfile(policy, profileFile, warnings);
  const profile = compileProfile(policy, main);
  const accesses = collectAccesses(recordings);
  const unconfined = main.flags.includes('unconfined');
  if (unconfined) warnings.push(`${main.name} is unconfined (flags=(unconfined)): it denies nothing`);
  const denials = unconfined
    ? []
    : [
        ...[...accesses.paths.values()].flatMap((n) => pathDenials(n, profile, policy)),
        ...checkOthers(accesses, profile),
      ];
  denials.sort(
    (a, b) =>
      KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) ||
      byCodeUnit(a.subject, b.subject) ||
      byCodeUnit(a.condition, b.condition) ||
      byCodeUnit(a.mode, b.mode),
  );
  return {
    profile: {
      file: profileFile,
      name: main.name,
      flags: [...main.flags].sort(byCodeUnit),
      includes: policy.files.slice(1),
    },
    recordings: recordings.map((r) => ({ file: r.label, name: r.recording.name })),
    checked: {
      paths: [...accesses.paths.values()].filter((n) => n.needs.size > 0).length,
      execs: [...accesses.paths.values()].filter((n) => n.needs.has('x')).length,
      capabilities: accesses.capabilities.size,
      sockets: accesses.sockets.size,
    },
    denials,
    warnings: warnings.sort(byCodeUnit),
  };
}
