// How risky a change to an AppArmor profile is: the rules of the catalogue for file modes, globs, denies, flags,
// includes and other rule keywords. Capabilities and network families use the shared tables in risk-catalogue.ts.
import { hasDoubleStar, mayReachUnder, patternMatches, unescapePath } from './apparmor-glob.js';
import { secretOfPattern } from './secret-paths.js';
import { isExec, isUnconfinedExec } from './apparmor-modes.js';
import { riskRank } from './risk.js';
import type { DiffRisk } from './types.js';

/** A rated rule with a name for the documentation. */
export interface NamedRisk {
  level: DiffRisk;
  why: string;
}

/** Directories where a new write (or append) is rated high: the system, the kernel's tunables, other users' data. */
export const SENSITIVE_WRITE_DIRS: readonly string[] = [
  '/bin',
  '/boot',
  '/etc',
  '/lib',
  '/lib32',
  '/lib64',
  '/libx32',
  '/proc/sys',
  '/root',
  '/sbin',
  '/sys',
  '/usr',
  '/var/lib',
];

/** The AppArmor rules of the catalogue. */
export const APPARMOR_RISK = {
  allFiles: { level: 'critical', why: 'a bare `file,` rule: every file, every mode' },
  unconfinedExec: { level: 'critical', why: 'exec that may leave confinement (ux, Ux, pux, PUx, cux, CUx)' },
  exec: { level: 'high', why: 'new exec transition (ix, px, Px, cx, Cx and their i variants): a new program runs' },
  writeSensitive: { level: 'high', why: 'write or append under a system directory (see the list)' },
  writeExecutable: { level: 'high', why: 'write or append on a path that may also be executed or mapped executable' },
  write: { level: 'medium', why: 'new write or append access' },
  mapExec: { level: 'low', why: 'new m (map executable) access' },
  read: { level: 'low', why: 'new read, link or lock access' },
  broaderDoubleStar: { level: 'high', why: 'a rule replaced by a broader pattern with `**` (any depth)' },
  broader: { level: 'medium', why: 'a rule replaced by a broader pattern (`*`, `?`, `[]`, `{}`)' },
  narrower: { level: 'info', why: 'a pattern replaced by narrower rules' },
  removedDeny: { level: 'high', why: 'a deny rule removed or narrowed: a protection is gone' },
  addedDeny: { level: 'info', why: 'a deny rule added: it only takes access away' },
  include: { level: 'medium', why: 'a new include: it grants whatever the included file holds' },
  tunablesInclude: { level: 'info', why: 'a new tunables include: variables only' },
  abi: { level: 'info', why: 'the policy ABI: the kernel feature set the rules are read against' },
  unrecognised: { level: 'medium', why: 'a line tracewall cannot read: review it by hand' },
  profileName: { level: 'info', why: 'the profile name changed: attachments and peer rules that name it change too' },
} as const satisfies Record<string, NamedRisk>;

/** Profile flags that switch enforcement off; any other flag change is low. */
export const FLAG_RISK: Readonly<Record<string, NamedRisk>> = {
  complain: { level: 'critical', why: 'complain mode: nothing is enforced, violations are only logged' },
  unconfined: { level: 'critical', why: 'the profile does not confine' },
  default_allow: { level: 'critical', why: 'everything not denied is allowed' },
  kill: { level: 'info', why: 'violations kill the task' },
  enforce: { level: 'info', why: 'enforcing mode' },
};
/** A flag not in FLAG_RISK. */
export const OTHER_FLAG_RISK: NamedRisk = { level: 'low', why: 'a profile flag' };

/** Other rules, rated by keyword when added as allow rules. */
export const RULE_KEYWORD_RISK: Readonly<Record<string, NamedRisk>> = {
  mount: { level: 'critical', why: 'mounts file systems: the classic container escape' },
  remount: { level: 'critical', why: 'remounts file systems, e.g. read-write' },
  umount: { level: 'critical', why: 'uncovers paths the runtime masked' },
  pivot_root: { level: 'critical', why: 'changes the root file system' },
  ptrace: { level: 'high', why: 'traces or reads other processes (critical with peer=unconfined or no peer)' },
  change_profile: { level: 'high', why: 'switches to another profile' },
  userns: { level: 'high', why: 'creates user namespaces: kernel attack surface behind CAP_SYS_ADMIN' },
  io_uring: { level: 'high', why: 'io_uring operations bypass per-syscall mediation' },
  dbus: { level: 'medium', why: 'talks to D-Bus services' },
  change_hat: { level: 'medium', why: 'switches hats' },
  variable: { level: 'medium', why: 'a variable changes what every pattern using it matches' },
  signal: { level: 'low', why: 'sends or receives signals' },
  unix: { level: 'low', why: 'unix socket mediation' },
  mqueue: { level: 'low', why: 'POSIX message queues' },
  link: { level: 'low', why: 'hard links between paths' },
  rlimit: { level: 'info', why: 'sets a resource limit' },
};

/** The rating of an added allow rule of another kind, from its normalised text. */
export function otherRuleRisk(text: string): NamedRisk {
  const body = text.replace(/^owner\s+/, '');
  const keyword = body.startsWith('set rlimit') ? 'rlimit' : body.split(' ')[0]!;
  const base = RULE_KEYWORD_RISK[keyword] ?? APPARMOR_RISK.unrecognised;
  if (
    keyword === 'ptrace' &&
    (!/peer=/.test(body) || /peer=unconfined/.test(body)) &&
    !/^ptrace \((read|readby)(, (read|readby))?\)/.test(body)
  ) {
    return { level: 'critical', why: 'traces any process, unconfined ones included' };
  }
  return base;
}

/** The rating of a flag being added (or, for removals, of what the flag did). */
export function flagRisk(flag: string): NamedRisk {
  return FLAG_RISK[flag] ?? OTHER_FLAG_RISK;
}

/** The sensitive directory a pattern may write into, if any. */
export function sensitiveDirOf(pattern: string): string | undefined {
  return SENSITIVE_WRITE_DIRS.find((d) => mayReachUnder(pattern, d));
}

/** The risk of modes added to a path, given all modes the path now has, with the reason of the highest. */
export function fileModesRisk(pattern: string, added: readonly string[], all: readonly string[]): NamedRisk {
  const candidates: NamedRisk[] = [];
  const writes = (list: readonly string[]) => list.some((m) => m === 'w' || m === 'a');
  const execs = (list: readonly string[]) => list.some((m) => isExec(m) || m === 'm');
  for (const m of added) {
    if (m === 'file') candidates.push(APPARMOR_RISK.allFiles);
    else if (isUnconfinedExec(m)) candidates.push(APPARMOR_RISK.unconfinedExec);
    else if (isExec(m)) candidates.push(APPARMOR_RISK.exec);
    else if (m === 'm') candidates.push(APPARMOR_RISK.mapExec);
    else if (m !== 'w' && m !== 'a') candidates.push(APPARMOR_RISK.read);
  }
  if (writes(added)) {
    const dir = sensitiveDirOf(pattern);
    if (dir) candidates.push({ level: APPARMOR_RISK.writeSensitive.level, why: `write or append under ${dir}` });
    else if (execs(all)) candidates.push(APPARMOR_RISK.writeExecutable);
    else candidates.push(APPARMOR_RISK.write);
  } else if (execs(added) && writes(all)) {
    candidates.push(APPARMOR_RISK.writeExecutable);
  }
  if (added.some((m) => m === 'r' || m === 'file')) {
    const secret = secretOfPattern(pattern, unescapePath(pattern), patternMatches);
    if (secret) candidates.push({ level: secret.level, why: `read of a secret: ${secret.why}` });
  }
  let best: NamedRisk = { level: 'info', why: '' };
  for (const c of candidates) if (riskRank(c.level) > riskRank(best.level)) best = c;
  return best;
}

/** The rating of a pattern that replaced narrower rules. */
export function broaderRisk(pattern: string): NamedRisk {
  return hasDoubleStar(pattern) ? APPARMOR_RISK.broaderDoubleStar : APPARMOR_RISK.broader;
}
