// Real strace, real workloads: the tracer's flags, exit status pass-through, interruption, and the Recording built from the log.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkPtrace, straceVersion, traceCommand, type TraceOptions } from '../../src/trace/strace.js';
import { signalInterruption } from '../../src/cli/signals.js';
import { recordingFromStrace, type StraceMeta } from '../../src/analyze/from-strace.js';
import { serializeRecording } from '../../src/recording/io.js';
import { TracewallError } from '../../src/errors.js';
import type { Recording } from '../../src/recording/types.js';

let work: string;
let n = 0;

function which(cmd: string): string | null {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    const p = path.join(dir, cmd);
    if (dir && fs.existsSync(p)) return p;
  }
  return null;
}

const hasStrace = which('strace') !== null;
if (!hasStrace) console.warn('skipped: real-strace tests need strace (apt-get install strace)');
for (const [tool, what] of [
  ['python3', 'the socket program test'],
  ['unshare', 'the pid namespace test'],
  ['as', 'the 32-bit test (binutils)'],
] as const) {
  if (!which(tool)) console.warn(`skipped: ${what} needs ${tool}`);
}

async function trace(argv: string[], opts: Partial<TraceOptions> = {}) {
  const logFile = path.join(work, `trace-${n++}.log`);
  const result = await traceCommand(argv, { logFile, stdio: 'pipe', cwd: work, ...opts });
  return { result, logFile, text: fs.readFileSync(logFile, 'utf8') };
}

function build(text: string, argv: string[], extra: Partial<StraceMeta> = {}): Recording {
  return recordingFromStrace(text, {
    name: 'it',
    toolVersion: '0.1.0',
    tracerVersion: '6.1',
    kernel: os.release(),
    target: { kind: 'command', argv, cwd: work },
    initialCwd: work,
    initialUid: process.getuid?.() ?? 0,
    initialGid: process.getgid?.() ?? 0,
    ...extra,
  });
}

function alive(marker: string): number[] {
  const out: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (fs.readFileSync(`/proc/${name}/cmdline`, 'utf8').includes(marker)) out.push(Number(name));
    } catch {
      // gone
    }
  }
  return out;
}

beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'tracewall-it-'));
});
afterAll(() => {
  fs.rmSync(work, { recursive: true, force: true });
});

describe('strace missing', () => {
  it('is a toolMissing error (exit 3) that names the Debian package', async () => {
    const saved = process.env.PATH;
    process.env.PATH = '/nonexistent-dir';
    try {
      const err = await straceVersion().then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(TracewallError);
      expect((err as TracewallError).exitCode).toBe(3);
      expect((err as TracewallError).message).toMatch(/install the Debian package strace/);
    } finally {
      process.env.PATH = saved;
    }
  });

  it("reports ptrace being forbidden as toolMissing with strace's reason, within seconds", async () => {
    const bin = path.join(work, 'fake-bin');
    fs.mkdirSync(bin, { recursive: true });
    fs.writeFileSync(
      path.join(bin, 'strace'),
      '#!/bin/sh\necho "strace: test_ptrace_get_syscall_info: PTRACE_TRACEME: Operation not permitted" >&2\nexit 1\n',
      { mode: 0o755 },
    );
    const saved = process.env.PATH;
    process.env.PATH = `${bin}:${saved}`;
    const t0 = Date.now();
    try {
      const err = await checkPtrace().then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(TracewallError);
      expect((err as TracewallError).exitCode).toBe(3);
      expect((err as TracewallError).message).toMatch(/PTRACE_TRACEME: Operation not permitted; allow ptrace/);
      expect(Date.now() - t0).toBeLessThan(5000);
    } finally {
      process.env.PATH = saved;
    }
  });
});

describe.skipIf(!hasStrace)('traceCommand with real strace', () => {
  it('can trace here', async () => {
    await checkPtrace();
    expect(await straceVersion()).toMatch(/^\d+\.\d+/);
  });

  it('records a shell making, writing, renaming and reading files', async () => {
    const dir = path.join(work, 'DIR');
    const script = `mkdir -p ${dir}/a && echo hi > ${dir}/a/f && mv ${dir}/a/f ${dir}/a/g && cat ${dir}/a/g`;
    const argv = ['/bin/sh', '-c', script];
    const { result, text } = await trace(argv);
    expect(result).toMatchObject({ exitCode: 0, signal: null, interrupted: null, stdout: 'hi\n' });
    const r = build(text, argv);
    expect(r.termination).toEqual({ kind: 'exit', code: 0 });
    expect(r.files[`${dir}/`]!.access).toContain('create');
    expect(r.files[`${dir}/a/`]!.access).toContain('create');
    expect(r.files[`${dir}/a/f`]!.access).toEqual(expect.arrayContaining(['write', 'create', 'rename']));
    expect(r.files[`${dir}/a/g`]!.access).toEqual(expect.arrayContaining(['read', 'write', 'create']));
    const exes = r.executables.map((e) => e.argv0).sort();
    expect(exes).toEqual(expect.arrayContaining(['/bin/sh', 'cat', 'mkdir', 'mv']));
    expect(r.executables.find((e) => e.argv0 === 'mv')!.parent).toMatch(/\/(da|ba)?sh$/);
    const s = r.syscalls.x86_64!;
    expect(s.execve!.count).toBeGreaterThanOrEqual(4);
    expect(s.rename ?? s.renameat ?? s.renameat2).toBeDefined();
    expect(s.mkdir ?? s.mkdirat).toBeDefined();
    expect(r.startedAt).toMatch(/Z$/);
    // Same log, same bytes.
    expect(serializeRecording(build(text, argv))).toBe(serializeRecording(build(text, argv)));
  });

  it.skipIf(!fs.existsSync('/usr/bin/python3'))('records a program that listens and connects on a socket', async () => {
    const code = [
      'import socket',
      's = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1)',
      'c = socket.socket(socket.AF_INET, socket.SOCK_STREAM); c.connect(s.getsockname())',
      'u = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)',
    ].join('\n');
    const argv = ['/usr/bin/python3', '-S', '-c', code];
    const { result, text } = await trace(argv);
    expect(result.exitCode).toBe(0);
    const r = build(text, argv);
    expect(r.network.sockets).toEqual(
      expect.arrayContaining([
        { family: 'AF_INET', type: 'SOCK_STREAM', protocol: 'IPPROTO_IP' },
        { family: 'AF_INET6', type: 'SOCK_DGRAM', protocol: 'IPPROTO_IP' },
      ]),
    );
    expect(r.network.bind).toContainEqual({ family: 'AF_INET', address: '127.0.0.1', port: 0 });
    const listen = r.network.listen.find((e) => e.family === 'AF_INET');
    expect(listen?.address).toBe('127.0.0.1');
    expect(listen!.port).toBeGreaterThan(0);
    expect(r.network.connect).toContainEqual({ family: 'AF_INET', address: '127.0.0.1', port: listen!.port });
    expect(r.syscalls.x86_64!.socket!.args!.domain).toEqual(['AF_INET', 'AF_INET6']);
  });

  it('passes a non-zero exit code through', async () => {
    const argv = ['/bin/sh', '-c', 'echo oops >&2; exit 42'];
    const { result, text } = await trace(argv);
    expect(result).toMatchObject({ exitCode: 42, signal: null, stderr: 'oops\n' });
    expect(build(text, argv).termination).toEqual({ kind: 'exit', code: 42 });
  });

  it('passes a signal death through', async () => {
    const argv = ['/bin/sh', '-c', 'kill -SEGV $$'];
    const { result, text } = await trace(argv);
    expect(result).toMatchObject({ exitCode: null, signal: 'SIGSEGV' });
    expect(build(text, argv).termination).toEqual({ kind: 'signal', signal: 'SIGSEGV' });
  });

  it('refuses a command that does not exist, quickly', async () => {
    const t0 = Date.now();
    const err = await trace(['/nonexistent/tracewall-cmd']).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(TracewallError);
    expect((err as TracewallError).exitCode).toBe(2);
    expect((err as TracewallError).message).toMatch(/Can't stat/);
    expect(Date.now() - t0).toBeLessThan(10_000);
  });

  it('stops the workload on interruption, leaves nothing behind, and still has a log', async () => {
    const marker = '37.4321';
    const abort = new AbortController();
    setTimeout(() => abort.abort('SIGTERM'), 700);
    const t0 = Date.now();
    // The shell ignores SIGTERM, so the background sleep must be killed after the grace period.
    const { result, text } = await trace(
      ['/bin/sh', '-c', `trap "" TERM; sleep ${marker} & sleep ${marker}; echo done`],
      { interrupt: { stop: abort.signal }, graceMs: 500 },
    );
    expect(Date.now() - t0).toBeLessThan(8000);
    expect(result.interrupted).toBe('SIGTERM');
    expect(result.signal ?? `exit ${result.exitCode}`).toMatch(/SIG(TERM|KILL)/);
    expect(alive(marker)).toEqual([]);
    const r = build(text, ['sh']);
    expect(r.syscalls.x86_64!.execve!.count).toBeGreaterThanOrEqual(2);
    expect(r.termination.kind).toBe('signal');
  });

  it("forwards SIGINT sent to tracewall to the workload, through the CLI's interruption (the library listens to none)", async () => {
    if (process.listenerCount('SIGINT') > 0) return; // someone else handles SIGINT in this process: do not fire it
    const interrupt = signalInterruption();
    setTimeout(() => process.emit('SIGINT', 'SIGINT'), 700);
    try {
      const { result } = await trace(['/bin/sh', '-c', 'sleep 30'], { graceMs: 2000, interrupt });
      expect(result.interrupted).toBe('SIGINT');
      expect(process.listenerCount('SIGINT')).toBe(1);
    } finally {
      interrupt.dispose();
    }
    expect(process.listenerCount('SIGINT')).toBe(0);
  });

  it('runs a workload in a pseudo-terminal', async () => {
    const { result, text } = await trace(['/bin/sh', '-c', 'test -t 0 && test -t 1 && echo tty-ok; exit 3'], {
      pty: true,
    });
    expect(result.exitCode).toBe(3);
    expect(result.stdout).toContain('tty-ok');
    const r = build(text, ['sh']);
    expect(r.syscalls.x86_64!.ioctl!.args!.request).toContain('TCGETS');
  });

  it.skipIf(!which('unshare'))(
    'follows a pid namespace with --decode-pids=pidns and starts at the entrypoint',
    async () => {
      const entry = ['/bin/sh', '-c', `/bin/sh -c "echo \\$\\$ > ${work}/nspid"; exit 6`];
      const { result, text } = await trace(['unshare', '-p', '-f', '--mount-proc', ...entry], { pidns: true });
      expect(result.exitCode).toBe(6);
      expect(text).toMatch(/in strace's PID NS/);
      const r = build(text, entry, { startAt: { argv: entry } });
      expect(r.termination).toEqual({ kind: 'exit', code: 6 });
      expect(r.syscalls.x86_64!.unshare).toBeUndefined();
      expect(r.syscalls.x86_64!.mount).toBeUndefined();
      expect(r.files[`${work}/nspid`]!.access).toEqual(expect.arrayContaining(['write', 'create']));
      expect(r.executables[0]).toMatchObject({ argv0: '/bin/sh', parent: '' });
      expect(fs.readFileSync(path.join(work, 'nspid'), 'utf8').trim()).toBe('2');
    },
  );

  it.skipIf(!which('as') || !which('ld'))('records a real 32-bit process under its own ABI', async () => {
    const src = path.join(import.meta.dirname, '..', 'fixtures', 'strace', 'src', 'i386.s');
    const obj = path.join(work, 'i386.o');
    const bin = path.join(work, 'i386');
    execFileSync('as', ['--32', '-o', obj, src]);
    execFileSync('ld', ['-m', 'elf_i386', '-o', bin, obj]);
    const { result, text } = await trace([bin]);
    expect(result.exitCode).toBe(0);
    const r = build(text, [bin]);
    expect(Object.keys(r.syscalls.i386 ?? {})).toEqual(expect.arrayContaining(['fork', 'waitpid', 'exit']));
    expect(r.syscalls.x86_64!.execve).toBeDefined();
  });
});
