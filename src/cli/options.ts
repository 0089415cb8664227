// Up-front checks of command-line option values; each message quotes the flag and the bad value.
import { badInput } from '../errors.js';

/** The value if it is one of `allowed`, else an exit-2 error naming the flag. */
export function oneOf<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw badInput(`${flag} ${JSON.stringify(value)} is not valid; expected one of: ${allowed.join(', ')}`);
}

/** Profile and recording names end up in file names, AppArmor and YAML: keep them to a safe alphabet. */
export function checkName(flag: string, value: string): string {
  if (/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/.test(value)) return value;
  throw badInput(
    `${flag} ${JSON.stringify(value)} is not a valid name; expected 1-63 characters from A-Z a-z 0-9 . _ - starting with a letter or digit`,
  );
}

/** A name derived from a command or directory, made safe (falls back to "app"). */
export function nameFrom(text: string): string {
  const base = text.split('/').filter(Boolean).pop() ?? '';
  const cleaned = base
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 63);
  return cleaned || 'app';
}
