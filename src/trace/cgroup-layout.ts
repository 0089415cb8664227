// The host's cgroup layout, detected from the mount table: crun refuses the hybrid v1/v2 layout, runc accepts all three.
import fs from 'node:fs';

/** 'v2': unified hierarchy at /sys/fs/cgroup; 'hybrid': v1 controllers plus a cgroup2 mount below; 'v1': no cgroup2. */
export type CgroupLayout = 'v2' | 'hybrid' | 'v1';

/** The layout and the cgroup2 mount points below /sys/fs/cgroup (what crun must not see on a hybrid host). */
export interface CgroupMounts {
  layout: CgroupLayout;
  v2Below: string[];
}

const CGROUP_ROOT = '/sys/fs/cgroup';

/** Classify a /proc/PID/mountinfo text; pure, for tests. */
export function parseCgroupMounts(mountinfo: string): CgroupMounts {
  let v1 = false;
  let v2AtRoot = false;
  const v2Below: string[] = [];
  for (const line of mountinfo.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const mountPoint = unescapeMountinfo(line.slice(0, sep).split(' ')[4] ?? '');
    const fstype = line.slice(sep + 3).split(' ')[0];
    if (mountPoint !== CGROUP_ROOT && !mountPoint.startsWith(CGROUP_ROOT + '/')) continue;
    if (fstype === 'cgroup') v1 = true;
    if (fstype === 'cgroup2') {
      if (mountPoint === CGROUP_ROOT) v2AtRoot = true;
      else v2Below.push(mountPoint);
    }
  }
  // A later mount over /sys/fs/cgroup hides what was below, but mountinfo lists both; a cgroup2 root wins.
  if (v2AtRoot) return { layout: 'v2', v2Below: [] };
  if (v1 && v2Below.length > 0) return { layout: 'hybrid', v2Below: v2Below.sort() };
  return { layout: v1 ? 'v1' : 'v2', v2Below: [] };
}

/** The cgroup mounts of this process's mount namespace. */
export function cgroupMounts(mountinfoPath = '/proc/self/mountinfo'): CgroupMounts {
  return parseCgroupMounts(fs.readFileSync(mountinfoPath, 'utf8'));
}

/** This host's layout, read from /proc/self/mountinfo. */
export function cgroupLayout(): CgroupLayout {
  return cgroupMounts().layout;
}

/** mountinfo escapes space, tab, newline and backslash as octal. */
function unescapeMountinfo(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}
