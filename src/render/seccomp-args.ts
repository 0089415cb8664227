// Argument facts (a Recording's symbolic values) to the numbers a seccomp argument rule compares with. The names and
// numbers come from the one value table, src/syscalls/values.ts.
import { CLONE_FLAGS } from '../syscalls/table.generated.js';
import { familyName, familyValue, parseNumber, personalityValue } from '../syscalls/values.js';

export { parseNumber, personalityValue };

/** Namespace flags that make clone(2) create namespaces; the mask Docker's default profile uses (CLONE_NEWTIME is the exit-signal byte in clone(2), so it is not included). */
export const CLONE_NAMESPACE_FLAGS = [
  'CLONE_NEWNS',
  'CLONE_NEWUTS',
  'CLONE_NEWIPC',
  'CLONE_NEWUSER',
  'CLONE_NEWPID',
  'CLONE_NEWNET',
  'CLONE_NEWCGROUP',
] as const;

/** The clone(2) namespace mask (2114060288 = 0x7E020000), built from the generated header values. */
export const CLONE_NAMESPACE_MASK: number = CLONE_NAMESPACE_FLAGS.reduce((m, f) => m + CLONE_FLAGS[f]!, 0);

/** An address family name (AF_*, PF_*, AF_UNIX/AF_LOCAL/AF_FILE, AF_ROUTE) or number to its value. */
export const addressFamilyValue = familyValue;

/** The canonical AF_* name for a family value, for comments ("AF_UNIX" for 1). */
export const addressFamilyName = familyName;

/** Whether a clone flags value (e.g. "CLONE_VM|CLONE_NEWNS|SIGCHLD" or "0x20011") creates namespaces; undefined if it cannot be told. */
export function cloneCreatesNamespace(s: string): boolean | undefined {
  let unknown = false;
  for (const tok of s.split('|').map((t) => t.trim())) {
    if (tok === '') continue;
    if (tok.startsWith('CLONE_NEW')) return true;
    const n = parseNumber(tok);
    if (n !== undefined) {
      if ((BigInt(n) & BigInt(CLONE_NAMESPACE_MASK)) !== 0n) return true;
      continue;
    }
    if (tok in CLONE_FLAGS || /^SIG[A-Z0-9+]+$/.test(tok) || /^[0-9]+$/.test(tok)) continue;
    unknown = true;
  }
  return unknown ? undefined : false;
}
