// Checking an OCI runtime config.json: its linux.seccomp, validated like a profile.
import { validateSeccomp } from './seccomp.js';
import { finding, type Finding } from './types.js';
import { asObject } from '../util/json.js';

/** Validate the seccomp part of a parsed config.json. */
export function validateOciConfig(value: unknown): Finding[] {
  const config = asObject(value);
  if (!config) return [finding('error', 'an OCI config.json must be a JSON object', '/')];
  const linux = asObject(config.linux);
  if (!linux || !('seccomp' in linux)) {
    return [
      finding(
        'warning',
        'no linux.seccomp: runc and crun run this container without any seccomp filter',
        '/linux/seccomp',
      ),
    ];
  }
  return validateSeccomp(linux.seccomp, '/linux/seccomp');
}
