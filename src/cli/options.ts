// Up-front checks of command-line option values; each message quotes the flag and the bad value.
import { badInput } from '../errors.js';
import { isValidName, NAME_RULE, nameFrom } from '../util/names.js';

/** The value if it is one of `allowed`, else an exit-2 error naming the flag. */
export function oneOf<T extends string>(flag: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  throw badInput(`${flag} ${JSON.stringify(value)} is not valid; expected one of: ${allowed.join(', ')}`);
}

/** A name flag's value under the one name rule (src/util/names.ts); the message quotes the flag. */
export function checkName(flag: string, value: string): string {
  if (isValidName(value)) return value;
  throw badInput(`${flag} ${JSON.stringify(value)} is not a valid name; expected ${NAME_RULE}`);
}

export { nameFrom };
