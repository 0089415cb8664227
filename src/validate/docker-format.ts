// Telling Docker's seccomp format from plain OCI `linux.seccomp`, without the schema validators: file-kind detection
// runs on every file read, and loading ajv there would cost every verb its start-up time.
import { asObject } from '../util/json.js';

/** Top-level fields only the Docker format has. */
export const DOCKER_TOP_FIELDS: readonly string[] = ['comment', 'archMap', 'defaultErrno'];
/** Rule fields only the Docker format has ("name" is its legacy single-name form of "names"). */
export const DOCKER_RULE_FIELDS: readonly string[] = ['comment', 'includes', 'excludes', 'errno', 'name'];

/** Whether a seccomp profile object uses Docker-only fields anywhere; without any it is plain OCI `linux.seccomp`. */
export function isDockerFormat(profile: Record<string, unknown>): boolean {
  if (DOCKER_TOP_FIELDS.some((f) => f in profile)) return true;
  const rules = Array.isArray(profile.syscalls) ? profile.syscalls : [];
  return rules.some((r) => {
    const o = asObject(r);
    return o !== undefined && DOCKER_RULE_FIELDS.some((f) => f in o);
  });
}
