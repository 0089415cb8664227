// Real bpftrace (root): `record --pid` attaches to a process tree that is already running, records what it and the
// children it already had do from then on, and detaches after --duration, at SIGINT, or when the tree ends. The traced
// processes keep running; nothing outside the tree is recorded; bad targets are refused with exit 2.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawn, type ChildProcess } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bpftraceBlocker } from '../../src/trace/bpftrace-check.js';
import { BPFTRACE_PROGRAM } from '../../src/trace/bpftrace.js';
import { readRecording } from '../../src/recording/io.js';
import type { Recording } from '../../src/recording/types.js';
import { waitFor } from '../helpers/bundles.js';
import { needBuild, tracewall } from '../e2e/helpers.js';
import { startCli } from '../helpers/cli-process.js';

const why = bpftraceBlocker() ?? needBuild();
if (why) console.warn(`skipped record --pid tests: ${why}`);

let work: string;
const started: ChildProcess[] = [];
beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'tracewall-attach-'));
});
afterAll(() => {
  // every group, even when one is gone already (kill would throw ESRCH and leave the rest running)
  for (const c of started) {
    try {
      process.kill(-c.pid!, 'SIGKILL');
    } catch {
      // gone
    }
  }
  fs.rmSync(work, { recursive: true, force: true });
});

/** Start `script` under sh in a process group of its own; resolves once it has written its pid file (it runs). */
async function background(script: string): Promise<ChildProcess> {
  const ready = path.join(work, `ready-${started.length}`);
  const child = spawn('/bin/sh', ['-c', `echo $$ > ${ready}; ${script}`], {
    detached: true,
    stdio: 'ignore',
    cwd: work,
  });
  started.push(child);
  await waitFor(`${script} to start`, () =>
    fs.existsSync(ready) && fs.readFileSync(ready, 'utf8').trim() !== '' ? true : undefined,
  );
  return child;
}

const alive = (pid: number): boolean => {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^[ZX]$/.test(stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3));
  } catch {
    return false;
  }
};

/** bpftrace processes still running tracewall's program attached to one of this file's processes. */
function leftoverTracers(): string[] {
  const ours = new Set(started.map((c) => String(c.pid)));
  return fs
    .readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .flatMap((p) => {
      try {
        const argv = fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').split('\0');
        const at = argv.indexOf(BPFTRACE_PROGRAM);
        return at >= 0 && ours.has(argv[at + 1]!) ? [argv.join(' ')] : [];
      } catch {
        return [];
      }
    });
}

const files = (r: Recording) => Object.keys(r.files);
const names = (r: Recording) => Object.keys(r.syscalls.x86_64 ?? {});

describe.skipIf(why)('record --pid (attach with bpftrace)', () => {
  it('records the tree from the attach on (children it already had too), nothing outside it, and leaves it running', async () => {
    // a child that existed before the attach, running as nobody, lists /usr/share; the root reads /etc/hostname
    const tree = await background(
      "setpriv --reuid=65534 --regid=65534 --clear-groups sh -c 'while :; do ls /usr/share >/dev/null; sleep 0.1; done' & while :; do cat /etc/hostname >/dev/null; sleep 0.1; done",
    );
    // outside the tree, at the same time
    const other = await background('while :; do cat /etc/passwd >/dev/null; sleep 0.1; done');
    const out = path.join(work, 'tree.json');
    const r = await tracewall([
      'record',
      '--tracer',
      'bpftrace',
      '--pid',
      String(tree.pid),
      '--duration',
      '2',
      '-o',
      out,
    ]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/probes attached; recording for 2 s/);
    expect(r.stderr).toMatch(/recorded \d+\.\d s, detached after --duration; nothing was stopped/);
    const rec = readRecording(out);
    expect(rec.tracer.name).toBe('bpftrace');
    expect(rec.target).toMatchObject({
      kind: 'process',
      pid: tree.pid,
      exe: fs.realpathSync('/bin/sh'),
      argv: ['/bin/sh', '-c', expect.stringContaining('ls /usr/share')],
    });
    expect(rec.files['/etc/hostname']?.access).toContain('read');
    expect(rec.files['/usr/share/']?.access).toContain('dir-list');
    expect(files(rec)).not.toContain('/etc/passwd');
    expect(rec.executables.map((e) => e.argv0)).toEqual(expect.arrayContaining(['cat', 'ls', 'sleep']));
    // the exec facts name what each already running process ran (from /proc at the attach), the identity its users
    const dash = fs.realpathSync('/bin/sh');
    expect(
      rec.executables
        .filter((e) => e.argv0 === 'cat' || e.argv0 === 'ls')
        .map((e) => `${e.argv0} ${e.parent}`)
        .sort(),
    ).toEqual([`cat ${dash}`, `ls ${dash}`]);
    expect(rec.identity.uids).toEqual([0, 65534]);
    expect(names(rec)).toEqual(expect.arrayContaining(['execve', 'openat', 'getdents64', 'wait4']));
    expect(rec.termination).toEqual({ kind: 'unknown' });
    expect(rec.warnings.join('\n')).toMatch(
      /attached to processes that were already running: .* merge it with a recording of their start/,
    );
    expect(alive(tree.pid!)).toBe(true);
    expect(alive(other.pid!)).toBe(true);
    expect(leftoverTracers()).toEqual([]);
  });

  it('counts the call a process sits in for the whole window (read from /proc at attach)', async () => {
    const sleeper = await background('exec sleep 1000');
    const out = path.join(work, 'sleeper.json');
    const r = await tracewall([
      'record',
      '--tracer',
      'bpftrace',
      '--pid',
      String(sleeper.pid),
      '--duration',
      '1',
      '-o',
      out,
    ]);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(names(readRecording(out))).toEqual(['clock_nanosleep']);
    expect(alive(sleeper.pid!)).toBe(true);
  });

  it('stops at SIGINT without stopping the target, and by itself when the target ends', async () => {
    const loop = await background('while :; do cat /etc/hostname >/dev/null; sleep 0.1; done');
    const out = path.join(work, 'sigint.json');
    const t = startCli(['record', '--tracer', 'bpftrace', '--pid', String(loop.pid), '-o', out]);
    await t.waitFor(/probes attached; recording until SIGINT/, 60_000, 'recording to start');
    expect(t.output()).toMatch(/probes attached; recording until SIGINT/);
    await new Promise((res) => setTimeout(res, 500));
    const done = await t.stop('SIGINT', 60_000);
    expect(done.exitCode, t.output()).toBe(0);
    expect(t.output()).toMatch(/detached on SIGINT; nothing was stopped/);
    expect(readRecording(out).files['/etc/hostname']?.access).toContain('read');
    expect(alive(loop.pid!)).toBe(true);

    const stop = path.join(work, 'stop');
    const brief = await background(`while [ ! -e ${stop} ]; do sleep 0.1; done; cat /etc/hostname; exit 7`);
    const out2 = path.join(work, 'brief.json');
    const t2 = startCli(['record', '--tracer', 'bpftrace', '--pid', String(brief.pid), '-o', out2]);
    await t2.waitFor(/probes attached/, 60_000, 'recording to start');
    expect(t2.output()).toMatch(/probes attached/);
    fs.writeFileSync(stop, '');
    const r = await t2.exited(60_000);
    expect(r.exitCode, t2.output()).toBe(0);
    expect(t2.output()).toMatch(/detached because the traced processes ended/);
    const rec = readRecording(out2);
    expect(rec.termination).toEqual({ kind: 'exit', code: 7 });
    expect(rec.files['/etc/hostname']?.access).toContain('read');
    expect(leftoverTracers()).toEqual([]);
  });

  it('says so, exit 1 and no recording, when the target ended before the probes were attached', async () => {
    const brief = await background('exec sleep 1000');
    const out = path.join(work, 'gone.json');
    const t = startCli(['record', '--tracer', 'bpftrace', '--pid', String(brief.pid), '-o', out]);
    // bpftrace takes seconds to attach: the target ends meanwhile
    await t.waitFor(/attaching to process/, 30_000, 'tracewall to start attaching');
    expect(t.output()).toMatch(/attaching to process/);
    process.kill(brief.pid!, 'SIGKILL');
    const r = await t.exited(60_000);
    expect(r.exitCode, t.output()).toBe(1);
    expect(t.output()).toMatch(
      new RegExp(
        `process ${brief.pid} ended before the probes were attached \\(bpftrace took [0-9.]+ s\\); nothing was recorded`,
      ),
    );
    expect(fs.existsSync(out)).toBe(false);
  });

  it('refuses what it cannot attach to, exit 2, naming why', async () => {
    const cases: [string[], RegExp][] = [
      [['--pid', '999999999'], /--pid 999999999: no such process/],
      // a thread of this very process (node always has a few): named as a thread, before anything else
      [
        [
          '--pid',
          String(
            fs
              .readdirSync('/proc/self/task')
              .map(Number)
              .find((t) => t !== process.pid),
          ),
        ],
        /--pid \d+: \d+ is a thread of process \d+; attach to the process/,
      ],
      [['--pid', String(process.pid)], /--pid \d+: that is tracewall itself or one of its parents/],
      [['--pid', '2'], /--pid 2: a kernel thread/],
      [['--pid', 'abc'], /--pid "abc": expected a process id/],
      [['--pid', '1', '--tracer', 'strace'], /attaches with bpftrace or ebpf only/],
      [['--pid', '1', '--duration', '0'], /--duration "0": expected a number of seconds greater than 0/],
      [['--pid', '1', '--', 'true'], /record --pid attaches to something already running; it takes no COMMAND/],
      [['--pid', '1', '--container', 'x'], /one of --pid and --container/],
      [['--duration', '3', '--', 'true'], /--duration applies to attaching/],
    ];
    for (const [args, message] of cases) {
      const r = await tracewall(['record', '-o', path.join(work, 'never.json'), ...args]);
      expect(r.exitCode, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(message);
    }
    expect(fs.existsSync(path.join(work, 'never.json'))).toBe(false);
  });
});
