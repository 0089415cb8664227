// `tracewall reach` on real recordings: busybox (static) and nginx (dynamic) recorded under strace by tracewall itself,
// then the syscalls their code can reach that the runs did not make: each with evidence, none the runs made. Also a
// script (its interpreter is analysed), a Go program (said so), the exit codes, and same input → same bytes.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { execa } from 'execa';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRecording } from '../../src/recording/io.js';
import { fromRoot } from '../../src/util/paths.js';
import { needBuild, BIN } from '../e2e/helpers.js';
import { freePort } from '../helpers/bundles.js';
import type { ReachReport } from '../../src/reach/types.js';
import { analyseExecutable } from '../../src/reach/executable.js';
import { programFindings } from '../../src/reach/findings.js';
import { ObjectSummaries } from '../../src/reach/objects.js';
import { hostView } from '../../src/reach/views.js';

function onPath(tool: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const lacking = ['strace', 'busybox', 'nginx', 'objdump', 'readelf'].filter((t) => !onPath(t));
const why =
  needBuild() ??
  (lacking.length > 0
    ? `needs ${lacking.join(', ')} (apt-get install strace busybox-static nginx-light binutils)`
    : undefined);
if (why) console.warn(`skipped reach integration tests: ${why}`);

let tmp: string;

/** Run the built CLI with the test's cache directory (and any other environment). */
async function run(args: string[], env: Record<string, string> = {}) {
  const r = await execa(process.execPath, [BIN, ...args], {
    reject: false,
    cwd: tmp,
    stdin: 'ignore',
    stripFinalNewline: false,
    timeout: 300_000,
    env: { TRACEWALL_CACHE_DIR: path.join(tmp, 'cache'), ...env },
  });
  return { exitCode: r.exitCode, stdout: String(r.stdout), stderr: String(r.stderr) };
}

async function record(name: string, command: string[]): Promise<string> {
  const out = path.join(tmp, `${name}.json`);
  const r = await run(['record', '--name', name, '-o', out, '--', ...command]);
  expect(r.exitCode, r.stderr).toBe(0);
  return out;
}

async function reach(files: string[]): Promise<ReachReport> {
  const r = await run(['reach', '--format', 'json', ...files]);
  expect(r.exitCode, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as ReachReport;
}

function made(file: string): Set<string> {
  return new Set(Object.keys(readRecording(file).syscalls.x86_64 ?? {}));
}

describe.skipIf(why)('reach on recorded runs', () => {
  let busybox: string;
  let nginx: string;
  let script: string;
  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tracewall-reach-'));
    busybox = await record('busybox', ['busybox', 'sh', '-c', `echo hi > ${tmp}/x; cat ${tmp}/x`]);
    fs.writeFileSync(
      path.join(tmp, 'nginx.conf'),
      `error_log ${tmp}/error.log;\npid ${tmp}/nginx.pid;\nevents {}\nhttp { access_log off; server { listen 127.0.0.1:${await freePort()}; } }\n`,
    );
    nginx = await record('nginx', [
      'nginx',
      '-t',
      '-q',
      '-p',
      tmp,
      '-e',
      `${tmp}/error.log`,
      '-c',
      `${tmp}/nginx.conf`,
    ]);
    const sh = path.join(tmp, 'hello.sh');
    fs.writeFileSync(
      sh,
      `#!${execFileSync('sh', ['-c', 'command -v busybox'], { encoding: 'utf8' }).trim()} sh\necho hello\n`,
    );
    fs.chmodSync(sh, 0o755);
    script = await record('script', [sh]);
  });
  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('busybox (static): reboot and mount are in its code, not in the run; nothing the run made is listed', async () => {
    const report = await reach([busybox]);
    const bb = report.executables.find((e) => /busybox$/.test(e.path))!;
    expect(bb).toMatchObject({ analysed: true });
    expect(bb.why).toMatch(/^statically linked/);
    const byName = new Map(bb.reachableNotObserved.map((u) => [u.syscall, u]));
    expect(byName.get('reboot')?.risk).toBe('high');
    expect(byName.get('mount')?.risk).toBe('critical');
    for (const name of ['reboot', 'mount'])
      expect(byName.get(name)!.evidence.every((e) => e.startsWith(`${bb.resolved ?? bb.path}: `))).toBe(true);
    const runMade = made(busybox);
    expect(runMade.size).toBeGreaterThan(5);
    expect(bb.reachableNotObserved.filter((u) => runMade.has(u.syscall))).toEqual([]);
    expect(bb.reachable).toBeGreaterThan(bb.reachableNotObserved.length);
    // highest risk first
    const levels = bb.reachableNotObserved.map((u) => ['critical', 'high', 'medium', 'low'].indexOf(u.risk));
    expect(levels).toEqual([...levels].sort((a, b) => a - b));
  });

  it('nginx (dynamic): libc can clone for it (through fork/pthread_create), with the library, function and import named', async () => {
    const report = await reach([nginx]);
    expect(report.executables.map((e) => e.path)).toEqual(['/usr/sbin/nginx']);
    const ng = report.executables[0]!;
    expect(ng.why).toMatch(/^dynamically linked: .* libc\.so\.6/);
    const clone = ng.reachableNotObserved.find((u) => u.syscall === 'clone');
    expect(clone?.risk).toBe('high');
    expect(clone!.evidence.some((e) => /\/libc\.so\.6: \S+ \(via imported .*(fork|pthread_create)/.test(e))).toBe(true);
    const runMade = made(nginx);
    expect(ng.reachableNotObserved.filter((u) => runMade.has(u.syscall))).toEqual([]);
    expect(ng.reachableNotObserved.every((u) => u.evidence.length > 0)).toBe(true);
  });

  it('the analysis finds every syscall the runs made in the code (it sees the paths the runs took)', async () => {
    const summaries = new ObjectSummaries(path.join(tmp, 'cache'));
    for (const [file, program] of [
      [busybox, execFileSync('sh', ['-c', 'command -v busybox'], { encoding: 'utf8' }).trim()],
      [nginx, '/usr/sbin/nginx'],
    ] as const) {
      const a = await analyseExecutable(program, hostView(), summaries);
      expect(a.analysed, program).toBe(true);
      if (!a.analysed) continue;
      const reachable = new Set(programFindings(a.objects, a.reach, new Set()).reachable);
      expect(
        [...made(file)].filter((s) => !reachable.has(s)),
        program,
      ).toEqual([]);
    }
  });

  it('several recordings: their union is what was made, and each program is listed once', async () => {
    const report = await reach([busybox, nginx]);
    const union = new Set([...made(busybox), ...made(nginx)]);
    expect(report.observed).toBe(union.size);
    expect(report.executables.map((e) => e.path).sort()).toEqual(report.executables.map((e) => e.path));
    for (const e of report.executables) expect(e.reachableNotObserved.filter((u) => union.has(u.syscall))).toEqual([]);
  });

  it('a merged recording gives the same programs and findings as its runs given one by one', async () => {
    const merged = path.join(tmp, 'merged.json');
    const m = await run(['merge', '-o', merged, busybox, nginx]);
    expect(m.exitCode, m.stderr).toBe(0);
    const one = await reach([merged]);
    const both = await reach([busybox, nginx]);
    expect(one.observed).toBe(both.observed);
    expect(one.executables).toEqual(both.executables);
  });

  it('a script is not analysed itself; its #! interpreter is', async () => {
    const report = await reach([script]);
    const sh = report.executables.find((e) => e.path.endsWith('hello.sh'))!;
    expect(sh).toMatchObject({ analysed: false, reachableNotObserved: [] });
    expect(sh.why).toMatch(/#! interpreter .*busybox/);
    expect(report.executables.find((e) => /busybox$/.test(e.path))?.analysed).toBe(true);
  });

  it('a Go program is named as one and not analysed', async (ctx) => {
    const runc = ['/usr/sbin/runc', '/usr/bin/runc'].find((p) => fs.existsSync(p));
    if (!runc) {
      console.warn('skipped the Go test: runc (a Go program) is not installed');
      return ctx.skip();
    }
    const report = await reach([await record('runc', [runc, '--version'])]);
    const go = report.executables.find((e) => e.path === runc)!;
    expect(go).toMatchObject({ analysed: false });
    expect(go.why).toMatch(/^a Go program/);
  });

  it('same input, same bytes: cold cache, warm cache and another cache directory', async () => {
    const fresh = { TRACEWALL_CACHE_DIR: path.join(tmp, 'cache-2') };
    for (const format of ['json', 'text', 'markdown']) {
      const a = await run(['reach', '--format', format, busybox, nginx], fresh);
      const b = await run(['reach', '--format', format, busybox, nginx], fresh);
      const c = await run(['reach', '--format', format, busybox, nginx]);
      expect(a.exitCode).toBe(0);
      expect(b.stdout).toBe(a.stdout);
      expect(c.stdout).toBe(a.stdout);
    }
    expect(fs.readdirSync(path.join(tmp, 'cache-2', 'reach')).length).toBeGreaterThan(3);
  }, 300_000); // a cold cache disassembles nginx's libraries again (libcrypto alone takes ~15 s)

  it('the text says what to do; the markdown is a table', async () => {
    const text = await run(['reach', busybox]);
    expect(text.stdout).toMatch(
      /reboot: a profile made from these runs denies `reboot`, which \S*busybox can call: exercise that path or accept the breakage/,
    );
    const md = await run(['reach', '--format', 'markdown', nginx]);
    expect(md.stdout).toMatch(/^### tracewall reach/);
    expect(md.stdout).toMatch(/\| high \| `clone` \| `\/\S*libc\.so\.6: /);
  });

  it('exit codes: 2 for a bad format or recording, 3 without binutils', async () => {
    expect((await run(['reach', '--format', 'yaml', busybox])).exitCode).toBe(2);
    const bad = path.join(tmp, 'bad.json');
    fs.writeFileSync(bad, '{"schemaVersion": 1}');
    const r = await run(['reach', bad]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/bad\.json: invalid recording/);
    expect((await run(['reach', path.join(tmp, 'missing.json')])).exitCode).toBe(2);
    const noTools = await run(['reach', busybox], { PATH: fromRoot('no-such-dir') });
    expect(noTools.exitCode, noTools.stderr).toBe(3);
    expect(noTools.stderr).toMatch(/objdump is not installed.*binutils/);
  });
});
