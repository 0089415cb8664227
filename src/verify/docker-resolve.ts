// A Docker-format profile reduced to the OCI linux.seccomp a runtime gets, the way moby does it for one container:
// includes/excludes evaluated against the container's capabilities, the kernel and amd64, archMap resolved.
import type { SeccompConditions, SeccompProfile, SeccompRule } from '../model/seccomp-profile.js';

/** What Docker's conditions are evaluated against. */
export interface ContainerFacts {
  /** The container's bounding capability set. */
  capabilities: readonly string[];
  /** Kernel release ("6.18.44-..."). */
  kernel: string;
}

const DOCKER_TOP = new Set(['comment', 'archMap', 'defaultErrno']);
const DOCKER_RULE = new Set(['comment', 'includes', 'excludes', 'errno', 'name']);

function kernelAtLeast(kernel: string, min: string): boolean {
  const parse = (v: string): number[] => (v.match(/^\d+(?:\.\d+)*/)?.[0] ?? '0').split('.').map(Number);
  const [a, b] = [parse(kernel), parse(min)];
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d > 0;
  }
  return true;
}

/** moby's order: excludes first (arch, any cap present, kernel at least), then includes (arch, all caps, kernel). */
function applies(rule: Record<string, unknown>, facts: ContainerFacts): boolean {
  const ex = (rule.excludes ?? {}) as SeccompConditions;
  const inc = (rule.includes ?? {}) as SeccompConditions;
  if (ex.arches?.includes('amd64')) return false;
  if (ex.caps?.some((c) => facts.capabilities.includes(c))) return false;
  if (ex.minKernel && kernelAtLeast(facts.kernel, ex.minKernel)) return false;
  if (inc.arches && inc.arches.length > 0 && !inc.arches.includes('amd64')) return false;
  if (inc.caps && !inc.caps.every((c) => facts.capabilities.includes(c))) return false;
  if (inc.minKernel && !kernelAtLeast(facts.kernel, inc.minKernel)) return false;
  return true;
}

function ociRule(rule: Record<string, unknown>): SeccompRule {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(rule)) if (!DOCKER_RULE.has(k) && v !== null) out[k] = v;
  if (!Array.isArray(out.names) && typeof rule.name === 'string') out.names = [rule.name];
  return out as unknown as SeccompRule;
}

/** The OCI object a runtime would get for this container; plain OCI profiles are only copied. */
export function resolveProfile(
  profile: Record<string, unknown>,
  format: 'docker' | 'oci',
  facts: ContainerFacts,
): SeccompProfile {
  const copy = structuredClone(profile);
  if (format === 'oci') return copy as SeccompProfile;
  const top: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(copy)) if (!DOCKER_TOP.has(k) && v !== null) top[k] = v;
  const archMap = Array.isArray(copy.archMap)
    ? (copy.archMap as Array<{ architecture?: string; subArchitectures?: string[] }>)
    : [];
  if (!(Array.isArray(top.architectures) && top.architectures.length > 0)) {
    const native = archMap.find((a) => a.architecture === 'SCMP_ARCH_X86_64');
    if (native) top.architectures = ['SCMP_ARCH_X86_64', ...(native.subArchitectures ?? [])];
  }
  const rules = Array.isArray(copy.syscalls) ? (copy.syscalls as Array<Record<string, unknown>>) : [];
  top.syscalls = rules.filter((r) => applies(r, facts)).map(ociRule);
  return top as SeccompProfile;
}
