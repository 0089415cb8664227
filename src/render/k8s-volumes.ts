// Can the root filesystem be read-only? Only if every observed write lands in a directory that can be an emptyDir
// volume: a scratch root (/tmp, /var/tmp, /run, /var/run), or a directory outside the image's system directories that
// holds nothing the workload used without creating it (an emptyDir starts empty and would hide image files).
import type { FileAccess } from '../recording/types.js';
import type { FileRule } from '../analyze/policy-types.js';
import { literalPrefix, patternText } from '../analyze/pattern.js';
import { byCodeUnit } from '../util/json.js';
import { quoteForMessage } from '../util/strings.js';

/** An emptyDir volume mounted where the workload writes, and the rules that need it. */
export interface ScratchMount {
  name: string;
  mountPath: string;
  for: string[];
}

/** The verdict on readOnlyRootFilesystem, with the mounts it needs or the writes that prevent it. */
export interface ScratchPlan {
  readOnly: boolean;
  mounts: ScratchMount[];
  blockers: Array<{ path: string; reason: string }>;
}

const WRITES: ReadonlySet<FileAccess> = new Set<FileAccess>([
  'write',
  'append',
  'create',
  'delete',
  'rename',
  'metadata',
  'link',
]);
/** Kernel and runtime file systems, not part of the root file system. */
const NOT_ROOTFS = ['/dev/', '/proc/', '/sys/'];
/** Directories images ship empty by convention: mounted as a whole. */
const SCRATCH_ROOTS = ['/tmp', '/var/tmp', '/run', '/var/run'];
/** The image's own system directories: never an emptyDir, not at them or below them. */
const SYSTEM_DIRS = ['/usr', '/bin', '/sbin', '/lib', '/lib32', '/lib64', '/libx32', '/etc', '/boot'];
/** Too broad to hide behind an emptyDir. */
const NOT_MOUNTABLE = new Set(['', '/', '/var']);

const under = (p: string, dir: string) => p === dir || p.startsWith(`${dir}/`);

/** The literal directory that holds the written object (a rule ending in "/" is a directory written in its parent). */
function writtenIn(rule: FileRule): string {
  const text = literalPrefix(rule.pattern);
  const full = rule.pattern.every((p) => 'lit' in p);
  const object = full ? text.replace(/\/+$/, '') : text;
  const at = object.lastIndexOf('/');
  return at <= 0 ? '/' : object.slice(0, at);
}

/** A DNS-1123 label for a mount path, unique among `taken`. */
function volumeName(mountPath: string, taken: Set<string>): string {
  const base =
    mountPath
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 56)
      .replace(/-+$/, '') || 'scratch';
  let name = base;
  for (let i = 2; taken.has(name); i++) name = `${base}-${i}`;
  taken.add(name);
  return name;
}

/** Decide readOnlyRootFilesystem and the emptyDir mounts from the policy's file rules. */
export function planScratch(files: readonly FileRule[]): ScratchPlan {
  const blockers: ScratchPlan['blockers'] = [];
  const wanted = new Map<string, Set<string>>();
  for (const rule of files) {
    if (!rule.access.some((a) => WRITES.has(a))) continue;
    const label = patternText(rule.pattern);
    const lit = literalPrefix(rule.pattern);
    if (NOT_ROOTFS.some((r) => lit.startsWith(r))) continue;
    const scratch = SCRATCH_ROOTS.find((r) => lit.startsWith(`${r}/`));
    const mount = scratch ?? writtenIn(rule);
    if (!scratch && (NOT_MOUNTABLE.has(mount) || SYSTEM_DIRS.some((d) => under(mount, d)))) {
      blockers.push({
        path: label,
        reason: `writes into ${quoteForMessage(mount)}, part of the image's system directories; an emptyDir there would hide them`,
      });
      continue;
    }
    if (/[\u0000-\u001f\u007f:\ufffd]/.test(mount) || /[\ud800-\udfff]/.test(mount)) {
      blockers.push({
        path: label,
        reason: `its directory ${quoteForMessage(mount)} cannot be a Kubernetes mountPath`,
      });
      continue;
    }
    const s = wanted.get(mount) ?? new Set<string>();
    s.add(label);
    wanted.set(mount, s);
  }
  const paths = [...wanted.keys()].sort(byCodeUnit);
  const outer = paths.filter((p) => !paths.some((q) => q !== p && p.startsWith(`${q}/`)));
  for (const mount of outer) {
    if (SCRATCH_ROOTS.includes(mount)) continue;
    for (const rule of files) {
      const lit = literalPrefix(rule.pattern);
      const isMountDir = rule.pattern.every((p) => 'lit' in p) && lit === `${mount}/`;
      if (!lit.startsWith(`${mount}/`) || isMountDir || rule.access.includes('create')) continue;
      blockers.push({
        path: patternText(rule.pattern),
        reason: `an emptyDir at ${quoteForMessage(mount)} would hide it: the workload used it but did not create it, so it comes from the image`,
      });
    }
  }
  const taken = new Set<string>();
  const mounts = outer.map((mountPath) => ({
    name: volumeName(mountPath, taken),
    mountPath,
    for: paths
      .filter((p) => under(p, mountPath))
      .flatMap((p) => [...wanted.get(p)!])
      .sort(byCodeUnit),
  }));
  blockers.sort((a, b) => byCodeUnit(a.path, b.path));
  return { readOnly: blockers.length === 0, mounts: blockers.length === 0 ? mounts : [], blockers };
}
