// Progress while tracewall works (issue 13, item 4): on a terminal, a status line pinned to the last row while the
// workload writes above it, with the tracer, elapsed seconds and calls seen; a countdown when a stop request is
// ignored; in CI or when stderr is not a terminal, plain lines. Real strace, a real pseudo-terminal (node-pty).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import pty from 'node-pty';
import { BIN, NOT_BUILT, cli } from './helpers.js';

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tracewall-progress-'));
afterAll(() => fs.rmSync(work, { recursive: true, force: true }));

const ESC = '\u001b';

/** Run tracewall in a 100x10 terminal; `ctrlCAt` types Ctrl-C once when the output first matches it. */
function inTerminal(args: string[], ctrlCAt?: RegExp): Promise<{ out: string; exitCode: number }> {
  const env = Object.fromEntries(
    Object.entries({ ...process.env, TERM: 'xterm', NO_COLOR: '1' }).filter(([k]) => k !== 'CI'),
  ) as Record<string, string>;
  const p = pty.spawn(process.execPath, [BIN, ...args], { cols: 100, rows: 10, cwd: work, env });
  let out = '';
  let typed = false;
  p.onData((d) => {
    out += d;
    if (ctrlCAt && !typed && ctrlCAt.test(out)) {
      typed = true;
      p.write('\u0003');
    }
  });
  return new Promise((resolve) => p.onExit((e) => resolve({ out, exitCode: e.exitCode })));
}

/** The texts painted on the last row, in order. */
function pinned(out: string): string[] {
  const paint = `${ESC}7${ESC}[10;1H${ESC}[2K${ESC}[7m`;
  return out
    .split(paint)
    .slice(1)
    .map((s) => s.slice(0, s.indexOf(`${ESC}[0m`)));
}

describe.skipIf(NOT_BUILT)('record progress', () => {
  it('on a terminal: a pinned status line with tracer, seconds and calls; the output above it intact', async () => {
    // strace: its calls are counted as its log grows (the kernel tracers count in the kernel, reported at the end)
    const r = await inTerminal([
      'record',
      '--tracer',
      'strace',
      '-o',
      'r.json',
      '--',
      'busybox',
      'sh',
      '-c',
      'for i in 1 2 3; do echo line$i; sleep 1; done',
    ]);
    expect(r.exitCode).toBe(0);
    // the rows above the last scroll; at the end the whole screen scrolls again and the last row is cleared
    expect(r.out).toContain(`${ESC}[1;9r`);
    expect(r.out).toContain(`${ESC}7${ESC}[r${ESC}[10;1H${ESC}[2K${ESC}8`);
    const lines = pinned(r.out);
    expect(lines[0]).toBe('tracewall: starting strace for `busybox`…');
    expect(lines).toContainEqual(
      expect.stringMatching(/^tracewall: recording `busybox` with strace \d\S* · 2 s · [\d,]+ calls · Ctrl-C to stop$/),
    );
    // the workload's own lines are never painted over: each arrives whole, outside the status row
    const plain = r.out.replace(/\u001b7[\s\S]*?\u001b8/g, '');
    expect(plain).toMatch(/line1\r\nline2\r\nline3\r\n/);
    expect(r.out).toMatch(/tracewall: wrote .*r\.json/);
  }, 30_000);

  it('on a terminal: a workload that ignores Ctrl-C gets a countdown to SIGKILL', async () => {
    const r = await inTerminal(
      ['record', '-o', 'r2.json', '--', 'busybox', 'sh', '-c', 'trap "" INT TERM; echo ready; sleep 30'],
      /ready/,
    );
    const lines = pinned(r.out);
    expect(lines).toContain('tracewall: SIGINT sent to `busybox`; SIGKILL in 3 s (Ctrl-C again to kill now)');
    expect(lines).toContain('tracewall: SIGINT sent to `busybox`; SIGKILL in 1 s (Ctrl-C again to kill now)');
    expect(r.out).toMatch(/SIGKILL/);
  }, 30_000);

  it('without a terminal (or with CI set): plain lines on stderr', () => {
    const r = cli(['record', '-o', path.join(work, 'r3.json'), '--', 'busybox', 'true'], { env: { CI: '1' } });
    expect(r.status).toBe(0);
    // as root the default is auto, which says which tracer it took first
    expect(r.stderr).toMatch(
      /^(tracewall: --tracer auto: recording with \w+ \(.*\)\n)?tracewall: recording `busybox` with (strace|ebpf|bpftrace) \S+ \(SIGINT or SIGTERM to stop\)\n/,
    );
    expect(r.stderr).not.toContain(ESC);
  });
});
