// reach's pure analysis on real code: tiny programs assembled and compiled here, disassembled by the real objdump, and
// their syscall sites, numbers and call graphs checked; the loader's search and ld.so.cache against glibc's own tools.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCodeGraph } from '../../src/reach/code-graph.js';
import { parseReadelf, goEvidence } from '../../src/reach/readelf.js';
import { binutil } from '../../src/reach/tools.js';
import { parseLdCache } from '../../src/reach/ldcache.js';
import { reachability } from '../../src/reach/reachability.js';
import { programFindings } from '../../src/reach/findings.js';
import { analyseExecutable } from '../../src/reach/executable.js';
import { ObjectSummaries, summariseObject } from '../../src/reach/objects.js';
import { hostView } from '../../src/reach/views.js';
import type { CodeGraph, ObjectSummary } from '../../src/reach/types.js';

function has(tool: string): boolean {
  try {
    execFileSync(tool, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const missing = ['as', 'ld', 'gcc', 'objdump', 'readelf', 'strip'].filter((t) => !has(t));
const why = missing.length > 0 ? `needs ${missing.join(', ')} (apt-get install binutils gcc)` : undefined;
if (why) console.warn(`skipped reach code tests: ${why}`);

/** Functions with syscall sites of every kind the number analysis knows, in a stripped shared library. */
const ASM = `
	.text
	.globl direct_fork
	.type direct_fork,@function
direct_fork:
	mov $57,%eax
	syscall
	ret
	.globl via_register
	.type via_register,@function
via_register:
	mov $318,%r9d
	mov %r9d,%eax
	syscall
	ret
	.globl two_paths
	.type two_paths,@function
two_paths:
	test %edi,%edi
	je 1f
	mov $39,%eax
	jmp 2f
1:	mov $186,%eax
2:	syscall
	ret
	.globl from_memory
	.type from_memory,@function
from_memory:
	mov (%rdi),%eax
	syscall
	ret
	.globl my_syscall
	.type my_syscall,@function
my_syscall:
	mov %rdi,%rax
	mov %rsi,%rdi
	syscall
	ret
	.globl do_reboot
	.type do_reboot,@function
do_reboot:
	mov $169,%edi
	call my_syscall
	ret
	.globl caller
	.type caller,@function
caller:
	call helper
	ret
	.type helper,@function
helper:
	mov $60,%eax
	syscall
	ret
	.p2align 4
only_by_pointer:
	mov $165,%eax
	syscall
	ret
	.globl take_address
	.type take_address,@function
take_address:
	lea only_by_pointer(%rip),%rax
	ret
	.p2align 4
never_named:
	mov $166,%eax
	syscall
	ret
`;

let dir: string;
const cacheDir = (): string => path.join(dir, 'cache');

async function summary(file: string): Promise<ObjectSummary> {
  const s = await summariseObject(file, cacheDir());
  expect(s, file).toBeDefined();
  return s!;
}

/** A program that imports `imports` (and has no code of its own) and a library with `graph`. */
function programAndLibrary(imports: string[], graph: CodeGraph) {
  const program: ObjectSummary = {
    analysisVersion: 0,
    x86_64: true,
    type: 'DYN',
    needed: [],
    runpath: [],
    rpath: [],
    imports,
    graph: { regions: [], exports: {}, entry: [], inits: [] },
  };
  return [
    { path: '/bin/p', summary: program },
    { path: '/lib/libx.so', summary: { ...program, imports: [], graph } },
  ];
}

/** The syscall numbers reachable from one exported function of a graph, by the reachability of the whole scope. */
function fromExport(graph: CodeGraph, name: string): number[] {
  const r = reachability(programAndLibrary([name], graph));
  const sites = r.entries.find((e) => e.via === name)!.sites.map((i) => r.sites[i]!);
  return [...new Set(sites.map((s) => s.nr))].sort((a, b) => a - b);
}

describe.skipIf(why)('syscall sites and call graphs of real, stripped code', () => {
  let graph: CodeGraph;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tracewall-reach-'));
    fs.writeFileSync(path.join(dir, 'x.s'), ASM);
    execFileSync('as', [path.join(dir, 'x.s'), '-o', path.join(dir, 'x.o')]);
    execFileSync('ld', ['-shared', '-o', path.join(dir, 'libx.so'), path.join(dir, 'x.o')]);
    execFileSync('strip', [path.join(dir, 'libx.so')]);
    const lib = path.join(dir, 'libx.so');
    graph = buildCodeGraph((await binutil('objdump', lib))!, parseReadelf((await binutil('readelf', lib))!));
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const own = (name: string) => graph.regions[graph.exports[name]![0]!]!;

  it('reads the number of a syscall from the mov before it, through register copies and both sides of a branch', () => {
    expect(own('direct_fork').syscalls).toEqual([57]);
    expect(own('via_register').syscalls).toEqual([318]);
    expect(own('two_paths').syscalls).toEqual([39, 186]);
  });

  it('says when the number is not a constant, and knows a generic wrapper by its number coming from the first argument', () => {
    expect(own('from_memory')).toMatchObject({ syscalls: [], unknownSites: 1, wrapper: false });
    expect(own('my_syscall')).toMatchObject({ syscalls: [], unknownSites: 0, wrapper: true });
  });

  it('follows calls to a stripped helper, a call of syscall(2) with a constant, a function whose address is taken', () => {
    expect(fromExport(graph, 'caller')).toEqual([60]);
    // do_reboot calls its own exported wrapper through the PLT: an import, resolved in the scope, with 169 in %edi
    expect(own('do_reboot').imports).toEqual(['my_syscall']);
    expect(fromExport(graph, 'do_reboot')).toEqual([169]);
    expect(fromExport(graph, 'take_address')).toEqual([165]);
    const pointerOnly = graph.regions.find((r) => r.syscalls.includes(165));
    expect(pointerOnly?.name).toMatch(/^0x[0-9a-f]+$/);
    // code after a return and padding that nothing calls, jumps to or names is a function of its own, reached by none
    const orphan = graph.regions.find((r) => r.syscalls.includes(166));
    expect(orphan?.name).toMatch(/^0x[0-9a-f]+$/);
    for (const name of Object.keys(graph.exports)) expect(fromExport(graph, name), name).not.toContain(166);
  });

  it('the program-level evidence names the library and function, and the import that leads there', () => {
    const objects = programAndLibrary(['do_reboot', 'direct_fork'], graph);
    const f = programFindings(objects, reachability(objects), new Set(['fork']));
    expect(f.reachable).toEqual(['fork', 'reboot']);
    expect(f.unobserved).toEqual([
      {
        syscall: 'reboot',
        risk: 'high',
        evidence: ['/lib/libx.so: do_reboot, calling my_syscall(169) (via imported do_reboot)'],
      },
    ]);
  });
});

describe.skipIf(why)('a compiled program, its RUNPATH library and the installed libc', () => {
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tracewall-reach-'));
    fs.mkdirSync(path.join(dir, 'lib'));
    fs.writeFileSync(path.join(dir, 'lib.c'), '#include <unistd.h>\nint lib_fork(void) { return fork(); }\n');
    fs.writeFileSync(path.join(dir, 'main.c'), 'int lib_fork(void);\nint main(void) { return lib_fork(); }\n');
    for (const [out, extra] of [
      ['libt.so', []],
      ['libt-noplt.so', ['-fno-plt']],
    ] as const)
      execFileSync('gcc', [
        '-O2',
        '-shared',
        '-fPIC',
        ...extra,
        '-o',
        path.join(dir, 'lib', out),
        path.join(dir, 'lib.c'),
      ]);
    execFileSync(
      'gcc',
      ['-O2', '-o', path.join(dir, 'main'), path.join(dir, 'main.c'), `-L${dir}/lib`, '-lt'].concat([
        '-Wl,-rpath,$ORIGIN/lib',
      ]),
    );
  });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('finds the library through $ORIGIN and libc like the loader (same list as ldd), and reaches clone through fork', async () => {
    const a = await analyseExecutable(path.join(dir, 'main'), hostView(), new ObjectSummaries(cacheDir()));
    expect(a.analysed).toBe(true);
    if (!a.analysed) return;
    const ldd = execFileSync('ldd', [path.join(dir, 'main')], { encoding: 'utf8' });
    // ldd lists what the loader loaded (the loader itself, libc's DT_NEEDED, on a line of its own)
    const lddPaths = [...ldd.matchAll(/=> (\S+)/g)].map((m) => fs.realpathSync(m[1]!));
    const ours = a.objects.slice(1).map((o) => fs.realpathSync(o.path));
    expect(ours.filter((p) => !p.includes('/ld-linux'))).toEqual(lddPaths);
    expect(a.objects[1]!.path).toBe(`${dir}/lib/libt.so`);
    const f = programFindings(a.objects, a.reach, new Set());
    const clone = f.unobserved.find((u) => u.syscall === 'clone');
    expect(clone?.risk).toBe('high');
    expect(clone?.evidence.some((e) => /libc\.so\.6: \S+ \(via imported lib_fork\)$/.test(e))).toBe(true);
  });

  it('follows a -fno-plt call through its GOT slot to the imported function', async () => {
    const s = await summary(path.join(dir, 'lib', 'libt-noplt.so'));
    const libFork = s.graph.regions[s.graph.exports.lib_fork![0]!]!;
    expect(libFork.imports).toEqual(['fork']);
    const plt = await summary(path.join(dir, 'lib', 'libt.so'));
    expect(plt.graph.regions[plt.graph.exports.lib_fork![0]!]!.imports).toEqual(['fork']);
  });
});

describe.skipIf(why)('facts of installed files', () => {
  it('reads /etc/ld.so.cache as ldconfig -p lists its x86-64 entries', () => {
    if (!fs.existsSync('/etc/ld.so.cache')) return console.warn('skipped ld.so.cache test: no /etc/ld.so.cache');
    const cache = parseLdCache(fs.readFileSync('/etc/ld.so.cache'));
    const listed = execFileSync('ldconfig', ['-p'], { encoding: 'utf8' })
      .split('\n')
      .map((l) => /^\s+(\S+) \(libc6,x86-64[^)]*\) => (\S+)$/.exec(l))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => `${m[1]} ${m[2]}`);
    expect(listed.length).toBeGreaterThan(10);
    const ours = [...cache].flatMap(([name, paths]) => paths.map((p) => `${name} ${p}`));
    expect(ours.sort()).toEqual(listed.sort());
  });

  it('knows a Go program by its sections (runc here)', async () => {
    const runc = ['/usr/sbin/runc', '/usr/bin/runc'].find((p) => fs.existsSync(p));
    if (!runc) return console.warn('skipped Go detection test: runc (a Go program) is not installed');
    expect(goEvidence(parseReadelf((await binutil('readelf', runc))!))).toMatch(/\.go|\.gopclntab/);
    expect(goEvidence(parseReadelf((await binutil('readelf', '/bin/sh'))!))).toBeUndefined();
  });
});
