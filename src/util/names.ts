// The one rule for names tracewall gives recordings and profiles: they become file names, AppArmor profile names,
// Kubernetes references and YAML/JSON values, so they keep to a small safe alphabet and 63 characters (a DNS label's
// length, which Kubernetes object names and localhostProfile file names meet).
import { badInput } from '../errors.js';

/** The pattern (also the Recording schema's `name` pattern; a test keeps the two equal). */
export const NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$';
const NAME = new RegExp(NAME_PATTERN);

/** What a valid name is, for messages. */
export const NAME_RULE = '1-63 characters from A-Z a-z 0-9 . _ - starting with a letter or digit';

/** Whether `name` follows the rule. */
export function isValidName(name: string): boolean {
  return NAME.test(name);
}

/** `name`, or an exit-2 error quoting it as `what` (e.g. "profile name"). */
export function checkName(name: string, what: string): string {
  if (isValidName(name)) return name;
  throw badInput(`${what} ${JSON.stringify(name)} is not a valid name; expected ${NAME_RULE}`);
}

/** A name derived from a command, directory or image, made to follow the rule (falls back to "app"). */
export function nameFrom(text: string): string {
  const base = text.split('/').filter(Boolean).pop() ?? '';
  const cleaned = base
    .replace(/[^A-Za-z0-9._-]+/g, '-')
    .replace(/^[^A-Za-z0-9]+/, '')
    .slice(0, 63);
  return cleaned || 'app';
}
