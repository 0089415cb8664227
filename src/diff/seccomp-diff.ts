// Comparing two seccomp models: default action, architectures, and per syscall name its effective treatment.
import { withArgNames } from './arg-names.js';
import { byCodeUnit } from '../util/json.js';
import { riskOf } from '../validate/risk-catalogue.js';
import { lowerRisk } from './risk.js';
import type { SeccompView } from './seccomp-view.js';
import { ALLOWING_ACTIONS } from '../model/seccomp-profile.js';
import { conditionsWiden, conditionText, isDelegating, syscallState, type SyscallState } from './seccomp-state.js';
import type { DiffFinding, DiffRisk } from './types.js';

/** Risk of a default action that allows every syscall no rule names. */
export const ALLOWING_DEFAULT_RISK: DiffRisk = 'critical';
/** Risk of a default action that hands every unnamed syscall to a tracer or listener. */
export const DELEGATING_DEFAULT_RISK: DiffRisk = 'high';
/** Risk of adding an architecture: its syscall table now reaches the rules instead of the bad-architecture action. */
export const ADDED_ARCH_RISK: DiffRisk = 'medium';
/** Risk attached to removing an architecture: processes using that ABI are now killed. */
export const REMOVED_ARCH_RISK: DiffRisk = 'low';

function defaultClass(action: string): 'allow' | 'delegate' | 'deny' {
  return ALLOWING_ACTIONS.has(action) ? 'allow' : isDelegating(action) ? 'delegate' : 'deny';
}

function defaultFinding(oldModel: SeccompView, newModel: SeccompView): DiffFinding[] {
  const from = oldModel.defaultAction;
  const to = newModel.defaultAction;
  if (from === to) return [];
  const detail = `${from} -> ${to}`;
  const a = defaultClass(from);
  const b = defaultClass(to);
  const rank = { deny: 0, delegate: 1, allow: 2 } as const;
  const level = (c: 'allow' | 'delegate' | 'deny'): DiffRisk =>
    c === 'allow' ? ALLOWING_DEFAULT_RISK : c === 'delegate' ? DELEGATING_DEFAULT_RISK : 'info';
  if (rank[b] > rank[a]) {
    return [
      {
        change: 'changed',
        kind: 'default-action',
        subject: 'defaultAction',
        detail: `${detail}: every syscall no rule names is now ${b === 'allow' ? 'allowed' : 'decided outside the kernel'}`,
        risk: level(b),
        widens: true,
      },
    ];
  }
  if (rank[b] < rank[a]) {
    return [
      {
        change: 'changed',
        kind: 'default-action',
        subject: 'defaultAction',
        detail: `${detail}: syscalls no rule names are no longer ${a === 'allow' ? 'allowed' : 'decided outside the kernel'}`,
        risk: level(a),
        widens: false,
      },
    ];
  }
  return [{ change: 'changed', kind: 'default-action', subject: 'defaultAction', detail, risk: 'info', widens: false }];
}

function architectureFindings(oldModel: SeccompView, newModel: SeccompView): DiffFinding[] {
  const out: DiffFinding[] = [];
  const before = new Set(oldModel.architectures);
  const after = new Set(newModel.architectures);
  const note = (m: SeccompView) => (m.nativeOnly ? ' (no architectures listed: native x86_64 only)' : '');
  for (const a of after) {
    if (!before.has(a))
      out.push({
        change: 'added',
        kind: 'architecture',
        subject: a,
        detail: `syscalls of this ABI now reach the rules instead of being killed${note(oldModel)}`,
        risk: ADDED_ARCH_RISK,
        widens: true,
      });
  }
  for (const a of before) {
    if (!after.has(a))
      out.push({
        change: 'removed',
        kind: 'architecture',
        subject: a,
        detail: `processes using this ABI are now killed (bad-architecture action)${note(newModel)}`,
        risk: REMOVED_ARCH_RISK,
        widens: false,
      });
  }
  return out;
}

/** The syscall's catalogue rating, lowered one level when every allow is narrowed by an argument filter. */
function stateRisk(name: string, s: SyscallState): DiffRisk {
  const level = riskOf(name).level;
  return s.status === 'conditional' && s.argFilteredOnly ? lowerRisk(level) : level;
}

function why(name: string): string {
  const r = riskOf(name);
  return r.level === 'low' ? '' : ` (${r.why})`;
}

function describe(s: SyscallState): string {
  switch (s.status) {
    case 'allowed':
      return s.notes.length > 0 ? `allowed ${s.notes.join(', ')}` : 'allowed';
    case 'conditional':
      return `allowed only when: ${s.conditions.map(conditionText).join('; or ')}`;
    case 'denied':
      return `denied with ${s.action}${s.explicit ? '' : ' (the default action)'}`;
  }
}

/** The finding for one syscall whose treatment differs, or none. */
function syscallFinding(name: string, a: SyscallState, b: SyscallState): DiffFinding | undefined {
  const base = { kind: 'syscall' as const, subject: name };
  if (a.status === 'denied' && b.status === 'denied') {
    if (a.action === b.action || (!a.explicit && !b.explicit)) return undefined;
    return { ...base, change: 'changed', detail: `${describe(a)} -> ${describe(b)}`, risk: 'info', widens: false };
  }
  if (a.status === 'allowed' && b.status === 'allowed') return undefined;
  if (a.status === 'denied') {
    return { ...base, change: 'added', detail: `${describe(b)}${why(name)}`, risk: stateRisk(name, b), widens: true };
  }
  if (b.status === 'denied') {
    return {
      ...base,
      change: 'removed',
      detail: `was ${describe(a)}${why(name)}`,
      risk: stateRisk(name, a),
      widens: false,
    };
  }
  if (a.status === 'conditional' && b.status === 'allowed') {
    return {
      ...base,
      change: 'changed',
      detail: `condition dropped: now ${describe(b)}, was ${describe(a)}${why(name)}`,
      risk: stateRisk(name, b),
      widens: true,
    };
  }
  if (a.status === 'allowed' && b.status === 'conditional') {
    return {
      ...base,
      change: 'changed',
      detail: `narrowed: now ${describe(b)}, was ${describe(a)}`,
      risk: stateRisk(name, a),
      widens: false,
    };
  }
  if (a.status === 'conditional' && b.status === 'conditional') {
    const before = a.conditions.map(conditionText);
    const after = b.conditions.map(conditionText);
    const added = after.filter((c) => !before.includes(c));
    const removed = before.filter((c) => !after.includes(c));
    if (added.length === 0 && removed.length === 0) return undefined;
    const widens = conditionsWiden(a.conditions, b.conditions);
    const parts = [...added.map((c) => `+ ${c}`), ...removed.map((c) => `- ${c}`)];
    const risk = stateRisk(name, widens ? b : a);
    return {
      ...base,
      change: 'changed',
      detail: `conditions ${widens ? 'widened' : 'narrowed or equivalent'}: ${parts.join('; ')}${widens ? why(name) : ''}`,
      risk,
      widens,
    };
  }
  return undefined;
}

/** Every difference between two seccomp models. */
export function diffSeccomp(oldModel: SeccompView, newModel: SeccompView): DiffFinding[] {
  const out = [...defaultFinding(oldModel, newModel), ...architectureFindings(oldModel, newModel)];
  const names = [...new Set([...oldModel.rules.keys(), ...newModel.rules.keys()])].sort(byCodeUnit);
  for (const name of names) {
    const f = syscallFinding(name, syscallState(oldModel, name), syscallState(newModel, name));
    if (f) out.push(f.detail === undefined ? f : { ...f, detail: withArgNames(name, f.detail) });
  }
  return out;
}
