// The compiled eBPF recorder (root, BTF, the loader built by scripts/build-ebpf.sh) against strace: the same workloads
// give the same syscalls, files, executables, arguments and network facts; a multi-threaded program and a 32-bit call
// are told apart as strace tells them; nothing is left running.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ebpfBlocker, traceWithEbpf } from '../../src/trace/ebpf.js';
import { traceCommand } from '../../src/trace/strace.js';
import { recordingFromEbpf } from '../../src/analyze/from-ebpf.js';
import { recordingFromStrace } from '../../src/analyze/from-strace.js';
import type { Recording } from '../../src/recording/types.js';
import {
  FILE_WORK,
  agreementMeta,
  args,
  execs,
  files,
  i386Program,
  names,
  net,
  onPath,
} from '../helpers/tracer-workloads.js';
import { makeBusyboxBundle, needRoot } from '../helpers/bundles.js';
import { needBuild, tracewall } from '../e2e/helpers.js';
import { readRecording } from '../../src/recording/io.js';
import { bpftraceBlocker } from '../../src/trace/bpftrace-check.js';
import { BUSYBOX_WEB_OUTPUT, BUSYBOX_WEB_WORKLOAD } from '../../src/examples/workloads.js';
import { execa } from 'execa';

const why = ebpfBlocker() ?? (onPath('strace') ? undefined : 'strace is not installed (apt-get install strace)');
if (why) console.warn(`skipped ebpf integration tests: ${why}`);

let work: string;
let n = 0;
beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'tracewall-ebpf-'));
});
afterAll(() => {
  fs.rmSync(work, { recursive: true, force: true });
});

/** Record `argv` in a fresh directory (renamed to one path for every run, so both tracers see the same names). */
async function record(tracer: 'ebpf' | 'strace', argv: string[], ringbufBytes?: number) {
  const cwd = path.join(work, `run-${n++}`);
  fs.mkdirSync(cwd);
  const same = path.join(work, 'w');
  fs.renameSync(cwd, same);
  try {
    const logFile = path.join(same, `${tracer}.log`);
    const o = { logFile, stdio: 'pipe' as const, cwd: same };
    const r =
      tracer === 'ebpf'
        ? await traceWithEbpf(argv, { ...o, ...(ringbufBytes ? { ringbufBytes } : {}) })
        : await traceCommand(argv, o);
    const text = fs.readFileSync(logFile, 'utf8');
    const rec =
      tracer === 'ebpf' ? recordingFromEbpf(text, agreementMeta(same)) : recordingFromStrace(text, agreementMeta(same));
    return { rec, exitCode: r.exitCode, signal: r.signal, stdout: r.stdout ?? '' };
  } finally {
    fs.renameSync(same, cwd);
  }
}

/** Loaders or stopped wrappers of this process still running. */
function leftovers(): string[] {
  const out: string[] = [];
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const argv = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      const ppid = Number(/\) \S+ (\d+)/.exec(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'))?.[1]);
      const mine = ppid === process.pid || ppid === 1;
      if (mine && argv.some((a) => a.includes('TRACEWALL_PWD') || a.endsWith('tracewall-ebpf')))
        out.push(`${pid} ${argv.join(' ')}`);
    } catch {
      // gone
    }
  }
  return out;
}

describe.skipIf(why)('ebpf and strace on the same workload', () => {
  it('agree on syscalls, files, executables and arguments for file work; exit status passes through', async () => {
    const e = await record('ebpf', ['sh', '-c', FILE_WORK]);
    const s = await record('strace', ['sh', '-c', FILE_WORK]);
    expect(e.exitCode).toBe(3);
    expect(e.rec.termination).toEqual({ kind: 'exit', code: 3 });
    expect(e.rec.tracer.name).toBe('ebpf');
    expect(e.rec.lost).toEqual({ events: 0, processes: 0, strings: 0, paths: 0 });
    expect(names(e.rec)).toEqual(names(s.rec));
    expect(files(e.rec)).toEqual(files(s.rec));
    expect(execs(e.rec)).toEqual(execs(s.rec));
    expect(args(e.rec)).toEqual(args(s.rec));
    expect(e.rec.identity).toEqual(s.rec.identity);
    expect(leftovers()).toEqual([]);
  });

  it.skipIf(!onPath('busybox') || !onPath('python3'))(
    'agree on sockets, bound, listening and connected addresses (inet, inet6, unix)',
    async () => {
      const script = [
        'busybox httpd -f -p 127.0.0.1:18099 -h /etc & p=$!',
        'sleep 0.3',
        'printf "GET /hostname HTTP/1.0\\r\\n\\r\\n" | busybox nc 127.0.0.1 18099 >/dev/null',
        'kill $p',
        'sleep 0.5',
        'wait $p',
        "python3 -c \"import socket,os; s=socket.socket(socket.AF_INET6); s.bind(('::1', 0)); s.listen(); u=socket.socket(socket.AF_UNIX); u.bind('sock'); u.listen(); os.unlink('sock')\"",
      ].join('; ');
      const e = await record('ebpf', ['sh', '-c', script]);
      const s = await record('strace', ['sh', '-c', script]);
      expect(names(e.rec)).toEqual(names(s.rec));
      expect(files(e.rec)).toEqual(files(s.rec));
      expect(net(e.rec)).toEqual(net(s.rec));
      expect(e.rec.network.bind.map((x) => x.family).sort()).toEqual(['AF_INET', 'AF_INET6', 'AF_UNIX']);
    },
  );

  it.skipIf(!onPath('python3'))('agree on a multi-threaded program (threads open, stat and exec)', async () => {
    const py = [
      'import os, threading, subprocess',
      'def work(i):',
      '    open("/etc/hostname").read(); os.stat("/etc/passwd"); os.listdir("/usr")',
      '    if i == 2: subprocess.run(["/bin/true"])',
      't = [threading.Thread(target=work, args=(i,)) for i in range(4)]',
      '[x.start() for x in t]; [x.join() for x in t]',
    ].join('\n');
    const e = await record('ebpf', ['python3', '-c', py]);
    const s = await record('strace', ['python3', '-c', py]);
    expect(e.exitCode).toBe(0);
    expect(e.rec.files['/etc/hostname']?.access).toContain('read');
    expect(e.rec.executables.map((x) => x.path)).toContain('/bin/true');
    expect(names(e.rec)).toEqual(names(s.rec));
    expect(files(e.rec)).toEqual(files(s.rec));
    expect(execs(e.rec)).toEqual(execs(s.rec));
    expect(args(e.rec)).toEqual(args(s.rec));
  });

  it('a file 3,800 bytes deep (20 directories of 190 bytes) has its whole path, as under strace', async () => {
    // each directory is entered with cd, so no string given to a call is long: the kernel walks the whole path
    const seg = 'd'.repeat(190);
    const script = `for i in $(seq 20); do mkdir ${seg} && cd ${seg} || exit 9; done; echo x > deep-file`;
    const e = await record('ebpf', ['sh', '-c', script]);
    const s = await record('strace', ['sh', '-c', script]);
    const deep = (r: typeof e) => Object.keys(r.rec.files).filter((f) => f.endsWith('/deep-file'));
    expect(deep(s)).toHaveLength(1);
    expect(deep(s)[0]!.length).toBeGreaterThan(3800);
    expect(deep(e)).toEqual(deep(s));
    expect(e.rec.lost?.paths).toBe(0);
  });

  it("counts a 32-bit process's calls under i386 (TS_COMPAT), as strace does", async () => {
    const prog = path.join(work, 'i386-getpid');
    i386Program(prog);
    const e = await record('ebpf', [prog]);
    const s = await record('strace', [prog]);
    expect(e.rec.syscalls.i386).toEqual({ exit: { count: 1, failed: 0 }, getpid: { count: 2, failed: 0 } });
    expect(names(e.rec, 'i386')).toEqual(names(s.rec, 'i386'));
    expect(names(e.rec)).toEqual(names(s.rec));
  });

  it('passes a signal death through, and leaves nothing running', async () => {
    const e = await record('ebpf', ['sh', '-c', 'kill -TERM $$']);
    expect(e.signal).toBe('SIGTERM');
    expect(e.rec.termination).toEqual({ kind: 'signal', signal: 'SIGTERM' });
    expect(leftovers()).toEqual([]);
  });
});

describe.skipIf(why)('losses', () => {
  it('a ring buffer too small for the events is counted in the kernel and reported, never silently absent', async () => {
    // 4 KiB: a path event (its components) does not fit, so every new path is lost
    const e = await record('ebpf', ['sh', '-c', 'ls -la /usr/lib >/dev/null; cat /etc/hostname >/dev/null'], 4096);
    expect(e.exitCode).toBe(0);
    expect(e.rec.lost?.events).toBeGreaterThan(0);
    expect(e.rec.warnings.join('\n')).toMatch(/the ebpf tracer lost \d+ events? \(its ring buffer was full\)/);
    // the counts come from per-CPU arrays, not the ring buffer: the calls are all there
    expect(e.rec.syscalls.x86_64?.execve?.count).toBeGreaterThan(0);
  });
});

/** A stand-in loader (TRACEWALL_EBPF_LOADER): prints its version, then runs `body`. */
function fakeLoader(name: string, body: string[]): string {
  const file = path.join(work, name);
  fs.writeFileSync(
    file,
    ['#!/bin/sh', 'if [ "$1" = --version ]; then echo "libbpf v0"; exit 0; fi', ...body].join('\n'),
    {
      mode: 0o755,
    },
  );
  return file;
}

const cliWhy = why ?? needBuild();
describe.skipIf(cliWhy)('record --tracer ebpf|auto (the CLI)', () => {
  const run = (argv: string[], env?: NodeJS.ProcessEnv) =>
    execa(process.execPath, [path.resolve('bin/tracewall'), ...argv], {
      reject: false,
      stdin: 'ignore',
      timeout: 120_000,
      cwd: work,
      env: { ...process.env, ...env },
    });

  it('records /bin/true, and auto picks ebpf and says why', async () => {
    const out = path.join(work, 'true.json');
    const r = await run(['record', '--tracer', 'ebpf', '-o', out, '--', '/bin/true']);
    expect(r.exitCode, String(r.stderr)).toBe(0);
    expect(readRecording(out).tracer.name).toBe('ebpf');
    expect(readRecording(out).syscalls.x86_64?.execve?.count).toBe(1);
    const a = await run(['record', '--tracer', 'auto', '-o', out, '--', '/bin/true']);
    expect(a.exitCode, String(a.stderr)).toBe(0);
    expect(String(a.stderr)).toMatch(/--tracer auto: recording with ebpf \(it can run here\)/);
    expect(readRecording(out).tracer.name).toBe('ebpf');
  });

  it('a program that does not load: exit 3 within seconds with the reason, workload never started; auto falls back', async () => {
    const loader = fakeLoader('no-load', ['echo "ERROR load: Operation not permitted" >&2', 'exit 3']);
    const marker = path.join(work, 'ran-noload');
    const t0 = Date.now();
    const r = await run(['record', '--tracer', 'ebpf', '-o', path.join(work, 'n.json'), '--', '/bin/touch', marker], {
      TRACEWALL_EBPF_LOADER: loader,
    });
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(r.exitCode).toBe(3);
    expect(String(r.stderr)).toMatch(/the ebpf tracer could not start: load: Operation not permitted/);
    expect(fs.existsSync(marker)).toBe(false);
    expect(leftovers()).toEqual([]);
    const out = path.join(work, 'fallback.json');
    const a = await run(['record', '--tracer', 'auto', '-o', out, '--', '/bin/touch', marker], {
      TRACEWALL_EBPF_LOADER: loader,
    });
    expect(a.exitCode, String(a.stderr)).toBe(0);
    expect(String(a.stderr)).toMatch(
      /ebpf cannot trace here \(the ebpf tracer could not start: .*\); trying the next tracer/,
    );
    expect(readRecording(out).tracer.name).toBe(bpftraceBlocker() === null ? 'bpftrace' : 'strace');
    expect(fs.existsSync(marker)).toBe(true);
  });

  it('a loader that dies mid-run: the workload is killed, the recording so far is written, exit 3', async () => {
    const loader = fakeLoader('dies', [
      'echo "T 1.000000 1"; echo READY',
      'sleep 1',
      'echo "ERROR poll: Bad address" >&2',
      'exit 3',
    ]);
    const out = path.join(work, 'died.json');
    const t0 = Date.now();
    const r = await run(['record', '--tracer', 'ebpf', '-o', out, '--', 'sleep', '60'], {
      TRACEWALL_EBPF_LOADER: loader,
    });
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect(r.exitCode).toBe(3);
    expect(String(r.stderr)).toMatch(
      /ebpf ended \(poll: Bad address\) while tracing; the recording so far was written/,
    );
    expect(fs.existsSync(out)).toBe(true);
    expect(leftovers()).toEqual([]);
  });

  it.skipIf(!onPath('setpriv'))(
    "BPF not permitted (no capabilities): exit 3 with libbpf's reason and the file holding its output",
    async () => {
      const marker = path.join(work, 'ran-nocaps');
      const r = await execa(
        'setpriv',
        ['--bounding-set=-all', '--inh-caps=-all', process.execPath, path.resolve('bin/tracewall'), 'record'].concat([
          '--tracer',
          'ebpf',
          '-o',
          path.join(work, 'nocaps.json'),
          '--',
          '/bin/touch',
          marker,
        ]),
        { reject: false, stdin: 'ignore', timeout: 30_000, cwd: work },
      );
      expect(r.exitCode).toBe(3);
      const m =
        /load: Operation not permitted; libbpf's and the verifier's output is in (\S+); BPF is not permitted here/.exec(
          String(r.stderr),
        );
      expect(m, String(r.stderr)).not.toBeNull();
      expect(fs.readFileSync(m![1]!, 'utf8')).toMatch(/libbpf: /);
      fs.rmSync(m![1]!);
      expect(fs.existsSync(marker)).toBe(false);
      expect(leftovers()).toEqual([]);
    },
  );

  it('record --pid attaches to a running tree: its existing child and what both start later, nothing stopped', async () => {
    const { spawn } = await import('node:child_process');
    const loop = (file: string) => `while :; do cat ${file} >/dev/null; sleep 0.1; done`;
    // a process group of its own, so that the end kills the child shell too (it was left running, orphaned)
    const target = spawn('sh', ['-c', `sh -c '${loop('/etc/passwd')}' & ${loop('/etc/hostname')}`], {
      stdio: 'ignore',
      detached: true,
    });
    try {
      await new Promise((r) => setTimeout(r, 300));
      const out = path.join(work, 'attached.json');
      const r = await run(['record', '--tracer', 'ebpf', '--pid', String(target.pid), '--duration', '1.5', '-o', out]);
      expect(r.exitCode, String(r.stderr)).toBe(0);
      expect(String(r.stderr)).toMatch(/detached after --duration; nothing was stopped/);
      const rec = readRecording(out);
      expect(rec.tracer.name).toBe('ebpf');
      expect(rec.files['/etc/hostname']?.access).toContain('read');
      expect(rec.files['/etc/passwd']?.access).toContain('read');
      expect(rec.executables.map((e) => e.path)).toContain('/usr/bin/cat');
      expect(rec.warnings.join('\n')).toMatch(/attached to processes that were already running/);
      expect(target.exitCode).toBeNull();
    } finally {
      process.kill(-target.pid!, 'SIGKILL');
    }
  });

  const bundleWhy = needRoot('crun');
  it.skipIf(bundleWhy)('a busybox container (crun): the application only, the same as under strace', async () => {
    const bundle = path.join(work, 'bundle');
    makeBusyboxBundle(bundle, { args: ['/bin/sh', '-c', BUSYBOX_WEB_WORKLOAD] });
    const rec: Record<string, Recording> = {};
    for (const tracer of ['ebpf', 'strace']) {
      const out = path.join(work, `bundle-${tracer}.json`);
      const r = await tracewall(['record', '--tracer', tracer, '--bundle', bundle, '--runtime', 'crun', '-o', out]);
      expect(r.stdout).toBe(BUSYBOX_WEB_OUTPUT);
      expect(r.exitCode, r.stderr).toBe(0);
      rec[tracer] = readRecording(out);
    }
    const e = rec.ebpf!;
    expect(e.executables.some((x) => /crun|runc|unshare/.test(x.path))).toBe(false);
    for (const c of ['pivot_root', 'mount', 'seccomp', 'unshare']) expect(e.syscalls.x86_64?.[c]).toBeUndefined();
    const strip = (r: Recording) => ({
      syscalls: Object.fromEntries(Object.entries(r.syscalls.x86_64 ?? {}).map(([k, f]) => [k, f.args ?? {}])),
      files: r.files,
      executables: r.executables,
      network: r.network,
      identity: r.identity,
    });
    expect(strip(e)).toEqual(strip(rec.strace!));
  });
});
