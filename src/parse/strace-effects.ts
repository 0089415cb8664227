// One strace call's arguments → its typed effect, reading the positions the syscall table gives.
import type { Effect, Where } from '../model/operations.js';
import type { EffectKind, Semantics } from '../syscalls/semantics.js';
import {
  cloneFlagSetName,
  cloneFlagsValue,
  idName,
  idValue,
  ioctlName,
  ioctlValue,
  isLockCommand,
  fcntlCommand,
  modeValue,
  nstypeName,
  nstypeValue,
  O,
  openFlagsValue,
  personalityName,
  personalityValue,
  prctlName,
  prctlValue,
  protocolName,
  protocolValue,
  protValue,
  ptraceName,
  ptraceValue,
  socketTypeValue,
  type BigSym,
  type Sym,
} from '../syscalls/values.js';
import { cloneFlagsFact } from '../analyze/arg-facts.js';
import { socketTypeFact } from '../analyze/effects-net.js';
import { asString, valueText, type Arg, type ArgValue } from './args.js';
import type { SyscallEvent } from './events.js';
import { decodeDecoration } from './decoration.js';
import {
  bigOf,
  endpointOf,
  familySym,
  fdRefOf,
  fileRefOf,
  lossless,
  pathTargetOf,
  valueAt,
  wordText,
} from './strace-values.js';

/** What an effect reader gets: the row, the parsed arguments, the event. */
interface Call {
  s: Semantics;
  args: Arg[];
  ev: SyscallEvent;
}

const at = (c: Call, role: string): ArgValue | undefined => valueAt(c.args, c.s.values?.[role]);
const text = (c: Call, role: string): string => valueText(at(c, role));
const path = (c: Call): ReturnType<typeof pathTargetOf> => pathTargetOf(c.args, c.s.path!, c.s.dirfd);
const AT_REMOVEDIR = 'AT_REMOVEDIR';

function where(c: Call): Where | null {
  if (c.s.path !== undefined && c.s.fd !== undefined) {
    // a path or, where the path argument is not a string (utimensat(fd, NULL)), the fd itself
    const p = c.args[c.s.path]?.value;
    return p && p.t === 'str' ? { path: path(c) } : { fd: fdRefOf(c.args[c.s.fd]?.value) };
  }
  if (c.s.path !== undefined) return { path: path(c) };
  if (c.s.fd !== undefined) return { fd: fdRefOf(c.args[c.s.fd]?.value) };
  return null;
}

function fileEffect(c: Call): Effect | null {
  if (c.s.values?.cmd !== undefined && !isLockCommand(fcntlCommand(wordText(at(c, 'cmd'))))) return null;
  const removesDir = c.s.values?.flags !== undefined && wordText(at(c, 'flags')).split('|').includes(AT_REMOVEDIR);
  return { kind: 'file', access: c.s.access ?? [], where: where(c), dir: Boolean(c.s.dir) || removesDir };
}

function openEffect(c: Call): Effect {
  const flags =
    c.s.values?.flags === undefined ? O.WRONLY | O.CREAT | O.TRUNC : openFlagsValue(wordText(at(c, 'flags')));
  const deco = c.ev.retDeco === null ? null : decodeDecoration(c.ev.retDeco);
  const opened = deco && deco.kind === 'path' ? { path: deco.path, invalidUtf8: deco.invalidUtf8 } : null;
  return { kind: 'open', where: path(c), flags, opened };
}

/** Clone flags: null when the call has none (fork), "" for a value that is not a flag word. */
function cloneFlags(v: ArgValue | undefined, present: boolean): BigSym | null {
  if (!present) return null;
  const t = wordText(v);
  return lossless(t, cloneFlagsValue(t), cloneFlagSetName, cloneFlagsFact);
}

function argvOf(v: ArgValue | undefined): string[] | null {
  if (!v || v.t !== 'array') return null;
  const out: string[] = [];
  for (const item of v.items) {
    const s = asString(item.value);
    if (!s || s.truncated) return null;
    out.push(s.text);
  }
  return out;
}

function execEffect(c: Call): Effect {
  const argv = at(c, 'argv');
  const argv0 = argv && argv.t === 'array' ? (asString(argv.items[0]?.value)?.text ?? '') : '';
  return { kind: 'exec', where: path(c), argv: argvOf(argv), argv0 };
}

function cloneEffect(c: Call): Effect {
  const role = c.s.values?.flags;
  const child = c.ev.retHostPid ?? Number(c.ev.ret);
  return {
    kind: 'clone',
    flags: cloneFlags(at(c, 'flags'), role !== undefined && at(c, 'flags') !== undefined),
    child,
  };
}

function socketEffect(c: Call): Effect {
  const family = familySym(text(c, 'family'));
  const typeText = text(c, 'type');
  const type = lossless(typeText, socketTypeValue(typeText), socketTypeFact, socketTypeFact);
  const protoText = text(c, 'protocol');
  const protocol: Sym =
    typeof family === 'number'
      ? lossless(protoText, protocolValue(protoText), (v) => protocolName(family, v))
      : protoText;
  return { kind: 'socket', family, type, protocol };
}

const idSym = (t: string): Sym => lossless(t, idValue(t), idName);
const baseName = (name: string): string => name.replace(/32$/, '');

function setidEffect(c: Call): Effect {
  const ids: Sym[] = [];
  for (let i = 0; i < (c.s.ids ?? 0); i++) ids.push(idSym(valueText(c.args[i]?.value)));
  return { kind: 'setid', call: baseName(c.ev.name), id: c.ev.name.includes('gid') ? 'gid' : 'uid', ids };
}

function setgroupsEffect(c: Call): Effect {
  const list = at(c, 'list');
  const gids: number[] = [];
  if (list && list.t === 'array') {
    for (const g of list.items) {
      const id = g.value.t === 'word' && /^\d+$/.test(g.value.text) ? Number(g.value.text) : null;
      if (id !== null && id < 0xffffffff) gids.push(id);
    }
  }
  const n = text(c, 'count');
  return { kind: 'setgroups', count: lossless(n, /^\d+$/.test(n) ? Number(n) : undefined, String), gids };
}

function chownEffect(c: Call): Effect {
  const uid = idSym(text(c, 'uid'));
  const gid = idSym(text(c, 'gid'));
  return { kind: 'chown', call: baseName(c.ev.name), where: where(c), uid, gid };
}

function numberSym(t: string): Sym {
  return lossless(t, /^\d+$/.test(t) ? Number(t) : undefined, String);
}

type Reader = (c: Call) => Effect | null;

/** How each effect's values are read from strace's arguments. */
const READERS: { [K in EffectKind]: Reader } = {
  file: fileEffect,
  open: openEffect,
  rename: (c) => ({
    kind: 'rename',
    from: path(c),
    to: pathTargetOf(c.args, c.s.path2!, c.s.dirfd2),
  }),
  mknod: (c) => ({ kind: 'mknod', where: path(c), mode: modeValue(wordText(at(c, 'mode'))) }),
  chdir: (c) => ({ kind: 'chdir', where: where(c)! }),
  chroot: (c) => ({ kind: 'chroot', where: path(c) }),
  mmap: (c) => ({
    kind: 'mmap',
    file: fileRefOf(c.args[c.s.fd!]?.value),
    prot: protValue(wordText(at(c, 'prot'))),
    len: bigOf(wordText(at(c, 'len'))),
    addr: bigOf(c.ev.ret),
  }),
  mprotect: (c) => ({
    kind: 'mprotect',
    addr: bigOf(wordText(at(c, 'addr'))),
    prot: protValue(wordText(at(c, 'prot'))),
  }),
  exec: execEffect,
  clone: cloneEffect,
  socket: socketEffect,
  bind: (c) => ({ kind: 'bind', fd: fdRefOf(c.args[c.s.fd!]?.value), addr: endpointOf(at(c, 'addr')) }),
  connect: (c) => ({ kind: 'connect', addr: endpointOf(at(c, 'addr')), viaSend: c.ev.name !== 'connect' }),
  listen: (c) => ({ kind: 'listen', fd: fdRefOf(c.args[c.s.fd!]?.value) }),
  setid: setidEffect,
  getid: (c) => ({ kind: 'getid', id: c.ev.name.includes('gid') ? 'gid' : 'uid' }),
  setgroups: setgroupsEffect,
  chown: chownEffect,
  mount: (c) => ({ kind: 'mount', where: path(c) }),
  umount: (c) => ({ kind: 'umount', call: c.ev.name, where: path(c) }),
  pivot_root: (c) => ({
    kind: 'pivot_root',
    paths: [asString(at(c, 'new'))?.text ?? null, asString(at(c, 'old'))?.text ?? null],
  }),
  hostname: (c) => ({ kind: 'hostname', call: c.ev.name }),
  setns: (c) => ({ kind: 'setns', nstype: lossless(text(c, 'nstype'), nstypeValue(text(c, 'nstype')), nstypeName) }),
  unshare: (c) => ({ kind: 'unshare', flags: cloneFlags(at(c, 'flags'), true) ?? '' }),
  ptrace: (c) => ({
    kind: 'ptrace',
    request: lossless(text(c, 'request'), ptraceValue(text(c, 'request')), ptraceName),
    pid: numberSym(text(c, 'pid')),
  }),
  prctl: (c) => ({ kind: 'prctl', option: lossless(text(c, 'option'), prctlValue(text(c, 'option')), prctlName) }),
  personality: (c) => ({
    kind: 'personality',
    persona: lossless(text(c, 'persona'), personalityValue(text(c, 'persona')), personalityName),
  }),
  ioctl: (c) => ({ kind: 'ioctl', request: lossless(text(c, 'request'), ioctlValue(text(c, 'request')), ioctlName) }),
};

/** The effect of one completed call, read from its parsed arguments as its table row says. */
export function straceEffect(s: Semantics, args: Arg[], ev: SyscallEvent): Effect | null {
  return s.effect === undefined ? null : READERS[s.effect]({ s, args, ev });
}
