// The file permissions a rule's modes grant or deny, as apparmor_parser 3.0 compiles them (read from its DFA dump,
// `-D dfa-states`): "w" carries append, the inheriting exec modes (ix, pix, Pix, cix, Cix) carry mmap-exec ("m"),
// a deny rule's "x" removes exec but not "m", and a bare `file,` grants r w a l k m ix.
import { isExec } from '../diff/apparmor-modes.js';

/** One kernel file permission, by the mode letter that grants it. */
export type Perm = 'r' | 'w' | 'a' | 'l' | 'k' | 'm' | 'x';

/** Permissions in the order reports print them. */
export const PERM_ORDER: readonly Perm[] = ['r', 'w', 'a', 'l', 'k', 'm', 'x'];

/** Exec modes whose compiled permission includes mmap-exec. */
const INHERITING = new Set(['ix', 'pix', 'Pix', 'cix', 'Cix']);

/** The permissions a rule's mode tokens grant (allow) or take away (deny). */
export function modePerms(modes: readonly string[]): Set<Perm> {
  const out = new Set<Perm>();
  for (const m of modes) {
    if (isExec(m)) {
      out.add('x');
      if (INHERITING.has(m.split(' ')[0]!)) out.add('m');
    } else if (m === 'w') {
      out.add('w');
      out.add('a');
    } else {
      out.add(m as Perm);
    }
  }
  return out;
}

/** What a bare `file,` rule grants. */
export const ALL_FILE_MODES: readonly string[] = ['r', 'w', 'l', 'k', 'm', 'ix'];

/** Permissions as the mode string that grants them, in report order ("rw", "x"); "a" is left out beside "w", which carries it (a rule cannot hold both). */
export function permText(perms: Iterable<Perm>): string {
  const s = new Set(perms);
  return PERM_ORDER.filter((p) => s.has(p) && !(p === 'a' && s.has('w'))).join('');
}
