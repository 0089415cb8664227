// The runtime command lines run under `strace -f`: the container's entrypoint execve shows up in the log with both its
// host pid and, through --decode-pids=pidns, the pid it has inside the container.
import fs from 'node:fs';
import path from 'node:path';
import { execa } from 'execa';
import { afterAll, describe, expect, it } from 'vitest';
import { runtimeCommand, uniqueContainerId } from '../../src/trace/bundle.js';
import { fromRoot } from '../../src/util/paths.js';
import { containerExists, makeBusyboxBundle, makeTemp, needRoot, rmTemp } from '../helpers/bundles.js';

const work = makeTemp('tracewall-bundle-strace-');
afterAll(() => rmTemp(work));

for (const runtime of ['crun', 'runc'] as const) {
  describe(`${runtime} under strace`, () => {
    const why = needRoot(runtime, 'unshare', 'strace');

    it.skipIf(why)(
      'runs the bundle traced; the entrypoint execve and its output are there; nothing is left',
      async () => {
        const b = makeBusyboxBundle(path.join(work, runtime), { args: ['/bin/sh', '-c', 'echo traced-$$'] });
        const log = path.join(work, `${runtime}.log`);
        const cmd = runtimeCommand(b.dir, runtime, { id: uniqueContainerId('strace') });
        let r;
        try {
          r = await execa(
            'strace',
            ['-f', '--decode-pids=pidns', '-yy', '-ttt', '-s', '4096', '-o', log, '--', ...cmd.argv],
            { reject: false, stdin: 'ignore', timeout: 60_000 },
          );
        } finally {
          await cmd.cleanup();
        }
        expect(r.exitCode, r.stderr).toBe(0);
        expect(r.stdout).toBe('traced-1');
        const text = fs.readFileSync(log, 'utf8');
        // e.g. `12345 1795935682.599342 execve("/bin/sh", ["/bin/sh", "-c", "echo traced-$$"], ...) = 0`
        expect(text).toMatch(/^\d+ +[\d.]+ execve\("\/bin\/sh", \["\/bin\/sh", "-c", "echo traced-\$\$"\]/m);
        expect(text).toMatch(/write\(1<.+?>, "traced-1\\n", 9/); // may be split by <unfinished ...>
        expect(containerExists(runtime, cmd.id)).toBe(false);
      },
    );
  });
}

describe('a bundle whose entrypoint never runs', () => {
  const why = needRoot('crun', 'strace');

  it.skipIf(why)('writes no recording and says why (as for an engine container that never started)', async () => {
    const b = makeBusyboxBundle(path.join(work, 'never'), { args: ['/no/such/entrypoint'] });
    const out = path.join(work, 'never.recording.json');
    const r = await execa(process.execPath, [fromRoot('bin', 'tracewall'), 'record', '--bundle', b.dir, '-o', out], {
      reject: false,
      stdin: 'ignore',
      env: { CI: '1' },
      timeout: 60_000,
    });
    expect(r.exitCode).not.toBe(0);
    expect(r.stderr).toMatch(
      /nothing recorded: the entrypoint \["\/no\/such\/entrypoint"\] was never executed: the container did not start/,
    );
    expect(fs.existsSync(out)).toBe(false);
  });
});
