// Issue 13 item 6, through bin/tracewall: generate names the runtime layer it added (runtime, version, no_new_privs or
// not, what it adds) and warns when the recordings' runtime is not the one the profile is likely to run under.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { serializeRecording } from '../../src/recording/io.js';
import type { Recording } from '../../src/recording/types.js';
import { makeRecording } from '../unit/render-helpers.js';
import { cli, NOT_BUILT, ROOT, scratchDirs } from './helpers.js';

const { scratch, removeAll } = scratchDirs();
afterAll(removeAll);
const CRUN_NNP = path.join(ROOT, 'examples', 'busybox-web.recording.json');
const RUNC_NO_NNP = path.join(ROOT, 'test', 'fixtures', 'recordings', 'busybox-httpd.json');

function write(dir: string, r: Recording): string {
  const file = path.join(dir, `${r.name}.recording.json`);
  fs.writeFileSync(file, serializeRecording(r));
  return file;
}

/** generate's messages about the runtime layer: the "runtime layer:" line and the warnings that follow it. */
function layerLines(...args: string[]): string[] {
  const out = scratch('out');
  const r = cli(['generate', '-o', out, ...args]);
  expect(r.status, r.stderr).toBe(0);
  return r.stderr.split('\n').filter((l) => /^tracewall: (runtime layer|warning: .*(runc|crun|layer))/.test(l));
}

const RUNC_HINT =
  'but Docker, containerd and Kubernetes run runc by default, whose Go init then fails after the filter is in: pass --runtime runc if the profile will run there';

describe.skipIf(NOT_BUILT)('generate and the runtime layer', () => {
  it('recorded with crun, for Docker/Kubernetes formats: names the crun layer and warns that those run runc', () => {
    expect(layerLines(CRUN_NNP)).toEqual([
      'tracewall: runtime layer: crun 1.8.1 (the recordings ran under crun), for containers with no_new_privs (every run set it); adds nothing the workload did not do',
      `tracewall: warning: the crun layer was added, ${RUNC_HINT} (--runtime crun to keep this)`,
    ]);
    expect(layerLines('--format', 'spo', CRUN_NNP)[1]).toContain(RUNC_HINT);
    // An explicit runtime, or the plain OCI format (a bundle, any runtime), is not second-guessed.
    expect(layerLines('--runtime', 'crun', CRUN_NNP)).toHaveLength(1);
    expect(layerLines('--format', 'oci', CRUN_NNP)).toHaveLength(1);
  });

  it('--runtime other than the recorded one: that layer, with a warning to verify under it', () => {
    expect(layerLines('--runtime', 'runc', CRUN_NNP)).toEqual([
      'tracewall: runtime layer: runc 1.1.5 (--runtime runc), for containers with no_new_privs (every run set it); adds epoll_ctl fstatfs futex getdents64',
      "tracewall: warning: the recordings ran under crun, the profile is for runc (--runtime): its layer is runc's, but verify the workload under runc before enforcing",
    ]);
  });

  it('without no_new_privs: the larger list, said so; --nnp on picks the smaller one', () => {
    const [line] = layerLines(RUNC_NO_NNP);
    expect(line).toMatch(
      /^tracewall: runtime layer: runc 1\.1\.5 \(the recordings ran under runc\), for containers without no_new_privs, the larger measured list; --nnp on if yours set it; adds capget capset /,
    );
    expect(layerLines('--nnp', 'on', RUNC_NO_NNP)[0]).toContain('for containers with no_new_privs (--nnp); adds');
  });

  it('a command recording: no layer, and for Docker formats a warning to pass --runtime runc', () => {
    const dir = scratch('cmd');
    const file = write(dir, makeRecording({ name: 'cmd' }));
    expect(layerLines(file)).toEqual([
      'tracewall: runtime layer: none (the recordings ran no container); to run this profile in a container, pass --runtime crun or --runtime runc',
      `tracewall: warning: no runtime layer was added, ${RUNC_HINT} (--runtime none to keep this)`,
    ]);
  });

  it('a runtime version the layer was not measured for: a warning to re-measure', () => {
    const dir = scratch('ver');
    const rec = makeRecording({
      name: 'newer',
      target: {
        kind: 'bundle',
        bundle: '/b',
        runtime: 'runc',
        runtimeVersion: '1.2.0',
        argv: ['/app'],
        cwd: '/',
        noNewPrivileges: true,
      },
    });
    expect(layerLines(write(dir, rec))).toContain(
      'tracewall: warning: the runc layer was measured for runc 1.1.5; the recordings ran runc 1.2.0: if the container does not start, re-measure (node scripts/measure-runtime-layer.mjs)',
    );
  });
});
