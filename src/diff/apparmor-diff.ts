// Comparing two AppArmor profiles: header (name, flags), includes, capabilities, network, files, other rules, and the
// lines neither side's reader understood.
import { byCodeUnit } from '../util/json.js';
import { capabilityRiskOf, networkRiskOf } from '../validate/risk-catalogue.js';
import { diffFileAllows, diffFileDenies } from './apparmor-files.js';
import type { AppArmorModel } from './apparmor-parse.js';
import { APPARMOR_RISK, flagRisk, otherRuleRisk } from './apparmor-risk.js';
import type { DiffFinding, DiffRisk, FindingKind } from './types.js';

function setDiff(a: readonly string[], b: readonly string[]): { added: string[]; removed: string[] } {
  const sa = new Set(a);
  const sb = new Set(b);
  return {
    added: [...sb].filter((x) => !sa.has(x)).sort(byCodeUnit),
    removed: [...sa].filter((x) => !sb.has(x)).sort(byCodeUnit),
  };
}

/** Findings for a set-valued part with allow and deny sides: added allows and removed denies widen. */
function sided(
  kind: FindingKind,
  oldSides: { allow: string[]; deny: string[] },
  newSides: { allow: string[]; deny: string[] },
  label: (key: string) => string,
  rate: (key: string) => { level: DiffRisk; why: string },
): DiffFinding[] {
  const out: DiffFinding[] = [];
  const allow = setDiff(oldSides.allow, newSides.allow);
  for (const k of allow.added)
    out.push({ change: 'added', kind, subject: label(k), detail: rate(k).why, risk: rate(k).level, widens: true });
  for (const k of allow.removed)
    out.push({ change: 'removed', kind, subject: label(k), detail: rate(k).why, risk: rate(k).level, widens: false });
  const deny = setDiff(oldSides.deny, newSides.deny);
  const denied = (k: string) => (kind === 'rule' ? `deny ${label(k)}` : `deny ${kind} ${label(k)}`);
  for (const k of deny.removed)
    out.push({
      change: 'removed',
      kind: 'deny',
      subject: denied(k),
      detail: APPARMOR_RISK.removedDeny.why,
      risk: APPARMOR_RISK.removedDeny.level,
      widens: true,
    });
  for (const k of deny.added)
    out.push({
      change: 'added',
      kind: 'deny',
      subject: denied(k),
      detail: APPARMOR_RISK.addedDeny.why,
      risk: APPARMOR_RISK.addedDeny.level,
      widens: false,
    });
  return out;
}

function capabilityRisk(name: string): { level: DiffRisk; why: string } {
  return name === ''
    ? { level: 'critical', why: 'a bare `capability,` rule: every capability' }
    : capabilityRiskOf(name);
}

function networkRisk(key: string): { level: DiffRisk; why: string } {
  const [family, type] = key === '' ? [undefined, undefined] : key.split(' ');
  return networkRiskOf(family, type);
}

function headerFindings(a: AppArmorModel, b: AppArmorModel): DiffFinding[] {
  const out: DiffFinding[] = [];
  const names = setDiff(a.profiles, b.profiles);
  if (names.added.length > 0 || names.removed.length > 0) {
    out.push({
      change: 'changed',
      kind: 'profile',
      subject: 'profile name',
      detail: `${a.profiles.join(', ') || '(none)'} -> ${b.profiles.join(', ') || '(none)'}`,
      risk: APPARMOR_RISK.profileName.level,
      widens: false,
    });
  }
  const flags = setDiff(a.flags, b.flags);
  for (const f of flags.added) {
    const r = flagRisk(f);
    out.push({
      change: 'added',
      kind: 'flag',
      subject: f,
      detail: r.why,
      risk: r.level,
      widens: r.level !== 'info' && r.level !== 'low',
    });
  }
  for (const f of flags.removed) {
    const r = flagRisk(f);
    out.push({ change: 'removed', kind: 'flag', subject: f, detail: r.why, risk: r.level, widens: false });
  }
  const includes = setDiff(a.includes, b.includes);
  for (const i of includes.added) {
    const r = i.startsWith('abi ')
      ? APPARMOR_RISK.abi
      : /^<tunables\//.test(i)
        ? APPARMOR_RISK.tunablesInclude
        : APPARMOR_RISK.include;
    out.push({
      change: 'added',
      kind: 'include',
      subject: i,
      detail: r.why,
      risk: r.level,
      widens: r.level !== 'info',
    });
  }
  for (const i of includes.removed)
    out.push({ change: 'removed', kind: 'include', subject: i, risk: 'info', widens: false });
  return out;
}

function unrecognisedFindings(a: AppArmorModel, b: AppArmorModel): DiffFinding[] {
  const out: DiffFinding[] = [];
  const before = new Set(a.unrecognised.map((u) => u.text));
  const after = new Set(b.unrecognised.map((u) => u.text));
  for (const u of b.unrecognised) {
    if (!before.has(u.text))
      out.push({
        change: 'added',
        kind: 'unrecognised',
        subject: u.text,
        detail: `NEW line ${u.line}: ${APPARMOR_RISK.unrecognised.why}`,
        risk: APPARMOR_RISK.unrecognised.level,
        widens: true,
      });
  }
  for (const u of a.unrecognised) {
    if (!after.has(u.text))
      out.push({
        change: 'removed',
        kind: 'unrecognised',
        subject: u.text,
        detail: `OLD line ${u.line}: not read by tracewall`,
        risk: 'info',
        widens: false,
      });
  }
  return out;
}

/** Every difference between two AppArmor profile models. */
export function diffAppArmor(a: AppArmorModel, b: AppArmorModel): DiffFinding[] {
  return [
    ...headerFindings(a, b),
    ...sided('capability', a.capabilities, b.capabilities, (k) => (k === '' ? '(all)' : k), capabilityRisk),
    ...sided('network', a.network, b.network, (k) => (k === '' ? '(all)' : k), networkRisk),
    ...sided('rule', a.rules, b.rules, (k) => k, otherRuleRisk),
    ...diffFileAllows(a.files.allow, b.files.allow),
    ...diffFileDenies(a.files.deny, b.files.deny),
    ...unrecognisedFindings(a, b),
  ];
}
