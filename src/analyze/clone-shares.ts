// What a new task shares with the task that created it, by its clone flags.
import { CLONE_FLAGS } from '../syscalls/table.generated.js';
import type { BigSym } from '../syscalls/values.js';
import type { Proc } from './builder-state.js';

/** The clone flags of a creation (null: none known, as for fork). */
export type CloneShares = BigSym | null;

function has(flags: CloneShares, name: 'CLONE_THREAD' | 'CLONE_FS' | 'CLONE_FILES' | 'CLONE_VM'): boolean {
  if (flags === null) return false;
  if (typeof flags === 'bigint') return (flags & BigInt(CLONE_FLAGS[name]!)) !== 0n;
  return flags.split('|').includes(name);
}

/** The state a child starts with: shared cwd/root (CLONE_FS), fd table (CLONE_FILES) and mappings (CLONE_VM). */
export function childOf(parent: Proc, pid: number, flags: CloneShares): Proc {
  const thread = has(flags, 'CLONE_THREAD');
  return {
    pid,
    app: parent.app,
    fs: has(flags, 'CLONE_FS') ? parent.fs : { ...parent.fs },
    exe: parent.exe,
    execed: thread ? parent.execed : false,
    creds: { ...parent.creds },
    bound: has(flags, 'CLONE_FILES') ? parent.bound : new Map(parent.bound),
    maps: has(flags, 'CLONE_VM') ? parent.maps : parent.maps.slice(),
  };
}
