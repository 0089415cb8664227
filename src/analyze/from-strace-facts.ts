// Argument facts of syscalls (socket, clone, prctl, ioctl, ...), identity changes, and the capabilities other calls imply.
import { asString, field, flagSet, valueText, type Arg, type ArgValue } from '../parse/args.js';
import type { SyscallEvent } from '../parse/events.js';
import { baseSocketType } from './from-strace-net.js';
import type { Facts, Proc } from './from-strace-state.js';

/** The clone flags of a clone/clone3/unshare call without the exit signal, sorted and joined by `|` ("0" when none). */
export function cloneFlagSet(v: ArgValue | undefined): string {
  const flags = flagSet(v).filter((f) => !/^SIG[A-Z0-9_+]+$/.test(f) && f !== '0');
  return flags.length === 0 ? '0' : [...new Set(flags)].sort().join('|');
}

/** The flags argument of a clone-family call: `flags=` of clone, the struct of clone3. */
export function cloneFlags(name: string, args: Arg[]): string | null {
  if (name === 'clone') {
    const f = field(args, 'flags');
    return f ? cloneFlagSet(f) : null;
  }
  if (name === 'clone3') {
    const first = args[0]?.value;
    const struct = first && first.t === 'seq' ? first.parts[0] : first;
    if (struct && struct.t === 'struct') return cloneFlagSet(field(struct.fields, 'flags'));
    return null;
  }
  return null;
}

const NAMESPACE_FLAGS = /CLONE_NEW(NS|UTS|IPC|PID|NET|CGROUP|TIME)\b/;

/** Record the argument facts policy needs for one call (from every completed call, failed or not). */
export function argFacts(ev: SyscallEvent, args: Arg[], fact: { args: Map<string, Set<string>> }, facts: Facts): void {
  const v = (i: number): ArgValue | undefined => args[i]?.value;
  const put = (k: string, val: string): void => {
    if (val !== '') facts.arg(fact, k, val);
  };
  switch (ev.name) {
    case 'socket':
    case 'socketpair':
      put('domain', valueText(v(0)));
      put('type', baseSocketType(v(1)));
      put('protocol', valueText(v(2)));
      return;
    case 'clone':
    case 'clone3': {
      const f = cloneFlags(ev.name, args);
      if (f !== null) put('flags', f);
      return;
    }
    case 'unshare':
      put('flags', cloneFlagSet(v(0)));
      return;
    case 'setns':
      put('nstype', valueText(v(1)));
      return;
    case 'prctl':
      put('option', valueText(v(0)));
      return;
    case 'personality':
      put('persona', valueText(v(0)));
      return;
    case 'ioctl':
      put('request', valueText(v(1)));
      return;
    default:
      return;
  }
}

function idValue(v: ArgValue | undefined): number | null {
  if (!v || v.t !== 'word' || !/^\d+$/.test(v.text)) return null;
  const n = Number(v.text);
  return n < 4294967295 ? n : null;
}

const UID_CALLS = new Set([
  'setuid',
  'setuid32',
  'setreuid',
  'setreuid32',
  'setresuid',
  'setresuid32',
  'setfsuid',
  'setfsuid32',
]);
const GID_CALLS = new Set([
  'setgid',
  'setgid32',
  'setregid',
  'setregid32',
  'setresgid',
  'setresgid32',
  'setfsgid',
  'setfsgid32',
]);
const GET_UID = new Set(['getuid', 'geteuid', 'getuid32', 'geteuid32']);
const GET_GID = new Set(['getgid', 'getegid', 'getgid32', 'getegid32']);
const CHOWN_CALLS = new Set(['chown', 'lchown', 'fchown', 'fchownat', 'chown32', 'lchown32', 'fchown32']);

/** Every name identityCall acts on: for any other call it does nothing. */
export const IDENTITY_CALLS: ReadonlySet<string> = new Set([
  ...UID_CALLS,
  ...GID_CALLS,
  ...GET_UID,
  ...GET_GID,
  ...CHOWN_CALLS,
  'setgroups',
  'setgroups32',
  'mount',
  'umount',
  'umount2',
  'pivot_root',
  'sethostname',
  'setdomainname',
  'setns',
  'unshare',
  'clone',
  'clone3',
  'ptrace',
]);

function change(name: string, args: Arg[]): string {
  return `${name.replace(/32$/, '')}(${args.map((a) => valueText(a.value)).join(', ')})`;
}

/** Identity changes (setuid family) and capabilities implied by successful privileged calls; `target` is a resolved path when the call has one. */
export function identityCall(
  ev: SyscallEvent,
  args: Arg[],
  proc: Proc,
  ok: boolean,
  facts: Facts | null,
  target: string | null,
): void {
  const name = ev.name;
  if (GET_UID.has(name) || GET_GID.has(name)) {
    const n = /^\d+$/.test(ev.ret) ? Number(ev.ret) : null;
    if (ok && facts && n !== null) (GET_UID.has(name) ? facts.uids : facts.gids).add(n);
    return;
  }
  if (!ok) return;
  if (UID_CALLS.has(name) || GID_CALLS.has(name)) {
    const isUid = UID_CALLS.has(name);
    const ids = args.map((a) => idValue(a.value)).filter((n): n is number => n !== null);
    const wasRoot = proc.creds.euid === 0;
    const current = isUid ? proc.creds.euid : proc.creds.egid;
    // The effective id is the only one, the second (re), or the second (res) argument.
    const eff = args.length === 1 ? idValue(args[0]?.value) : idValue(args[1]?.value);
    if (!name.startsWith('setfs') && eff !== null) {
      if (isUid) proc.creds.euid = eff;
      else proc.creds.egid = eff;
    }
    if (!facts) return;
    const text = change(name, args);
    facts.change(text);
    for (const id of ids) (isUid ? facts.uids : facts.gids).add(id);
    if (wasRoot && ids.some((id) => id !== current)) facts.cap(isUid ? 'CAP_SETUID' : 'CAP_SETGID', text);
    return;
  }
  if (!facts) return;
  if (name === 'setgroups' || name === 'setgroups32') {
    const n = valueText(args[0]?.value);
    facts.change(`setgroups(${n})`);
    const list = args[1]?.value;
    if (list && list.t === 'array')
      for (const g of list.items) {
        const id = idValue(g.value);
        if (id !== null) facts.gids.add(id);
      }
    facts.cap('CAP_SETGID', `setgroups(${n})`);
    return;
  }
  if (CHOWN_CALLS.has(name)) {
    // chown(path, uid, gid) / fchownat(dirfd, path, uid, gid, flags) / fchown(fd, uid, gid)
    const off = name === 'fchownat' ? 2 : 1;
    const uid = valueText(args[off]?.value);
    const gid = valueText(args[off + 1]?.value);
    if (proc.creds.euid === 0 && !(uid === '-1' && gid === '-1'))
      facts.cap('CAP_CHOWN', `${name.replace(/32$/, '')}(${target ?? '?'}, ${uid}, ${gid})`);
    return;
  }
  switch (name) {
    case 'mount': {
      const t = asString(args[1]?.value);
      facts.cap('CAP_SYS_ADMIN', `mount(${target ?? t?.text ?? '?'})`);
      return;
    }
    case 'umount':
    case 'umount2':
      facts.cap('CAP_SYS_ADMIN', `${name}(${target ?? asString(args[0]?.value)?.text ?? '?'})`);
      return;
    case 'pivot_root':
      facts.cap('CAP_SYS_ADMIN', `pivot_root(${args.map((a) => asString(a.value)?.text ?? '?').join(', ')})`);
      return;
    case 'sethostname':
    case 'setdomainname':
      facts.cap('CAP_SYS_ADMIN', `${name}()`);
      return;
    case 'setns':
      facts.cap('CAP_SYS_ADMIN', `setns(${valueText(args[1]?.value)})`);
      return;
    case 'unshare':
    case 'clone':
    case 'clone3': {
      const flags = name === 'unshare' ? cloneFlagSet(args[0]?.value) : (cloneFlags(name, args) ?? '');
      if (NAMESPACE_FLAGS.test(flags)) facts.cap('CAP_SYS_ADMIN', `${name}(${flags})`);
      return;
    }
    case 'ptrace': {
      const req = valueText(args[0]?.value);
      if (req === 'PTRACE_ATTACH' || req === 'PTRACE_SEIZE')
        facts.cap('CAP_SYS_PTRACE', `ptrace(${req}, ${valueText(args[1]?.value)})`);
      return;
    }
    default:
      return;
  }
}
