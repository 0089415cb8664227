// Argument values a reviewer reads by name: socket(2)'s address family is AF_INET in a diff, not "arg0 == 2".
import { addressFamilyName } from '../render/seccomp-args.js';

/** Calls whose first argument is an address family. */
const FAMILY_ARG0 = new Set(['socket', 'socketpair']);

/** The detail of a finding about `syscall` with arg0 equalities named (ranges keep their numbers). */
export function withArgNames(syscall: string, detail: string): string {
  if (!FAMILY_ARG0.has(syscall)) return detail;
  return detail.replace(/\barg0 (==|!=) (\d+)\b/g, (whole, op: string, value: string) => {
    const name = addressFamilyName(Number(value));
    return name === value ? whole : `arg0 ${op} ${name}`;
  });
}
