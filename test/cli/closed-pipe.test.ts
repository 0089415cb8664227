// Issue 13 item 1: a closed stdout (or stderr) never crashes tracewall. Through bin/tracewall, for every verb that
// writes: `| head -1` in a shell, and the pipe's reading end closed before tracewall starts (deterministic EPIPE).
// Exit status: 141 when a write failed because the reader had gone (as a shell reports SIGPIPE), never 0-3; files the
// verb writes are complete; temporary files and traced processes are gone.
import fs from 'node:fs';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { makeBusyboxBundle, needRoot } from '../helpers/bundles.js';
import { cli, NOT_BUILT, pipedToHead, ROOT, withClosed, type Run, scratchDirs, writeSeccomp } from './helpers.js';

const DOCKER_DEFAULT = path.join(ROOT, 'src', 'validate', 'schemas', 'docker-default-seccomp.json');
const NGINX = path.join(ROOT, 'profiles', 'nginx.seccomp.json');
const NGINX_REC = path.join(ROOT, 'examples', 'nginx.recording.json');
const PROFILES = path.join(ROOT, 'profiles');
const BUSYBOX_REC = path.join(ROOT, 'examples', 'busybox-web.recording.json');

const { scratch, removeAll } = scratchDirs();
afterAll(removeAll);

/** Quiet: no stack, no Node error, no EPIPE text on the stream that stayed open. */
function expectQuiet(r: Run, open: string): void {
  expect(open).not.toMatch(/EPIPE|Unhandled|at .*\.js:\d+|internal error|Error:/);
  expect(r.signal).toBeNull();
}

const STDOUT_VERBS: Array<[string, string[]]> = [
  ['diff (text)', ['diff', DOCKER_DEFAULT, NGINX]],
  ['diff --format json', ['diff', '--format', 'json', DOCKER_DEFAULT, NGINX]],
  ['check --report markdown', ['check', '--profiles', PROFILES, '--name', 'nginx', '--report', 'markdown', NGINX_REC]],
  ['validate', ['validate', NGINX, NGINX_REC]],
  ['converge --format markdown', ['converge', '--format', 'markdown', NGINX_REC, BUSYBOX_REC]],
  ['--help', ['--help']],
  ['diff --help', ['diff', '--help']],
  ['--version', ['--version']],
];

describe.skipIf(NOT_BUILT)('a closed stdout ends tracewall quietly', () => {
  for (const [label, args] of STDOUT_VERBS) {
    it(`${label} | head -1: head gets the first line; tracewall exits 0 (all fit in the pipe) or 141, quietly`, () => {
      const r = pipedToHead(args);
      expect([0, 141], r.stderr).toContain(r.status);
      expect(r.stdout.split('\n').length).toBe(2);
      expectQuiet(r, r.stderr);
    });

    it(`${label} with stdout closed before it starts: exit 141, nothing on stderr`, async () => {
      const r = await withClosed('stdout', args);
      expect(r.status, r.stderr).toBe(141);
      expect(r.stderr).toBe('');
    });
  }

  it('a verdict is not mistaken for output: diff --fail-on reached gives 1, but 141 when the report could not be written', async () => {
    const args = ['diff', '--fail-on', 'low', NGINX, DOCKER_DEFAULT];
    expect(cli(args).status).toBe(1);
    const r = await withClosed('stdout', args);
    expect(r.status).toBe(141);
    // The verdict goes to stderr, which is still open.
    expect(r.stderr).toMatch(/^tracewall: diff: --fail-on low reached/);
  });

  it('check --require-converged, not converged (exit 1), with stdout closed: 141', async () => {
    const args = ['check', '--require-converged', NGINX_REC, BUSYBOX_REC];
    expect(cli(args).status).toBe(1);
    const r = await withClosed('stdout', args);
    expect(r.status).toBe(141);
    expectQuiet(r, r.stderr);
  });

  it('check on drift (exit 1) with stdout closed: 141', async () => {
    const dir = scratch('drift');
    fs.copyFileSync(path.join(PROFILES, 'nginx.apparmor'), path.join(dir, 'nginx.apparmor'));
    fs.copyFileSync(path.join(PROFILES, 'nginx.k8s.yaml'), path.join(dir, 'nginx.k8s.yaml'));
    fs.copyFileSync(path.join(PROFILES, 'busybox-web.seccomp.json'), path.join(dir, 'nginx.seccomp.json'));
    const args = ['check', '--profiles', dir, '--name', 'nginx', NGINX_REC];
    expect(cli(args).status).toBe(1);
    const r = await withClosed('stdout', args);
    expect(r.status).toBe(141);
    expectQuiet(r, r.stderr);
  });
});

describe.skipIf(NOT_BUILT)('a closed stderr ends tracewall quietly, with its files complete', () => {
  it("generate's summary: 141, the three profiles written, no temporary file left", async () => {
    const out = scratch('gen');
    const r = await withClosed('stderr', ['generate', '-o', out, NGINX_REC]);
    expect(r.status).toBe(141);
    expect(fs.readdirSync(out).sort()).toEqual(['nginx.apparmor', 'nginx.k8s.yaml', 'nginx.seccomp.json']);
    for (const f of ['nginx.apparmor', 'nginx.k8s.yaml', 'nginx.seccomp.json'])
      expect(fs.readFileSync(path.join(out, f), 'utf8')).toBe(fs.readFileSync(path.join(PROFILES, f), 'utf8'));
  });

  it("merge's report: 141, the merged recording written", async () => {
    const out = path.join(scratch('merge'), 'm.recording.json');
    const r = await withClosed('stderr', ['merge', '-o', out, NGINX_REC]);
    expect(r.status).toBe(141);
    expect(JSON.parse(fs.readFileSync(out, 'utf8')).name).toBe('m');
  });

  it('generate 2>&1 | head -1: 0 or 141, never a crash', () => {
    const out = scratch('gen2');
    const r = pipedToHead(['generate', '-o', out, NGINX_REC], { stderrToo: true });
    expect([0, 141]).toContain(r.status);
    expect(r.stdout).toMatch(/^tracewall: nginx: seccomp allows/);
    expect(fs.readdirSync(out)).toHaveLength(3);
  });

  it('a usage error with stderr closed: 141, not 2', async () => {
    expect((await withClosed('stderr', ['diff', '--format', 'xml', 'a', 'b'])).status).toBe(141);
  });
});

// record: a workload that keeps printing; its output reader goes away after the first line.
const STRACE = spawnSync('strace', ['-f', '-o', '/dev/null', 'true']).status === 0;
if (!STRACE)
  console.warn('skipped: record | head -1: strace cannot trace here (apt-get install strace; ptrace allowed)');

/** Live processes whose command line holds `marker`. */
function withMarker(marker: string): number[] {
  return fs
    .readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n))
    .filter((n) => {
      try {
        return fs.readFileSync(`/proc/${n}/cmdline`, 'latin1').includes(marker);
      } catch {
        return false;
      }
    })
    .map(Number);
}

describe.skipIf(NOT_BUILT || !STRACE)('record with its output piped into head -1', () => {
  for (const pty of [true, false]) {
    it(`record${pty ? ' --pty' : ''}: exit 141, the recording written, no strace log or process left`, () => {
      const dir = scratch(pty ? 'pty' : 'plain');
      const tmp = scratch('tmp');
      const marker = `tracewall-closed-pipe-${process.pid}-${pty}`;
      const out = path.join(dir, 'ticks.recording.json');
      const script = `: ${marker}; while :; do echo tick; sleep 0.1; done`;
      const cmd = `TMPDIR='${tmp}' '${process.execPath}' '${path.join(ROOT, 'bin', 'tracewall')}' record ${pty ? '--pty ' : ''}-o '${out}' -- sh -c '${script}' 2>'${dir}/err' | head -1; echo "status=\${PIPESTATUS[0]}"`;
      const r = spawnSync('bash', ['-c', cmd], { encoding: 'utf8', timeout: 60_000 });
      const stderr = fs.readFileSync(path.join(dir, 'err'), 'utf8');
      expect(r.stdout, stderr).toMatch(/^tick\r?\nstatus=141\n$/);
      expect(stderr).not.toMatch(/EPIPE|Unhandled|internal error/);
      expect(stderr).toContain(`tracewall: wrote ${out}`);
      expect(JSON.parse(fs.readFileSync(out, 'utf8')).syscalls.x86_64.execve).toBeDefined();
      expect(fs.readdirSync(tmp)).toEqual([]);
      expect(withMarker(marker)).toEqual([]);
    });
  }
});

// verify: runs a container, then prints its report; with stdout closed it still cleans up and gives 141, not 1.
const noVerify = needRoot('crun');

describe.skipIf(NOT_BUILT || noVerify !== undefined)('verify with stdout closed', () => {
  it('exit 141 (not 1 for its denials), no container and no temporary file left', async () => {
    const dir = scratch('verify');
    const tmp = scratch('verify-tmp');
    const bundle = makeBusyboxBundle(path.join(dir, 'b'), { args: ['sh', '-c', 'echo hi > /tmp/f && mkdir /tmp/d'] });
    // Allows only what crun needs after the filter: the workload's calls would all be denied.
    const profile = writeSeccomp(path.join(dir, 'p.json'), ['close', 'execve']);
    const before = spawnSync('crun', ['list', '-q'], { encoding: 'utf8' }).stdout;
    const args = ['verify', '--bundle', bundle.dir, '--seccomp', profile, '--runtime', 'crun'];
    const r = await withClosed('stdout', args, 120_000, { TMPDIR: tmp });
    expect(r.status, r.stderr).toBe(141);
    expectQuiet(r, r.stderr);
    expect(spawnSync('crun', ['list', '-q'], { encoding: 'utf8' }).stdout).toBe(before);
    expect(fs.readdirSync(tmp)).toEqual([]);
  });
});
