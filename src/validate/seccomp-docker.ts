// The Docker/moby seccomp profile format: recognising it, checking its own fields, and reducing it to the OCI subset.
import { ajvFindings } from './ajv-findings.js';
import { draft07Validator } from './schemas.js';
import { DOCKER_ARCHES } from './seccomp-rules.js';
import { ruleViews } from '../model/seccomp-profile.js';
import { finding, type Finding } from './types.js';
import { asObject } from '../util/json.js';
import { DOCKER_RULE_FIELDS, DOCKER_TOP_FIELDS } from './docker-format.js';

/** Shape checks of the Docker-only fields, plus the values Docker would never match. */
export function dockerFieldFindings(profile: Record<string, unknown>, prefix: string): Finding[] {
  const validate = draft07Validator('docker-seccomp-fields.schema.json');
  const out = validate(profile) ? [] : ajvFindings(validate.errors, prefix);
  for (const rule of ruleViews(profile, prefix)) {
    for (const side of ['includes', 'excludes'] as const) {
      rule[side].arches.forEach((arch, i) => {
        if (!DOCKER_ARCHES.has(arch)) {
          out.push(
            finding(
              'warning',
              `architecture ${JSON.stringify(arch)} is not one Docker matches (it compares Go names such as "amd64", "arm64", "s390x")`,
              `${rule.where}/${side}/arches/${i}`,
            ),
          );
        }
      });
    }
    if (typeof rule.raw.name === 'string') {
      if (Array.isArray(rule.raw.names)) {
        out.push(
          finding('error', 'both "name" and "names" are set; Docker refuses a rule with both', `${rule.where}/name`),
        );
      } else {
        out.push(
          finding(
            'info',
            'legacy single "name" field: Docker accepts it, OCI runtimes need "names"',
            `${rule.where}/name`,
          ),
        );
      }
    }
  }
  if (
    Array.isArray(profile.architectures) &&
    profile.architectures.length > 0 &&
    Array.isArray(profile.archMap) &&
    profile.archMap.length > 0
  ) {
    out.push(
      finding(
        'error',
        'both "architectures" and "archMap" are set; Docker refuses a profile with both',
        `${prefix}/archMap`,
      ),
    );
  }
  return out;
}

/**
 * The OCI-compatible subset: Docker-only fields removed, a legacy "name" turned into "names", and null members
 * dropped (Docker-format profiles are read by Go decoders, for which null is the same as absent).
 */
export function ociSubset(profile: Record<string, unknown>): Record<string, unknown> {
  const top: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(profile)) if (!DOCKER_TOP_FIELDS.includes(k) && v !== null) top[k] = v;
  if (Array.isArray(profile.syscalls)) {
    top.syscalls = profile.syscalls.map((entry) => {
      const rule = asObject(entry);
      if (!rule) return entry;
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(rule)) if (!DOCKER_RULE_FIELDS.includes(k) && v !== null) out[k] = v;
      if (!('names' in rule) && typeof rule.name === 'string') out.names = [rule.name];
      return out;
    });
  }
  return top;
}
