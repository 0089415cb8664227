// The cgroup layout is detected from the mount table, and the runtime command lines follow it: crun on a hybrid host
// runs in a private mount namespace without the cgroup2 mount; runc and crun on v2 run as they are.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  cgroupLayout,
  cgroupMounts,
  parseCgroupMounts,
  runtimeCommand,
  uniqueContainerId,
} from '../../src/trace/bundle.js';
import { makeBusyboxBundle, makeTemp, needRoot, rmTemp } from '../helpers/bundles.js';

const line = (id: number, mountPoint: string, fstype: string, opts = 'rw'): string =>
  `${id} 23 0:${id} / ${mountPoint} rw,relatime - ${fstype} ${fstype === 'tmpfs' ? 'tmpfs' : 'cgroup'} ${opts}`;

describe('cgroup layout', () => {
  it('tells v2, hybrid and v1 apart', () => {
    const root = '22 1 0:21 / / rw - ext4 /dev/vda rw';
    expect(parseCgroupMounts([root, line(30, '/sys/fs/cgroup', 'cgroup2')].join('\n'))).toEqual({
      layout: 'v2',
      v2Below: [],
    });
    const hybrid = [
      root,
      line(31, '/sys/fs/cgroup', 'tmpfs'),
      line(32, '/sys/fs/cgroup/cpu', 'cgroup', 'rw,cpu'),
      line(41, '/sys/fs/cgroup/unified', 'cgroup2'),
    ];
    expect(parseCgroupMounts(hybrid.join('\n'))).toEqual({ layout: 'hybrid', v2Below: ['/sys/fs/cgroup/unified'] });
    expect(parseCgroupMounts(hybrid.slice(0, 3).join('\n'))).toEqual({ layout: 'v1', v2Below: [] });
    // a cgroup2 mount elsewhere does not make the host hybrid
    expect(parseCgroupMounts([...hybrid.slice(0, 3), line(50, '/mnt/cg2', 'cgroup2')].join('\n')).layout).toBe('v1');
  });

  it("reads this host's mount table", () => {
    const here = cgroupMounts();
    expect(['v2', 'hybrid', 'v1']).toContain(here.layout);
    expect(cgroupLayout()).toBe(here.layout);
    expect(parseCgroupMounts(fs.readFileSync('/proc/self/mountinfo', 'utf8'))).toEqual(here);
  });
});

describe('runtime command lines', () => {
  const work = makeTemp('tracewall-bundle-cmd-');
  afterAll(() => rmTemp(work));
  const why = needRoot('crun', 'runc', 'unshare');

  it.skipIf(why)(
    'crun on hybrid: unshare -m, lazy unmount of the cgroup2 mounts, exec; on v2 and for runc: run as is',
    () => {
      const b = makeBusyboxBundle(path.join(work, 'b'), { args: ['true'] });
      const id = uniqueContainerId('cmdtest');
      const hybrid = { layout: 'hybrid' as const, v2Below: ['/sys/fs/cgroup/unified'] };
      const crunHybrid = runtimeCommand(b.dir, 'crun', { id, cgroups: hybrid }).argv;
      expect(crunHybrid.slice(0, 6).map((a) => path.basename(a))).toEqual([
        'unshare',
        '--mount',
        '--propagation',
        'private',
        '--',
        'sh',
      ]);
      expect(crunHybrid[6]).toBe('-c');
      expect(crunHybrid[7]).toBe(`umount -l '/sys/fs/cgroup/unified' && exec "$@"`);
      expect(crunHybrid.slice(-4)).toEqual(['run', '--bundle', b.dir, id]);
      const crunV2 = runtimeCommand(b.dir, 'crun', { id, cgroups: { layout: 'v2', v2Below: [] } }).argv;
      expect(crunV2.map((a, i) => (i === 0 ? path.basename(a) : a))).toEqual(['crun', 'run', '--bundle', b.dir, id]);
      const runc = runtimeCommand(b.dir, 'runc', { id, cgroups: hybrid }).argv;
      expect(runc.map((a, i) => (i === 0 ? path.basename(a) : a))).toEqual(['runc', 'run', '--bundle', b.dir, id]);
    },
  );

  it.skipIf(why)('refuses an id a runtime would misread', () => {
    const b = makeBusyboxBundle(path.join(work, 'c'), { args: ['true'] });
    expect(() => runtimeCommand(b.dir, 'runc', { id: '--all' })).toThrow(
      /container id "--all": expected letters, digits/,
    );
    expect(uniqueContainerId()).toMatch(/^tracewall-\d+-[0-9a-f]{12}$/);
  });
});
