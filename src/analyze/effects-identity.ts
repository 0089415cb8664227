// Identity effects of operations (the set*id family, groups) and the capabilities privileged calls imply.
import type { Effect } from '../model/operations.js';
import { idName, nstypeName, ptraceName, symName } from '../syscalls/values.js';
import { cloneFlagsFact } from './arg-facts.js';
import { pathOf, whereOf, type CallContext } from './effects-files.js';

type EffectOf<K extends Effect['kind']> = Extract<Effect, { kind: K }>;

const UNCHANGED = 0xffffffff;
const NAMESPACE_FLAGS = /CLONE_NEW(NS|UTS|IPC|PID|NET|CGROUP|TIME)\b/;

/** set*id: the effective id the process now has, the ids it used, and CAP_SETUID/CAP_SETGID when root changed them. */
export function setidEffect(c: CallContext, e: EffectOf<'setid'>): void {
  if (!c.ok) return;
  const isUid = e.id === 'uid';
  const ids = e.ids.filter((id): id is number => typeof id === 'number' && id !== UNCHANGED);
  const wasRoot = c.proc.creds.euid === 0;
  const current = isUid ? c.proc.creds.euid : c.proc.creds.egid;
  // The effective id is the only one, the second (re), or the second (res) argument.
  const eff = e.ids.length === 1 ? e.ids[0] : e.ids[1];
  if (!e.call.startsWith('setfs') && typeof eff === 'number' && eff !== UNCHANGED) {
    if (isUid) c.proc.creds.euid = eff;
    else c.proc.creds.egid = eff;
  }
  if (!c.facts) return;
  const text = `${e.call}(${e.ids.map((id) => symName(id, idName)).join(', ')})`;
  c.facts.change(text);
  for (const id of ids) (isUid ? c.facts.uids : c.facts.gids).add(id);
  if (wasRoot && ids.some((id) => id !== current)) c.facts.cap(isUid ? 'CAP_SETUID' : 'CAP_SETGID', text);
}

/** getuid and friends: the id the process has. */
export function getidEffect(c: CallContext, e: EffectOf<'getid'>): void {
  if (!c.ok || !c.facts || c.ret === null || c.ret < 0n) return;
  (e.id === 'uid' ? c.facts.uids : c.facts.gids).add(Number(c.ret));
}

/** setgroups: the groups, and CAP_SETGID. */
export function setgroupsEffect(c: CallContext, e: EffectOf<'setgroups'>): void {
  if (!c.ok || !c.facts) return;
  const n = symName(e.count, String);
  c.facts.change(`setgroups(${n})`);
  for (const g of e.gids) if (g !== UNCHANGED) c.facts.gids.add(g);
  c.facts.cap('CAP_SETGID', `setgroups(${n})`);
}

/** chown and friends: metadata changed, and CAP_CHOWN when root changed an owner. */
export function chownEffect(c: CallContext, e: EffectOf<'chown'>): void {
  if (!c.facts) return;
  const p = whereOf(c, e.where);
  if (p !== null && c.ok) c.facts.file(p, 'metadata');
  if (!c.ok) return;
  const [uid, gid] = [symName(e.uid, idName), symName(e.gid, idName)];
  if (c.proc.creds.euid === 0 && !(uid === '-1' && gid === '-1')) {
    c.facts.cap('CAP_CHOWN', `${e.call}(${p ?? '?'}, ${uid}, ${gid})`);
  }
}

/** mount: CAP_SYS_ADMIN, naming the mount point. */
export function mountEffect(c: CallContext, e: EffectOf<'mount'>): void {
  if (!c.ok || !c.facts) return;
  c.facts.cap('CAP_SYS_ADMIN', `mount(${pathOf(c, e.where) ?? e.where?.path?.text ?? '?'})`);
}

/** umount/umount2: CAP_SYS_ADMIN. */
export function umountEffect(c: CallContext, e: EffectOf<'umount'>): void {
  if (!c.ok || !c.facts) return;
  c.facts.cap('CAP_SYS_ADMIN', `${e.call}(${pathOf(c, e.where) ?? e.where?.path?.text ?? '?'})`);
}

/** pivot_root: CAP_SYS_ADMIN. */
export function pivotRootEffect(c: CallContext, e: EffectOf<'pivot_root'>): void {
  if (!c.ok || !c.facts) return;
  c.facts.cap('CAP_SYS_ADMIN', `pivot_root(${e.paths.map((p) => p ?? '?').join(', ')})`);
}

/** sethostname/setdomainname: CAP_SYS_ADMIN. */
export function hostnameEffect(c: CallContext, e: EffectOf<'hostname'>): void {
  if (c.ok) c.facts?.cap('CAP_SYS_ADMIN', `${e.call}()`);
}

/** setns: CAP_SYS_ADMIN. */
export function setnsEffect(c: CallContext, e: EffectOf<'setns'>): void {
  if (c.ok) c.facts?.cap('CAP_SYS_ADMIN', `setns(${symName(e.nstype, nstypeName)})`);
}

/** clone/clone3/unshare with namespace flags: CAP_SYS_ADMIN. */
export function namespaceCap(c: CallContext, flags: EffectOf<'clone'>['flags']): void {
  if (!c.ok || !c.facts) return;
  const text = flags === null ? '' : cloneFlagsFact(flags);
  if (NAMESPACE_FLAGS.test(text)) c.facts.cap('CAP_SYS_ADMIN', `${c.name}(${text})`);
}

/** ptrace attaching to another process: CAP_SYS_PTRACE. */
export function ptraceEffect(c: CallContext, e: EffectOf<'ptrace'>): void {
  if (!c.ok || !c.facts) return;
  const req = symName(e.request, ptraceName);
  if (req === 'PTRACE_ATTACH' || req === 'PTRACE_SEIZE') {
    c.facts.cap('CAP_SYS_PTRACE', `ptrace(${req}, ${symName(e.pid, String)})`);
  }
}
