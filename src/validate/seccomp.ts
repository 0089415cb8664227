// Checking a seccomp profile object: the OCI schema (Docker profiles: their OCI subset plus their own fields), then what it means.
import { ajvFindings, describeValue } from './ajv-findings.js';
import { isDockerFormat } from './docker-format.js';
import { dockerFieldFindings, ociSubset } from './seccomp-docker.js';
import { semanticFindings } from './seccomp-semantics.js';
import { ociSeccompValidator } from './schemas.js';
import { finding, type Finding } from './types.js';
import { asObject } from '../util/json.js';

/** Schema findings only: OCI `linux.seccomp` shape, and for Docker profiles the shape of the Docker-only fields. */
export function seccompSchemaFindings(profile: Record<string, unknown>, where: string): Finding[] {
  const docker = isDockerFormat(profile);
  const validate = ociSeccompValidator();
  const subject = docker ? ociSubset(profile) : profile;
  const out = validate(subject) ? [] : ajvFindings(validate.errors, where);
  return docker ? [...dockerFieldFindings(profile, where), ...out] : out;
}

/** Validate a seccomp profile (Docker format or plain OCI); `where` is the JSON pointer of the profile in its file ("" for a profile file). */
export function validateSeccomp(obj: unknown, where: string): Finding[] {
  const profile = asObject(obj);
  if (!profile)
    return [finding('error', `a seccomp profile must be a JSON object (found ${describeValue(obj)})`, where || '/')];
  return [...seccompSchemaFindings(profile, where), ...semanticFindings(profile, where, isDockerFormat(profile))];
}
