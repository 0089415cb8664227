// Two recordings of different code paths of one app merge into a profile that, enforced by a real runtime, runs both
// paths; a profile from either recording alone breaks the other path.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeBusyboxBundle, makeTemp, needRoot, rmTemp } from '../helpers/bundles.js';
import { runBundle } from '../../src/trace/bundle.js';
import { needBuild, profilePaths, tracewall } from './helpers.js';

// One app, two code paths chosen by its argument: "files" writes, renames and lists; "net" serves and fetches over loopback.
const APP = [
  'case "$1" in',
  '  files) cd /tmp && echo data > a && mv a b && ls /tmp && cat b ;;',
  "  net) httpd -p 127.0.0.1:8081 -h /www && printf 'GET /index.html HTTP/1.0\\r\\n\\r\\n' | nc 127.0.0.1 8081 | tail -n 1 ;;",
  'esac',
].join('\n');
const OUTPUT = { files: 'b\ndata\n', net: 'hello from busybox httpd\n' } as const;
type Mode = keyof typeof OUTPUT;

const why = needRoot('crun', 'strace') ?? needBuild();
if (why) console.warn(`skipped merge e2e: ${why}`);

describe.skipIf(why)('merging two code paths (crun)', () => {
  let tmp: string;
  const bundles = {} as Record<Mode, string>;
  const profiles = {} as Record<Mode | 'merged', object>;

  beforeAll(async () => {
    tmp = makeTemp();
    const recs: string[] = [];
    for (const mode of ['files', 'net'] as const) {
      bundles[mode] = path.join(tmp, `bundle-${mode}`);
      makeBusyboxBundle(bundles[mode], { args: ['/bin/sh', '-c', APP, 'app', mode] });
      const rec = path.join(tmp, `${mode}.json`);
      const r = await tracewall(['record', '--bundle', bundles[mode], '--runtime', 'crun', '--name', mode, '-o', rec]);
      expect(r.stdout).toBe(OUTPUT[mode]);
      recs.push(rec);
      fs.mkdirSync(path.join(tmp, mode));
      expect((await tracewall(['generate', '--format', 'oci', '-o', path.join(tmp, mode), rec])).exitCode).toBe(0);
      profiles[mode] = JSON.parse(fs.readFileSync(profilePaths(path.join(tmp, mode), mode).seccomp, 'utf8'));
    }
    const merged = path.join(tmp, 'app.recording.json');
    const m = await tracewall(['merge', '-o', merged, '--name', 'app', ...recs]);
    expect(m.exitCode, m.stderr).toBe(0);
    fs.mkdirSync(path.join(tmp, 'merged'));
    expect((await tracewall(['generate', '--format', 'oci', '-o', path.join(tmp, 'merged'), merged])).exitCode).toBe(0);
    profiles.merged = JSON.parse(fs.readFileSync(profilePaths(path.join(tmp, 'merged'), 'app').seccomp, 'utf8'));
  });
  afterAll(() => rmTemp(tmp));

  for (const mode of ['files', 'net'] as const) {
    it(`the merged profile runs the ${mode} path`, async () => {
      const r = await runBundle(bundles[mode], 'crun', { seccomp: profiles.merged, timeoutMs: 30_000 });
      expect(r.stdout).toBe(OUTPUT[mode]);
      expect(r.exitCode, r.stderr).toBe(0);
    });
  }

  it('a profile from one path alone breaks the other', async () => {
    const r = await runBundle(bundles.net, 'crun', { seccomp: profiles.files, timeoutMs: 30_000 });
    expect(r.exitCode).not.toBe(0);
    expect(r.stdout).not.toBe(OUTPUT.net);
  });
});
