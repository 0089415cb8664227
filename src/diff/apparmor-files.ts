// Comparing AppArmor file rules: by path, modes added and removed; a new pattern that covers vanished rules is a broader
// glob (and only the modes beyond theirs count as added); deny rules compared by path, a narrowed deny widens.
import { byCodeUnit } from '../util/json.js';
import { isGlob, patternMatches, unescapePath } from './apparmor-glob.js';
import { modeText } from './apparmor-modes.js';
import type { AppArmorFileRule } from './apparmor-parse.js';
import { APPARMOR_RISK, broaderRisk, fileModesRisk } from './apparmor-risk.js';
import type { DiffFinding } from './types.js';

/** File rules keyed by "owner PATH" / "PATH", modes merged. */
function byKey(rules: readonly AppArmorFileRule[]): Map<string, { path: string; modes: Set<string> }> {
  const out = new Map<string, { path: string; modes: Set<string> }>();
  for (const r of rules) {
    const key = `${r.owner ? 'owner ' : ''}${r.path}`;
    const entry = out.get(key) ?? { path: r.path, modes: new Set<string>() };
    r.modes.forEach((m) => entry.modes.add(m));
    out.set(key, entry);
  }
  return out;
}

function minus(a: Iterable<string>, b: ReadonlySet<string>): string[] {
  return [...a].filter((m) => !b.has(m));
}

function addedFinding(
  subject: string,
  path: string,
  added: string[],
  all: Set<string>,
  was: Set<string> | undefined,
  note = '',
): DiffFinding {
  const r = fileModesRisk(path, added, [...all]);
  const what = was && was.size > 0 ? `+${modeText(added)} (${modeText(was)} -> ${modeText(all)})` : modeText(all);
  return {
    change: 'added',
    kind: 'file',
    subject,
    detail: `${what}${note}${r.why ? `: ${r.why}` : ''}`,
    risk: r.level === 'info' ? 'low' : r.level,
    widens: true,
  };
}

function removedFinding(
  subject: string,
  path: string,
  removed: string[],
  remaining: Set<string>,
  note = '',
): DiffFinding {
  const r = fileModesRisk(path, removed, [...removed, ...remaining]);
  const what = remaining.size > 0 ? `-${modeText(removed)} (now ${modeText(remaining)})` : modeText(removed);
  return {
    change: 'removed',
    kind: 'file',
    subject,
    detail: `${what}${note}`,
    risk: r.level === 'info' ? 'low' : r.level,
    widens: false,
  };
}

function union(sets: Iterable<Set<string>>): Set<string> {
  const out = new Set<string>();
  for (const s of sets) s.forEach((m) => out.add(m));
  return out;
}

/** Allow-rule findings. */
export function diffFileAllows(
  oldRules: readonly AppArmorFileRule[],
  newRules: readonly AppArmorFileRule[],
): DiffFinding[] {
  const before = byKey(oldRules);
  const after = byKey(newRules);
  const out: DiffFinding[] = [];
  const goneKeys = [...before.keys()].filter((k) => !after.has(k)).sort(byCodeUnit);
  const newKeys = [...after.keys()].filter((k) => !before.has(k)).sort(byCodeUnit);
  const sameOwner = (a: string, b: string) => a.startsWith('owner ') === b.startsWith('owner ');
  const covers = (coverKey: string, coveredKey: string): boolean => {
    const c = (after.get(coverKey) ?? before.get(coverKey))!;
    const d = (after.get(coveredKey) ?? before.get(coveredKey))!;
    return sameOwner(coverKey, coveredKey) && isGlob(c.path) && patternMatches(c.path, unescapePath(d.path));
  };

  for (const key of [...before.keys()].filter((k) => after.has(k)).sort(byCodeUnit)) {
    const a = before.get(key)!;
    const b = after.get(key)!;
    const added = minus(b.modes, a.modes);
    const removed = minus(a.modes, b.modes);
    if (added.length > 0) out.push(addedFinding(key, b.path, added, b.modes, a.modes));
    if (removed.length > 0) out.push(removedFinding(key, a.path, removed, b.modes));
  }

  const consumed = new Set<string>();
  for (const key of newKeys) {
    const b = after.get(key)!;
    const replaced = goneKeys.filter((g) => covers(key, g));
    const coveredBy = goneKeys.filter((g) => !replaced.includes(g) && covers(g, key));
    replaced.forEach((g) => consumed.add(g));
    if (replaced.length > 0) {
      const r = broaderRisk(b.path);
      const list = replaced.map((g) => before.get(g)!.path);
      out.push({
        change: 'changed',
        kind: 'glob',
        subject: key,
        detail: `broader pattern replaces ${list.length} rule${list.length === 1 ? '' : 's'}: ${list.join(', ')}`,
        risk: r.level,
        widens: true,
      });
      const baseline = union(replaced.map((g) => before.get(g)!.modes));
      const added = minus(b.modes, baseline);
      if (added.length > 0)
        out.push(addedFinding(key, b.path, added, b.modes, baseline, ' beyond the rules it replaces'));
      const lost = minus(baseline, b.modes);
      if (lost.length > 0) out.push(removedFinding(key, b.path, lost, b.modes, ' compared with the rules it replaces'));
    } else if (coveredBy.length > 0) {
      const baseline = union(coveredBy.map((g) => before.get(g)!.modes));
      const added = minus(b.modes, baseline);
      if (added.length > 0)
        out.push(addedFinding(key, b.path, added, b.modes, baseline, ' beyond the pattern it narrows'));
    } else {
      out.push(addedFinding(key, b.path, [...b.modes], b.modes, undefined));
    }
  }

  for (const key of goneKeys) {
    if (consumed.has(key)) continue;
    const a = before.get(key)!;
    const narrowedTo = newKeys.filter((n) => covers(key, n));
    if (narrowedTo.length > 0) {
      const kept = union(narrowedTo.map((n) => after.get(n)!.modes));
      out.push({
        change: 'changed',
        kind: 'glob',
        subject: key,
        detail: `narrowed to ${narrowedTo.length} rule${narrowedTo.length === 1 ? '' : 's'}: ${narrowedTo.map((n) => after.get(n)!.path).join(', ')}`,
        risk: APPARMOR_RISK.narrower.level,
        widens: false,
      });
      const lost = minus(a.modes, kept);
      if (lost.length > 0) out.push(removedFinding(key, a.path, lost, kept, ' (not kept by the narrower rules)'));
    } else {
      out.push(removedFinding(key, a.path, [...a.modes], new Set()));
    }
  }
  return out;
}

/** Deny-rule findings: an added or widened deny narrows (info), a removed or narrowed deny widens (high). */
export function diffFileDenies(
  oldRules: readonly AppArmorFileRule[],
  newRules: readonly AppArmorFileRule[],
): DiffFinding[] {
  const before = byKey(oldRules);
  const after = byKey(newRules);
  const out: DiffFinding[] = [];
  const keys = [...new Set([...before.keys(), ...after.keys()])].sort(byCodeUnit);
  for (const key of keys) {
    const a = before.get(key)?.modes ?? new Set<string>();
    const b = after.get(key)?.modes ?? new Set<string>();
    const added = minus(b, a);
    const removed = minus(a, b);
    const subject = `deny ${key}`;
    if (removed.length > 0) {
      const detail = b.size > 0 ? `-${modeText(removed)} (now denies ${modeText(b)})` : `denied ${modeText(a)}`;
      out.push({
        change: b.size > 0 ? 'changed' : 'removed',
        kind: 'deny',
        subject,
        detail: `${detail}: ${APPARMOR_RISK.removedDeny.why}`,
        risk: APPARMOR_RISK.removedDeny.level,
        widens: true,
      });
    }
    if (added.length > 0) {
      const detail = a.size > 0 ? `+${modeText(added)} (now denies ${modeText(b)})` : `denies ${modeText(b)}`;
      out.push({
        change: a.size > 0 ? 'changed' : 'added',
        kind: 'deny',
        subject,
        detail,
        risk: APPARMOR_RISK.addedDeny.level,
        widens: false,
      });
    }
  }
  return out;
}
