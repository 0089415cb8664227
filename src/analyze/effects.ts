// One handler per effect kind: the Recording builder applies an operation's effect through this table.
import type { Effect } from '../model/operations.js';
import {
  chdirEffect,
  chrootEffect,
  fileEffect,
  mknodEffect,
  mmapEffect,
  mprotectEffect,
  openEffect,
  renameEffect,
  type CallContext,
} from './effects-files.js';
import { bindEffect, connectEffect, listenEffect, socketEffect } from './effects-net.js';
import {
  chownEffect,
  getidEffect,
  hostnameEffect,
  mountEffect,
  namespaceCap,
  pivotRootEffect,
  ptraceEffect,
  setgroupsEffect,
  setidEffect,
  setnsEffect,
  umountEffect,
} from './effects-identity.js';

type Handlers = { [K in Effect['kind']]: (c: CallContext, e: Extract<Effect, { kind: K }>, errno: string) => void };

const nothing = (): void => {};

/** The handler of each effect; exec and clone change the process tree and are the builder's own. */
const HANDLERS: Handlers = {
  file: fileEffect,
  open: openEffect,
  rename: renameEffect,
  mknod: mknodEffect,
  chdir: chdirEffect,
  chroot: chrootEffect,
  mmap: mmapEffect,
  mprotect: mprotectEffect,
  exec: nothing,
  clone: nothing,
  socket: socketEffect,
  bind: bindEffect,
  connect: connectEffect,
  listen: listenEffect,
  setid: setidEffect,
  getid: getidEffect,
  setgroups: setgroupsEffect,
  chown: chownEffect,
  mount: mountEffect,
  umount: umountEffect,
  pivot_root: pivotRootEffect,
  hostname: hostnameEffect,
  setns: setnsEffect,
  unshare: (c, e) => namespaceCap(c, e.flags),
  ptrace: ptraceEffect,
  prctl: nothing,
  personality: nothing,
  ioctl: nothing,
};

/** Apply one completed call's effect to the process state and the facts. */
export function applyEffect(c: CallContext, e: Effect, errno: string): void {
  (HANDLERS[e.kind] as (c: CallContext, e: Effect, errno: string) => void)(c, e, errno);
}
