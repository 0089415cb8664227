// The protective deny rules a container profile carries (after Docker's default AppArmor template), minus any that would
// override an access the workload was observed to need: AppArmor deny rules win over allow rules.
import type { PathPart } from '../analyze/policy-types.js';
import { aareOverlapsPattern } from './aare-overlap.js';

/** A deny rule on paths: the pattern (tracewall's AARE subset, no alternation), the denied modes, and why. */
export interface ProtectiveDeny {
  path: string;
  modes: string;
  why: string;
}

/** Writes to /proc and /sys outside a process's own /proc/<pid>, /proc/sys/kernel/shm* and the cgroup tree, as docker-default denies them. */
export const PROTECTIVE_DENIES: readonly ProtectiveDeny[] = [
  { path: '/proc/*', modes: 'w', why: 'files directly in /proc' },
  { path: '/proc/[^1-9]/**', modes: 'w', why: 'non-process directories in /proc' },
  { path: '/proc/[^1-9][^0-9]/**', modes: 'w', why: 'non-process directories in /proc' },
  { path: '/proc/[^1-9s][^0-9y][^0-9s]/**', modes: 'w', why: 'non-process directories in /proc except sys' },
  { path: '/proc/[^1-9][^0-9][^0-9][^0-9/]*/**', modes: 'w', why: 'non-process directories in /proc' },
  { path: '/proc/sys/[^k]**', modes: 'w', why: 'sysctls outside /proc/sys/kernel' },
  { path: '/proc/sys/kernel/?', modes: 'w', why: 'kernel sysctls other than shm*' },
  { path: '/proc/sys/kernel/??', modes: 'w', why: 'kernel sysctls other than shm*' },
  { path: '/proc/sys/kernel/[^s][^h][^m]**', modes: 'w', why: 'kernel sysctls other than shm*' },
  { path: '/proc/sysrq-trigger', modes: 'rwklx', why: 'magic SysRq' },
  { path: '/proc/kcore', modes: 'rwklx', why: 'kernel memory' },
  { path: '/sys/[^f]*/**', modes: 'wklx', why: 'sysfs outside /sys/fs' },
  { path: '/sys/f[^s]*/**', modes: 'wklx', why: 'sysfs outside /sys/fs' },
  { path: '/sys/fs/[^c]*/**', modes: 'wklx', why: 'sysfs outside /sys/fs/cgroup' },
  { path: '/sys/fs/c[^g]*/**', modes: 'wklx', why: 'sysfs outside /sys/fs/cgroup' },
  { path: '/sys/fs/cg[^r]*/**', modes: 'wklx', why: 'sysfs outside /sys/fs/cgroup' },
  { path: '/sys/firmware/**', modes: 'rwklx', why: 'firmware tables' },
  { path: '/sys/kernel/security/**', modes: 'rwklx', why: 'LSM interfaces' },
];

/** An allow rule as the deny check sees it: its pattern and its mode letters (r w a l k m ix). */
export interface GrantedAccess {
  pattern: PathPart[];
  modes: string;
  /** How to name the rule in a report (never written into the profile). */
  label: string;
}

/** The letters of an allow mode string as the deny letters they collide with ("a" is a kind of "w", "ix" of "x"). */
function denyLetters(modes: string): Set<string> {
  const s = new Set<string>();
  for (const c of modes.replace('ix', 'x')) s.add(c === 'a' ? 'w' : c);
  return s;
}

/** The protective denies that overlap no granted access, and those left out with the access that needed them gone. */
export function selectDenies(granted: readonly GrantedAccess[]): {
  kept: ProtectiveDeny[];
  omitted: Array<{ deny: ProtectiveDeny; because: string }>;
} {
  const kept: ProtectiveDeny[] = [];
  const omitted: Array<{ deny: ProtectiveDeny; because: string }> = [];
  for (const deny of PROTECTIVE_DENIES) {
    const letters = new Set(deny.modes);
    const hit = granted.find(
      (g) => [...denyLetters(g.modes)].some((c) => letters.has(c)) && aareOverlapsPattern(deny.path, g.pattern),
    );
    if (hit) omitted.push({ deny, because: hit.label });
    else kept.push(deny);
  }
  return { kept, omitted };
}
