// How many syscalls Docker's default seccomp profile allows, to compare a generated profile with.
import { badInput } from '../errors.js';
import { ruleViews } from '../model/seccomp-profile.js';

/** Two counts of distinct syscall names in Docker's default profile, and how they were counted. */
export interface DockerDefaultCount {
  /** SCMP_ACT_ALLOW rules with no args, no includes and no excludes: allowed everywhere, unconditionally (361 for moby/profiles 3c28324). */
  unconditional: number;
  /**
   * What a default `docker run` on amd64 allows at all: SCMP_ACT_ALLOW rules whose includes name no capability and
   * no other architecture (minKernel assumed met) and whose excludes do not name amd64; argument-restricted rules
   * count (369 for the same file).
   */
  amd64: number;
  method: string;
}

const isEmpty = (o: unknown): boolean => o === null || o === undefined || Object.keys(o as object).length === 0;

/** Count a parsed Docker-format profile (see DockerDefaultCount for the two methods). */
export function countDockerDefault(profile: unknown, where = 'docker default profile'): DockerDefaultCount {
  const rules = (profile as { syscalls?: unknown } | null)?.syscalls;
  if (!Array.isArray(rules)) throw badInput(`${where}: not a Docker seccomp profile (expected a "syscalls" array)`);
  const unconditional = new Set<string>();
  const amd64 = new Set<string>();
  for (const r of ruleViews(profile as Record<string, unknown>, '')) {
    if (r.action !== 'SCMP_ACT_ALLOW') continue;
    const names = r.names.map((n) => n.name);
    if (isEmpty(r.raw.includes) && isEmpty(r.raw.excludes) && !r.hasArgs) names.forEach((n) => unconditional.add(n));
    if (r.includes.caps.length > 0) continue;
    if (r.includes.arches.length > 0 && !r.includes.arches.includes('amd64')) continue;
    if (r.excludes.arches.includes('amd64')) continue;
    names.forEach((n) => amd64.add(n));
  }
  return {
    unconditional: unconditional.size,
    amd64: amd64.size,
    method:
      'unconditional: distinct names in SCMP_ACT_ALLOW rules without args, includes or excludes; ' +
      'amd64: distinct names in SCMP_ACT_ALLOW rules that apply to a default amd64 container (no required capability, no other architecture), argument-restricted rules included',
  };
}
