// Comparing two recordings: what NEW observed that OLD did not, rated as the policy rendered from it would be.
import type { Abi, Recording } from '../recording/types.js';
import { ABIS } from '../recording/types.js';
import { byCodeUnit } from '../util/json.js';
import { capabilityRiskOf, networkRiskOf, riskOf, type RatedRisk } from '../validate/risk-catalogue.js';
import { SENSITIVE_WRITE_DIRS } from './apparmor-risk.js';
import { secretOfPath } from './secret-paths.js';
import { riskRank } from './risk.js';
import type { DiffFinding, DiffRisk } from './types.js';

/** Accesses that render as AppArmor w/a/l: a write of some kind. */
const WRITE_ACCESSES = new Set(['write', 'append', 'create', 'delete', 'rename', 'metadata', 'link']);
/** Risk of a new ABI in a recording: its syscall table has to be allowed too. */
export const NEW_ABI_RISK: DiffRisk = 'medium';
/** Risk of a new program being executed: the AppArmor profile gains an exec rule. */
export const NEW_EXECUTABLE_RISK: RatedRisk = {
  level: 'high',
  why: 'a new program runs: the AppArmor profile gains an exec rule',
};

function syscallSubject(name: string, abi: Abi): string {
  return abi === 'x86_64' ? name : `${name} (${abi})`;
}

function why(r: RatedRisk): string {
  return r.why === 'not in the risk catalogue' ? '' : r.why;
}

/** The rating of new values of one syscall argument. */
function argRisk(name: string, key: string, values: readonly string[]): RatedRisk {
  if ((name === 'clone' || name === 'clone3' || name === 'unshare') && values.some((v) => /CLONE_NEW/.test(v))) {
    return { level: riskOf('unshare').level, why: 'creates namespaces' };
  }
  if (name === 'socket' && key === 'domain') {
    let best: RatedRisk = { level: 'low', why: '' };
    for (const v of values) {
      const r = networkRiskOf(v, undefined);
      if (riskRank(r.level) > riskRank(best.level)) best = r;
    }
    return best;
  }
  if (name === 'personality') return riskOf('personality');
  return { level: 'low', why: '' };
}

function syscallFindings(a: Recording, b: Recording): DiffFinding[] {
  const out: DiffFinding[] = [];
  for (const abi of ABIS) {
    const before = a.syscalls[abi] ?? {};
    const after = b.syscalls[abi] ?? {};
    const hadAbi = Object.keys(before).length > 0;
    const hasAbi = Object.keys(after).length > 0;
    if (hasAbi && !hadAbi && abi !== 'x86_64')
      out.push({
        change: 'added',
        kind: 'architecture',
        subject: abi,
        detail: 'the workload now uses this ABI: its syscalls must be allowed too',
        risk: NEW_ABI_RISK,
        widens: true,
      });
    if (hadAbi && !hasAbi && abi !== 'x86_64')
      out.push({ change: 'removed', kind: 'architecture', subject: abi, risk: 'low', widens: false });
    for (const name of [...new Set([...Object.keys(before), ...Object.keys(after)])].sort(byCodeUnit)) {
      const x = before[name];
      const y = after[name];
      const r = riskOf(name);
      if (!x && y)
        out.push({
          change: 'added',
          kind: 'syscall',
          subject: syscallSubject(name, abi),
          detail: why(r),
          risk: r.level,
          widens: true,
        });
      else if (x && !y)
        out.push({
          change: 'removed',
          kind: 'syscall',
          subject: syscallSubject(name, abi),
          detail: why(r),
          risk: r.level,
          widens: false,
        });
      else if (x && y) {
        for (const key of [...new Set([...Object.keys(x.args ?? {}), ...Object.keys(y.args ?? {})])].sort(byCodeUnit)) {
          const oldValues = new Set(x.args?.[key] ?? []);
          const newValues = new Set(y.args?.[key] ?? []);
          const added = [...newValues].filter((v) => !oldValues.has(v)).sort(byCodeUnit);
          const removed = [...oldValues].filter((v) => !newValues.has(v)).sort(byCodeUnit);
          if (added.length > 0) {
            const ar = argRisk(name, key, added);
            out.push({
              change: 'changed',
              kind: 'syscall',
              subject: syscallSubject(name, abi),
              detail: `new ${key}: ${added.join(', ')}${ar.why ? `: ${ar.why}` : ''}`,
              risk: ar.level,
              widens: true,
            });
          }
          if (removed.length > 0)
            out.push({
              change: 'changed',
              kind: 'syscall',
              subject: syscallSubject(name, abi),
              detail: `no longer ${key}: ${removed.join(', ')}`,
              risk: 'info',
              widens: false,
            });
        }
      }
    }
  }
  return out;
}

/** The rating of accesses to a literal path. */
function accessRisk(path: string, accesses: readonly string[]): RatedRisk {
  const secret = accesses.some((x) => x === 'read' || x === 'dir-list') ? secretOfPath(path) : undefined;
  if (secret) return { level: secret.level, why: `read of a secret: ${secret.why}` };
  if (accesses.includes('exec')) return { level: NEW_EXECUTABLE_RISK.level, why: 'executed' };
  if (accesses.some((x) => WRITE_ACCESSES.has(x))) {
    const dir = SENSITIVE_WRITE_DIRS.find((d) => path === d || path.startsWith(`${d}/`));
    return dir ? { level: 'high', why: `written under ${dir}` } : { level: 'medium', why: 'written' };
  }
  return { level: 'low', why: '' };
}

function fileFindings(a: Recording, b: Recording): DiffFinding[] {
  const out: DiffFinding[] = [];
  for (const path of [...new Set([...Object.keys(a.files), ...Object.keys(b.files)])].sort(byCodeUnit)) {
    const before = new Set<string>(a.files[path]?.access ?? []);
    const after = new Set<string>(b.files[path]?.access ?? []);
    const added = [...after].filter((x) => !before.has(x));
    const removed = [...before].filter((x) => !after.has(x));
    if (added.length > 0) {
      const r = accessRisk(path, added);
      out.push({
        change: 'added',
        kind: 'file',
        subject: path,
        detail: `${added.join(', ')}${r.why ? `: ${r.why}` : ''}`,
        risk: r.level,
        widens: true,
      });
    }
    if (removed.length > 0)
      out.push({
        change: 'removed',
        kind: 'file',
        subject: path,
        detail: removed.join(', '),
        risk: accessRisk(path, removed).level,
        widens: false,
      });
  }
  return out;
}

function executableFindings(a: Recording, b: Recording): DiffFinding[] {
  const out: DiffFinding[] = [];
  const before = new Set(a.executables.map((e) => e.path));
  const after = new Set(b.executables.map((e) => e.path));
  for (const e of b.executables) {
    if (before.has(e.path)) continue;
    before.add(e.path);
    out.push({
      change: 'added',
      kind: 'executable',
      subject: e.path,
      detail: `${NEW_EXECUTABLE_RISK.why}${e.parent ? ` (run by ${e.parent})` : ''}`,
      risk: NEW_EXECUTABLE_RISK.level,
      widens: true,
    });
  }
  for (const e of a.executables) {
    if (after.has(e.path)) continue;
    after.add(e.path);
    out.push({
      change: 'removed',
      kind: 'executable',
      subject: e.path,
      risk: NEW_EXECUTABLE_RISK.level,
      widens: false,
    });
  }
  return out;
}

function networkFindings(a: Recording, b: Recording): DiffFinding[] {
  const out: DiffFinding[] = [];
  const sock = (s: { family: string; type: string; protocol: string }) => `socket ${s.family} ${s.type} ${s.protocol}`;
  const oldSockets = new Map(a.network.sockets.map((s) => [sock(s), s]));
  const newSockets = new Map(b.network.sockets.map((s) => [sock(s), s]));
  for (const [k, s] of newSockets) {
    if (oldSockets.has(k)) continue;
    const r = networkRiskOf(s.family, s.type);
    out.push({ change: 'added', kind: 'network', subject: k, detail: r.why, risk: r.level, widens: true });
  }
  for (const [k, s] of oldSockets)
    if (!newSockets.has(k))
      out.push({
        change: 'removed',
        kind: 'network',
        subject: k,
        risk: networkRiskOf(s.family, s.type).level,
        widens: false,
      });
  for (const verb of ['bind', 'connect', 'listen'] as const) {
    const ep = (e: { family: string; address: string; port: number }) =>
      `${verb} ${e.family} ${e.address}${e.port ? `:${e.port}` : ''}`;
    const before = new Set(a.network[verb].map(ep));
    const after = new Set(b.network[verb].map(ep));
    for (const k of after)
      if (!before.has(k)) out.push({ change: 'added', kind: 'network', subject: k, risk: 'low', widens: true });
    for (const k of before)
      if (!after.has(k)) out.push({ change: 'removed', kind: 'network', subject: k, risk: 'low', widens: false });
  }
  return out;
}

function identityFindings(a: Recording, b: Recording): DiffFinding[] {
  const out: DiffFinding[] = [];
  const ids = (label: string, before: number[], after: number[], rootRisk: DiffRisk) => {
    for (const id of after)
      if (!before.includes(id))
        out.push({
          change: 'added',
          kind: 'identity',
          subject: `${label} ${id}`,
          detail: id === 0 ? 'runs as root' : '',
          risk: id === 0 ? rootRisk : 'low',
          widens: true,
        });
    for (const id of before)
      if (!after.includes(id))
        out.push({
          change: 'removed',
          kind: 'identity',
          subject: `${label} ${id}`,
          risk: id === 0 ? rootRisk : 'low',
          widens: false,
        });
  };
  ids('uid', a.identity.uids, b.identity.uids, 'high');
  ids('gid', a.identity.gids, b.identity.gids, 'low');
  for (const c of b.identity.changes)
    if (!a.identity.changes.includes(c))
      out.push({
        change: 'added',
        kind: 'identity',
        subject: c,
        risk: /\(0\)/.test(c) ? 'medium' : 'low',
        widens: true,
      });
  for (const c of a.identity.changes)
    if (!b.identity.changes.includes(c))
      out.push({ change: 'removed', kind: 'identity', subject: c, risk: 'low', widens: false });
  const oldCaps = new Set(a.identity.capabilities.map((c) => c.name));
  const newCaps = new Set(b.identity.capabilities.map((c) => c.name));
  for (const c of b.identity.capabilities) {
    if (oldCaps.has(c.name)) continue;
    const r = capabilityRiskOf(c.name);
    out.push({
      change: 'added',
      kind: 'capability',
      subject: c.name,
      detail: `${r.why}; needed for: ${c.reasons.join(', ')}`,
      risk: r.level,
      widens: true,
    });
  }
  for (const c of a.identity.capabilities)
    if (!newCaps.has(c.name))
      out.push({
        change: 'removed',
        kind: 'capability',
        subject: c.name,
        detail: capabilityRiskOf(c.name).why,
        risk: capabilityRiskOf(c.name).level,
        widens: false,
      });
  return out;
}

function warningFindings(a: Recording, b: Recording): DiffFinding[] {
  const out: DiffFinding[] = [];
  for (const w of b.warnings)
    if (!a.warnings.includes(w))
      out.push({ change: 'added', kind: 'warning', subject: w, risk: 'info', widens: false });
  for (const w of a.warnings)
    if (!b.warnings.includes(w))
      out.push({ change: 'removed', kind: 'warning', subject: w, risk: 'info', widens: false });
  return out;
}

/** Every difference between two recordings. */
export function diffRecordings(a: Recording, b: Recording): DiffFinding[] {
  return [
    ...syscallFindings(a, b),
    ...fileFindings(a, b),
    ...executableFindings(a, b),
    ...networkFindings(a, b),
    ...identityFindings(a, b),
    ...warningFindings(a, b),
  ];
}
