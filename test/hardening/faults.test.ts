// Hardening 3: faults. strace missing or not permitted (exit 3, fast); the workload killed by SIGKILL (137, recorded);
// tracewall itself interrupted by SIGINT/SIGTERM mid-recording, with children that ignore SIGTERM (recording written
// with a warning, nothing left running); strace killed mid-run (reported, exit 3, nothing left running); a full disk
// (exit 2, no partial or temporary file, the previous file untouched); device nodes and symlinks given to -o.
import fs from 'node:fs';
import path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readRecording } from '../../src/recording/io.js';
import {
  FIXTURES,
  HAS_PROC,
  IS_ROOT,
  NO_DIST,
  announce,
  childrenNamed,
  finished,
  killMarked,
  messageLines,
  pidsWithMarker,
  rmrf,
  runCli,
  skipUnless,
  snapshot,
  spawnCli,
  survivors,
  tempDir,
  tempLeftovers,
  uniqueMarker,
  unchanged,
  waitFor,
  which,
} from './helpers.js';

const STRACE = which('strace');
let dir = '';
const markers: string[] = [];

beforeAll(() => {
  dir = tempDir('faults');
});
afterEach(() => {
  // A failed test must not leave its workload running for the next one.
  for (const m of markers.splice(0)) killMarked(m);
});
afterAll(() => rmrf(dir));

/** An empty directory to use as PATH: no strace, no bpftrace (node itself is run by its full path). */
function emptyPath(): string {
  const p = path.join(dir, `empty-path-${Math.random().toString(36).slice(2)}`);
  fs.mkdirSync(p);
  return p;
}

describe.skipIf(announce(NO_DIST))('tracer missing or not permitted', () => {
  it('strace missing: exit 3 within seconds, naming the package; no output file', async () => {
    const out = path.join(dir, 'missing.json');
    const r = await runCli(['record', '--tracer', 'strace', '-o', out, '--', '/bin/true'], {
      env: { PATH: emptyPath() },
    });
    expect(r.code, r.stderr).toBe(3);
    expect(r.ms).toBeLessThan(10_000);
    expect(messageLines(r.stderr)).toEqual([expect.stringMatching(/strace is not available .*apt-get install strace/)]);
    expect(fs.existsSync(out)).toBe(false);
  });

  it("ptrace not permitted: exit 3 within seconds, with strace's reason and the way out", async () => {
    const bin = emptyPath();
    fs.writeFileSync(
      path.join(bin, 'strace'),
      '#!/bin/sh\nif [ "$1" = -V ]; then echo "strace -- version 6.1"; exit 0; fi\necho "strace: test_ptrace_get_syscall_info: PTRACE_TRACEME: Operation not permitted" >&2\nexit 1\n',
      { mode: 0o755 },
    );
    const out = path.join(dir, 'noptrace.json');
    const r = await runCli(['record', '--tracer', 'strace', '-o', out, '--', '/bin/true'], {
      env: { PATH: `${bin}:/usr/bin:/bin` },
    });
    expect(r.code, r.stderr).toBe(3);
    expect(r.ms).toBeLessThan(10_000);
    expect(messageLines(r.stderr)).toEqual([
      expect.stringMatching(/strace cannot trace on this machine: .*Operation not permitted; allow ptrace/),
    ]);
    expect(fs.existsSync(out)).toBe(false);
  });

  it('bpftrace missing: exit 3 within seconds, for a command and for an attach, which leaves its target running', async () => {
    const out = path.join(dir, 'nobpf.json');
    const r = await runCli(['record', '--tracer', 'bpftrace', '-o', out, '--', '/bin/true'], {
      env: { PATH: emptyPath() },
    });
    expect(r.code, r.stderr).toBe(3);
    expect(r.ms).toBeLessThan(10_000);
    expect(r.stderr).toMatch(/bpftrace is not installed or not on PATH/);
    expect(fs.existsSync(out)).toBe(false);
    if (process.getuid?.() !== 0) return; // attaching is root-only; its refusal when not root is exit 3 as well
    const target = spawn('/bin/sleep', ['1000'], { stdio: 'ignore' });
    try {
      const a = await runCli(['record', '--tracer', 'bpftrace', '--pid', String(target.pid), '-o', out], {
        env: { PATH: emptyPath() },
      });
      expect(a.code, a.stderr).toBe(3);
      expect(a.ms).toBeLessThan(10_000);
      expect(a.stderr).toMatch(/bpftrace is not installed or not on PATH/);
      expect(fs.existsSync(out)).toBe(false);
      const state = fs.readFileSync(`/proc/${target.pid}/stat`, 'utf8').split(') ')[1]![0];
      expect(state).toBe('S');
    } finally {
      target.kill('SIGKILL');
    }
  });
});

const traceWhy = skipUnless(
  [!NO_DIST, NO_DIST ?? ''],
  [STRACE !== undefined, 'strace is not installed (apt-get install strace)'],
  [HAS_PROC, 'process-tree checks need Linux /proc'],
);

describe.skipIf(traceWhy)('the workload, tracewall and the tracer under signals', () => {
  /** Start `record` of a shell script whose processes (and sleeps) carry a unique marker. */
  function startRecord(script: (marker: string) => string, name: string) {
    const marker = uniqueMarker();
    markers.push(marker);
    const out = path.join(dir, `${name}.json`);
    // this block is about strace (the ebpf tracer's signal and death cases are in test/integration/ebpf-record)
    const child = spawnCli([
      'record',
      '--tracer',
      'strace',
      '-o',
      out,
      '--name',
      name,
      '--',
      '/bin/sh',
      '-c',
      script(marker),
      `tracewall-fault-${marker}`,
    ]);
    const done = finished(child, 60_000);
    return { marker, out, child, done };
  }
  /** Loops that sleep with the marker as the duration, so every process of the tree carries it. */
  const loop = (m: string) => `while :; do sleep ${m}; done`;

  it('the workload killed by SIGKILL: exit 137, recorded as killed by SIGKILL', async () => {
    const out = path.join(dir, 'sigkill.json');
    const r = await runCli(['record', '--tracer', 'strace', '-o', out, '--', '/bin/sh', '-c', 'kill -9 $$']);
    expect(r.code, r.stderr).toBe(137);
    expect(readRecording(out).termination).toEqual({ kind: 'signal', signal: 'SIGKILL' });
    expect(r.stderr).toMatch(/workload killed by SIGKILL/);
  });

  it('SIGTERM to tracewall while children ignore SIGTERM: they are killed after the grace period, the recording is written with a warning, nothing is left', async () => {
    const run = startRecord((m) => `trap '' TERM; (trap '' TERM; ${loop(m)}) & (${loop(m)}) & ${loop(m)}`, 'sigterm');
    // Running when the shell and both subshells are up.
    await waitFor('the workload to start', () => survivorsNow(run.marker).length >= 3);
    await new Promise((r) => setTimeout(r, 300));
    run.child.kill('SIGTERM');
    const r = await run.done;
    expect(r.ms).toBeLessThan(20_000);
    expect(r.code, r.stderr).toBeGreaterThanOrEqual(128); // 143 if SIGTERM ended it, 137 once the grace period ran out
    expect(r.stderr).toMatch(/recording interrupted by SIGTERM/);
    const rec = readRecording(run.out);
    expect(rec.warnings.join('\n')).toMatch(/recording interrupted by SIGTERM: the workload was stopped early/);
    expect(rec.termination.kind).toBe('signal');
    expect(rec.syscalls.x86_64!.execve).toBeDefined();
    expect(await survivors(run.marker)).toEqual([]);
    expect(childrenNamed(run.child.pid!, 'strace')).toEqual([]);
  });

  it('SIGINT to tracewall: the workload is stopped, the recording is written with a warning, exit status reported, nothing is left', async () => {
    const run = startRecord((m) => `(${loop(m)}) & ${loop(m)}`, 'sigint');
    await waitFor('the workload to start', () => survivorsNow(run.marker).length >= 2);
    await new Promise((r) => setTimeout(r, 300));
    run.child.kill('SIGINT');
    const r = await run.done;
    expect(r.ms).toBeLessThan(20_000);
    expect(r.code, r.stderr).toBeGreaterThanOrEqual(128);
    expect(r.stderr).toMatch(/workload (killed by SIG[A-Z]+|exit \d+)/);
    expect(readRecording(run.out).warnings.join('\n')).toMatch(/recording interrupted by SIGINT/);
    expect(await survivors(run.marker)).toEqual([]);
  });

  it('a second signal kills what is left at once, without waiting for the grace period', async () => {
    const run = startRecord((m) => `trap '' TERM INT; ${loop(m)}`, 'twice');
    await waitFor('the workload to start', () => survivorsNow(run.marker).length >= 1);
    await new Promise((r) => setTimeout(r, 300));
    const t0 = Date.now();
    run.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 200));
    run.child.kill('SIGINT');
    const r = await run.done;
    expect(Date.now() - t0).toBeLessThan(2800); // the grace period for a command is 3 s
    expect(r.code).toBe(137);
    expect(readRecording(run.out).warnings.join('\n')).toMatch(/recording interrupted by SIGTERM/);
    expect(await survivors(run.marker)).toEqual([]);
  });

  it('strace killed mid-run: reported, exit 3, the recording so far written with a warning, no workload process left', async () => {
    const run = startRecord((m) => `(${loop(m)}) & (trap '' TERM; ${loop(m)}) & ${loop(m)}`, 'tracer-died');
    await waitFor('the workload to start', () => survivorsNow(run.marker).length >= 3);
    const strace = await waitFor('strace to run under tracewall', () => childrenNamed(run.child.pid!, 'strace')[0]);
    await new Promise((r) => setTimeout(r, 500));
    process.kill(strace, 'SIGKILL');
    const r = await run.done;
    expect(r.code, r.stderr).toBe(3);
    expect(messageLines(r.stderr).at(-1)).toMatch(
      /strace ended \(killed by SIGKILL\) while tracing; the recording so far was written/,
    );
    const rec = readRecording(run.out);
    expect(rec.warnings.join('\n')).toMatch(
      /the tracer \(strace\) ended, killed by SIGKILL, while the workload was still running: .* were killed/,
    );
    expect(rec.syscalls.x86_64!.execve).toBeDefined();
    expect(await survivors(run.marker)).toEqual([]);
  });
});

/** The workload's `sleep` processes running right now (tracewall's and strace's own command lines hold the marker too). */
function survivorsNow(marker: string): number[] {
  return pidsWithMarker(marker).filter((pid) => {
    try {
      return fs.readFileSync(`/proc/${pid}/cmdline`, 'latin1').startsWith(`sleep\0${marker}`);
    } catch {
      return false;
    }
  });
}

const diskWhy = skipUnless(
  [!NO_DIST, NO_DIST ?? ''],
  [IS_ROOT, `a small tmpfs can only be mounted as root (running as uid ${process.getuid?.()})`],
  [which('mount') !== undefined && which('umount') !== undefined, 'mount/umount are not installed (util-linux)'],
);

describe.skipIf(diskWhy)('a full disk on output', () => {
  let mnt = '';
  let mounted = false;
  let previous = '';
  const log = path.join(FIXTURES, 'strace', 'sh-files.log');

  beforeAll(() => {
    mnt = path.join(dir, 'small-disk');
    fs.mkdirSync(mnt);
    const m = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tracewall-test', mnt], { encoding: 'utf8' });
    if (m.status !== 0) throw new Error(`mount -t tmpfs failed: ${m.stderr}`);
    mounted = true;
    previous = path.join(mnt, 'app.recording.json');
    fs.writeFileSync(previous, '{"previous": true}\n');
    fs.utimesSync(previous, new Date(2001, 1, 1), new Date(2001, 1, 1));
    for (const f of ['app.seccomp.json', 'app.apparmor', 'app.k8s.yaml']) {
      fs.writeFileSync(path.join(mnt, f), `previous ${f}\n`);
      fs.utimesSync(path.join(mnt, f), new Date(2001, 1, 1), new Date(2001, 1, 1));
    }
    // Fill what is left, up to the last byte.
    const fd = fs.openSync(path.join(mnt, 'filler'), 'w');
    const chunk = Buffer.alloc(1024, 0x78);
    try {
      for (;;) fs.writeSync(fd, chunk);
    } catch {
      // ENOSPC: full
    }
    try {
      for (;;) fs.writeSync(fd, chunk.subarray(0, 1));
    } catch {
      // full to the byte
    } finally {
      fs.closeSync(fd);
    }
  });

  afterAll(() => {
    if (mounted) {
      const u = spawnSync('umount', [mnt]);
      if (u.status !== 0) spawnSync('umount', ['-l', mnt]);
    }
  });

  const before = () => fs.readdirSync(mnt).sort();

  it('record --from-log: exit 2 naming the file and ENOSPC; the previous recording untouched; no temporary file left', async () => {
    const snap = snapshot(previous);
    const names = before();
    const r = await runCli(['record', '--from-log', log, '-o', previous]);
    expect(r.code, r.stderr).toBe(2);
    expect(messageLines(r.stderr)).toEqual([
      expect.stringMatching(new RegExp(`cannot write ${previous.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: ENOSPC`)),
    ]);
    expect(unchanged(snap)).toBe(true);
    expect(before()).toEqual(names);
    expect(tempLeftovers(mnt)).toEqual([]);
  });

  it('generate: exit 2, none of the three profiles replaced (all or nothing), no temporary file left', async () => {
    const snaps = ['app.seccomp.json', 'app.apparmor', 'app.k8s.yaml'].map((f) => snapshot(path.join(mnt, f)));
    const names = before();
    const r = await runCli([
      'generate',
      '-o',
      mnt,
      '--name',
      'app',
      path.join(FIXTURES, 'recordings', 'busybox-httpd.json'),
    ]);
    expect(r.code, r.stderr).toBe(2);
    expect(messageLines(r.stderr)).toEqual([expect.stringMatching(/cannot write .*: ENOSPC/)]);
    for (const s of snaps) expect(unchanged(s), s.file).toBe(true);
    expect(before()).toEqual(names);
  });

  it.skipIf(announce(STRACE ? undefined : 'strace is not installed: the live full-disk case'))(
    'a live record: the workload runs and ends, then exit 2; nothing partial, nothing left running',
    async () => {
      const snap = snapshot(previous);
      const marker = uniqueMarker();
      markers.push(marker);
      const r = await runCli([
        'record',
        '-o',
        previous,
        '--',
        '/bin/sh',
        '-c',
        `sleep ${marker}; exit 0`,
        `tracewall-disk-${marker}`,
      ]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(/cannot write .*ENOSPC/);
      expect(unchanged(snap)).toBe(true);
      expect(tempLeftovers(mnt)).toEqual([]);
      expect(await survivors(marker)).toEqual([]);
    },
  );
});

describe.skipIf(announce(NO_DIST))('-o naming something other than a regular file', () => {
  const log = path.join(FIXTURES, 'strace', 'exit-code.log');

  it('/dev/full: exit 2 with ENOSPC, and /dev/full is still the device', async () => {
    const r = await runCli(['record', '--from-log', log, '-o', '/dev/full']);
    expect(r.code, r.stderr).toBe(2);
    expect(messageLines(r.stderr)).toEqual([
      'tracewall: cannot write /dev/full: ENOSPC: no space left on device, write',
    ]);
    expect(fs.statSync('/dev/full').isCharacterDevice()).toBe(true);
  });

  it.skipIf(announce(IS_ROOT ? undefined : 'mknod needs root: the device-node output case'))(
    'a device node is written in place, never replaced by a regular file',
    async () => {
      const node = path.join(dir, 'null-device');
      const m = spawnSync('mknod', [node, 'c', '1', '3']);
      expect(m.status).toBe(0);
      const r = await runCli(['record', '--from-log', log, '-o', node]);
      expect(r.code, r.stderr).toBe(0);
      expect(fs.lstatSync(node).isCharacterDevice()).toBe(true);
    },
  );

  it('a symlink: its target gets the recording, the link stays a link', async () => {
    const target = path.join(dir, 'target.json');
    const link = path.join(dir, 'link.json');
    fs.writeFileSync(target, 'old\n');
    fs.symlinkSync(target, link);
    const r = await runCli(['record', '--from-log', log, '-o', link]);
    expect(r.code, r.stderr).toBe(0);
    expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
    expect(readRecording(target).termination).toEqual({ kind: 'exit', code: 5 });
    expect(tempLeftovers(dir)).toEqual([]);
  });

  it('a directory: exit 2, naming it', async () => {
    const r = await runCli(['record', '--from-log', log, '-o', dir]);
    expect(r.code, r.stderr).toBe(2);
    expect(messageLines(r.stderr)).toEqual([`tracewall: cannot write ${dir}: it is a directory`]);
  });
});
