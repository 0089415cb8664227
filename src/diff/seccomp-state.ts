// What a seccomp model does with one syscall name on x86_64: allowed, allowed only under conditions, or denied; and
// whether one set of conditions allows something another does not.
import type { SeccompEntry, SeccompView } from './seccomp-view.js';
import { ALLOWING_ACTIONS } from '../model/seccomp-profile.js';

/** Whether an action key hands the decision to a tracer or a user-space listener. */
export function isDelegating(action: string): boolean {
  return action.startsWith('SCMP_ACT_TRACE') || action === 'SCMP_ACT_NOTIFY' || action === 'SCMP_ACT_USER_NOTIF';
}

/** One way a syscall is allowed conditionally: argument filters (or a delegating action) under capability conditions. */
export interface Condition {
  /** Argument filter text, or "decided by SCMP_ACT_NOTIFY" for delegating rules; "" when none. */
  args: string;
  /** Capability parts: "with CAP_X" / "without CAP_X". */
  caps: string[];
  /** Kernel note, e.g. "kernel >= 4.8"; not a condition diff rates. */
  kernel: string;
}

/** The effective treatment of one syscall name. */
export type SyscallState =
  | { status: 'allowed'; byDefault: boolean; notes: string[] }
  | { status: 'conditional'; conditions: Condition[]; argFilteredOnly: boolean }
  | { status: 'denied'; action: string; explicit: boolean };

/** A condition as one line of text. */
export function conditionText(c: Condition): string {
  const text = [c.args, ...c.caps].filter((p) => p !== '').join(' and ');
  return c.kernel ? `${text} (on ${c.kernel})` : text;
}

function capsOf(e: SeccompEntry): string[] {
  return e.caps === '' ? [] : e.caps.split(' and ');
}

/** The state of `name` under `model`. */
export function syscallState(model: SeccompView, name: string): SyscallState {
  const entries = model.rules.get(name) ?? [];
  const plainAllow = (e: SeccompEntry) => ALLOWING_ACTIONS.has(e.action) && e.args === '' && e.caps === '';
  const unconditionalAllow = entries.filter(plainAllow);
  if (unconditionalAllow.length > 0) {
    const notes = unconditionalAllow.every((e) => e.kernel !== '')
      ? [...new Set(unconditionalAllow.map((e) => `on ${e.kernel}`))].sort()
      : [];
    return { status: 'allowed', byDefault: false, notes };
  }
  const unconditionalDeny = entries.filter(
    (e) =>
      !ALLOWING_ACTIONS.has(e.action) && !isDelegating(e.action) && e.args === '' && e.caps === '' && e.kernel === '',
  );
  const conditional = entries.filter(
    (e) => (ALLOWING_ACTIONS.has(e.action) && !plainAllow(e)) || isDelegating(e.action),
  );
  if (conditional.length > 0 && unconditionalDeny.length === 0) {
    const seen = new Map<string, Condition>();
    for (const e of conditional) {
      const args = isDelegating(e.action) ? [`decided by ${e.action}`, e.args].filter(Boolean).join(' when ') : e.args;
      const c: Condition = { args, caps: capsOf(e), kernel: e.kernel };
      seen.set(conditionText(c), c);
    }
    const conditions = [...seen.keys()].sort().map((k) => seen.get(k)!);
    const argFilteredOnly = conditional.every((e) => ALLOWING_ACTIONS.has(e.action) && e.args !== '' && e.caps === '');
    return { status: 'conditional', conditions, argFilteredOnly };
  }
  if (unconditionalDeny.length > 0) {
    const actions = [...new Set(unconditionalDeny.map((e) => e.action))].sort();
    return { status: 'denied', action: actions.join(' / '), explicit: true };
  }
  if (ALLOWING_ACTIONS.has(model.defaultAction))
    return { status: 'allowed', byDefault: true, notes: ['by the default action'] };
  if (isDelegating(model.defaultAction)) {
    return {
      status: 'conditional',
      conditions: [{ args: `decided by ${model.defaultAction} (the default action)`, caps: [], kernel: '' }],
      argFilteredOnly: false,
    };
  }
  return { status: 'denied', action: model.defaultAction, explicit: false };
}

/** Whether a condition's capability parts hold when exactly the capabilities in `granted` are granted. */
function capsHold(c: Condition, granted: ReadonlySet<string>): boolean {
  return c.caps.every((p) => (p.startsWith('with ') ? granted.has(p.slice(5)) : !granted.has(p.slice(8))));
}

const COMPARE: Readonly<Record<string, (v: number, w: number) => boolean>> = {
  '==': (v, w) => v === w,
  '!=': (v, w) => v !== w,
  '<': (v, w) => v < w,
  '<=': (v, w) => v <= w,
  '>': (v, w) => v > w,
  '>=': (v, w) => v >= w,
};

/** Whether argument filter part `n` implies part `o`: equal text, or "argI == V" where V satisfies "argI OP W". */
function partImplies(n: string, o: string): boolean {
  if (n === o) return true;
  const eq = /^arg(\d+) == (\S+)$/.exec(n);
  const cmp = /^arg(\d+) (==|!=|<=?|>=?) (\S+)$/.exec(o);
  if (!eq || !cmp || eq[1] !== cmp[1]) return false;
  const v = Number(eq[2]);
  const w = Number(cmp[3]);
  return Number.isFinite(v) && Number.isFinite(w) && COMPARE[cmp[2]!]!(v, w);
}

/** Whether filter `n` (parts joined by " && ") lets through only calls filter `o` lets through. */
export function argsImply(n: string, o: string): boolean {
  if (o === '') return true;
  if (n === '') return false;
  const nParts = n.split(' && ');
  return o.split(' && ').every((op) => nParts.some((np) => partImplies(np, op)));
}

/**
 * Whether `after` allows a call that `before` does not: for every combination of the capabilities the conditions
 * mention, each argument filter NEW applies must imply one OLD applies then (no filter at all is implied by any).
 */
export function conditionsWiden(before: readonly Condition[], after: readonly Condition[]): boolean {
  const caps = [
    ...new Set([...before, ...after].flatMap((c) => c.caps.map((p) => p.replace(/^(with|without) /, '')))),
  ].sort();
  if (caps.length > 10) return after.some((a) => !before.some((b) => conditionText(b) === conditionText(a)));
  for (let mask = 0; mask < 1 << caps.length; mask++) {
    const granted = new Set(caps.filter((_, i) => (mask >> i) & 1));
    const oldArgs = before.filter((c) => capsHold(c, granted)).map((c) => c.args);
    if (after.some((c) => capsHold(c, granted) && !oldArgs.some((o) => argsImply(c.args, o)))) return true;
  }
  return false;
}
