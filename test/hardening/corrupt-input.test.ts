// Hardening 2: corrupt or odd input. Through the built CLI: strace logs cut mid-line and mid-"resumed", 100+ threads
// with interleaved unfinished calls, unknown syscalls and an i386 log are recorded with warnings that name the line;
// logs of another architecture, non-logs, future schema versions, malformed JSON and profiles with unknown syscall
// names are refused with ONE message naming the file (and line), exit 2, and no output file touched. Then a bounded,
// seeded fuzz run of the strace parser and of the Recording loader.
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseStraceLog } from '../../src/parse/strace.js';
import { recordingFromStrace, recordingFromStraceChunks, type StraceMeta } from '../../src/analyze/from-strace.js';
import { parseRecording, readRecording, serializeRecording } from '../../src/recording/io.js';
import { renderProfiles } from '../../src/cli/profiles.js';
import { TracewallError } from '../../src/errors.js';
import type { Recording } from '../../src/recording/types.js';
import {
  FIXTURES,
  NO_DIST,
  announce,
  fcSeed,
  messageLines,
  rmrf,
  runCli,
  snapshot,
  tempDir,
  tempLeftovers,
  unchanged,
  type FileSnapshot,
} from './helpers.js';

const STRACE = path.join(FIXTURES, 'strace');
const LOGS = fs
  .readdirSync(STRACE)
  .filter((f) => f.endsWith('.log'))
  .sort();
const readLog = (name: string): string => fs.readFileSync(path.join(STRACE, name), 'utf8');

const META: StraceMeta = {
  name: 'fuzz',
  toolVersion: '0.1.0',
  tracerVersion: '6.1',
  kernel: '6.1.0',
  target: { kind: 'log', file: 'fuzz.log' },
  initialCwd: '/',
  initialUid: 0,
  initialGid: 0,
};

/** `count` threads of one process, each with an unfinished futex and openat resumed out of order; some never resume. */
function manyThreadsLog(count: number): { text: string; neverResumed: number } {
  const lines: string[] = [];
  let t = 1_700_000_000;
  const at = (): string => (t += 0.000001).toFixed(6);
  const leader = 5000;
  lines.push(`${leader} ${at()} [  59] execve("/srv/app", ["/srv/app"], 0x7ffc /* 3 vars */) = 0`);
  const tids = Array.from({ length: count }, (_, i) => leader + 1 + i);
  for (const tid of tids) {
    lines.push(
      `${leader} ${at()} [ 435] clone3({flags=CLONE_VM|CLONE_FS|CLONE_FILES|CLONE_SIGHAND|CLONE_THREAD|CLONE_SYSVSEM|CLONE_SETTLS|CLONE_PARENT_SETTID|CLONE_CHILD_CLEARTID, child_tid=0x7f00, parent_tid=0x7f00, exit_signal=0, stack=0x7f00, stack_size=0x7fff00, tls=0x7f00} => {parent_tid=[${tid}]}, 88) = ${tid}`,
    );
  }
  // Every thread starts a futex wait and an open; strace shows them interleaved, and resumes them in reverse order.
  for (const tid of tids)
    lines.push(`${tid} ${at()} [ 202] futex(0x7f${tid.toString(16)}, FUTEX_WAIT_PRIVATE, 0, NULL <unfinished ...>`);
  let neverResumed = 0;
  for (const tid of [...tids].reverse()) {
    if (tid % 10 === 0) {
      neverResumed++;
      continue; // killed while waiting: never resumed
    }
    lines.push(`${tid} ${at()} [ 202] <... futex resumed>) = 0`);
    lines.push(`${tid} ${at()} [ 257] openat(AT_FDCWD</srv>, "/srv/data/file-${tid}", O_RDONLY <unfinished ...>`);
  }
  for (const tid of tids) {
    if (tid % 10 === 0) continue;
    lines.push(`${tid} ${at()} [ 257] <... openat resumed>) = 3</srv/data/file-${tid}>`);
    lines.push(`${tid} ${at()} [  60] exit(0) = ?`);
    lines.push(`${tid} ${at()} +++ exited with 0 +++`);
  }
  lines.push(`${leader} ${at()} [ 231] exit_group(0) = ?`);
  for (const tid of tids) if (tid % 10 === 0) lines.push(`${tid} ${at()} +++ exited with 0 +++`);
  lines.push(`${leader} ${at()} +++ exited with 0 +++`);
  return { text: lines.join('\n') + '\n', neverResumed };
}

/** The fixture i386 log without its 64-bit child: a 32-bit process and nothing else. */
function i386OnlyLog(): string {
  const text = readLog('i386.log');
  const child = /\[\s*2\] fork\(\)\s*= (\d+)/.exec(text)?.[1];
  return text
    .split('\n')
    .filter((l) => !child || !l.startsWith(`${child} `))
    .join('\n');
}

const why = announce(NO_DIST);

describe.skipIf(why)('odd strace logs are recorded, with warnings that name the line', () => {
  let dir = '';
  beforeAll(() => {
    dir = tempDir('odd');
  });
  afterAll(() => rmrf(dir));

  async function fromLog(
    name: string,
    text: string,
  ): Promise<{ code: number | null; stderr: string; rec?: Recording }> {
    const log = path.join(dir, `${name}.log`);
    const out = path.join(dir, `${name}.json`);
    fs.writeFileSync(log, text);
    const r = await runCli(['record', '--from-log', log, '--name', name, '-o', out]);
    return { code: r.code, stderr: r.stderr, ...(r.code === 0 ? { rec: readRecording(out) } : {}) };
  }

  it('a log cut mid-line', async () => {
    const text = readLog('sh-files.log');
    let cut = Math.floor(text.length * 0.6);
    while (text[cut] === '\n' || text[cut - 1] === '\n') cut++;
    const lastLine = text.slice(0, cut).split('\n').length;
    const r = await fromLog('cut-line', text.slice(0, cut));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`strace log is truncated: the last line (${lastLine}) is incomplete`);
    expect(r.rec!.warnings.join('\n')).toContain(`(${lastLine})`);
  });

  it('a log cut in the middle of a "<... resumed>" line', async () => {
    const text = readLog('threads.log');
    const at = text.indexOf('<... futex resumed>');
    expect(at).toBeGreaterThan(0);
    const cut = at + '<... futex res'.length;
    const lastLine = text.slice(0, cut).split('\n').length;
    const r = await fromLog('cut-resumed', text.slice(0, cut));
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`the last line (${lastLine}) is incomplete`);
    expect(r.rec!.syscalls.x86_64!.futex).toBeDefined();
  });

  it('120 threads with interleaved unfinished calls, some never resumed', async () => {
    const { text, neverResumed } = manyThreadsLog(120);
    const r = await fromLog('threads-120', text);
    expect(r.code, r.stderr).toBe(0);
    const rec = r.rec!;
    expect(rec.syscalls.x86_64!.futex!.count).toBe(120);
    expect(rec.syscalls.x86_64!.openat!.count).toBe(120 - neverResumed);
    expect(rec.syscalls.x86_64!.clone3!.count).toBe(120);
    const files = Object.keys(rec.files).filter((f) => f.startsWith('/srv/data/'));
    expect(files).toHaveLength(120 - neverResumed);
    expect(rec.termination).toEqual({ kind: 'exit', code: 0 });
    expect(r.stderr).toMatch(new RegExp(`${neverResumed} calls never returned .*futex in pid \\d+ at line \\d+`));
  });

  it('unknown syscalls: a number strace did not know, and a name tracewall does not know', async () => {
    const text =
      [
        '7000 1700000000.000001 [  59] execve("/srv/app", ["/srv/app"], 0x1 /* 1 var */) = 0',
        '7000 1700000000.000002 [ 999] syscall_0x3e7(0x1, 0x2, 0x3) = -1 ENOSYS (Function not implemented)',
        '7000 1700000000.000003 [ 998] frobnicate(1) = 0',
        '7000 1700000000.000004 [ 231] exit_group(0) = ?',
        '7000 1700000000.000005 +++ exited with 0 +++',
      ].join('\n') + '\n';
    const r = await fromLog('unknown', text);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('strace did not know syscall number 999 (0x3e7) on x86_64');
    expect(r.stderr).toContain("syscall frobnicate is not in tracewall's x86_64 syscall table; recorded by name");
    const gen = path.join(dir, 'unknown-out');
    fs.mkdirSync(gen);
    const g = await runCli(['generate', '-o', gen, path.join(dir, 'unknown.json')]);
    expect(g.code, g.stderr).toBe(0);
    const seccomp = JSON.parse(fs.readFileSync(path.join(gen, 'unknown.seccomp.json'), 'utf8')) as {
      syscalls: Array<{ names: string[] }>;
    };
    // A placeholder is never allowed (seccomp could not name it); the unknown name is allowed with a warning.
    expect(seccomp.syscalls.flatMap((s) => s.names)).not.toContain('syscall_0x3e7');
    expect(g.stderr).toMatch(/syscall_0x3e7.*not allowed/);
  });

  it('an i386-only log: 32-bit calls recorded under i386, and profiles generated from them', async () => {
    const r = await fromLog('i386-only', i386OnlyLog());
    expect(r.code, r.stderr).toBe(0);
    expect(Object.keys(r.rec!.syscalls.i386 ?? {})).toEqual(expect.arrayContaining(['fork', 'waitpid', 'exit']));
    expect(Object.keys(r.rec!.syscalls.x86_64 ?? {})).toEqual(['execve']);
    const gen = path.join(dir, 'i386-out');
    fs.mkdirSync(gen);
    const g = await runCli(['generate', '-o', gen, path.join(dir, 'i386-only.json')]);
    expect(g.code, g.stderr).toBe(0);
  });
});

describe.skipIf(why)('bad input is refused: exit 2, one message naming the file, nothing written', () => {
  let dir = '';
  let existing: FileSnapshot;
  let outDir = '';
  let outFiles: FileSnapshot[] = [];
  beforeAll(() => {
    dir = tempDir('bad');
    const prev = path.join(dir, 'previous.json');
    fs.writeFileSync(prev, '{"previous": true}\n');
    fs.utimesSync(prev, new Date(2001, 1, 1), new Date(2001, 1, 1));
    existing = snapshot(prev);
    outDir = path.join(dir, 'profiles');
    fs.mkdirSync(outDir);
    outFiles = ['app.seccomp.json', 'app.apparmor', 'app.k8s.yaml'].map((f) => {
      const p = path.join(outDir, f);
      fs.writeFileSync(p, `previous ${f}\n`);
      fs.utimesSync(p, new Date(2001, 1, 1), new Date(2001, 1, 1));
      return snapshot(p);
    });
  });
  afterAll(() => rmrf(dir));

  const write = (name: string, text: string | Buffer): string => {
    const p = path.join(dir, name);
    fs.writeFileSync(p, text);
    return p;
  };
  const validRecording = (): Record<string, unknown> =>
    JSON.parse(fs.readFileSync(path.join(FIXTURES, 'recordings', 'busybox-httpd.json'), 'utf8'));

  /** One tracewall message, naming `file`, matching `what`; no stack trace; outputs untouched. */
  function expectRefused(r: { code: number | null; stderr: string }, file: string, what: RegExp): void {
    expect(r.code, r.stderr).toBe(2);
    const msgs = messageLines(r.stderr);
    expect(msgs, r.stderr).toHaveLength(1);
    expect(msgs[0]).toContain(file);
    expect(msgs[0]).toMatch(what);
    expect(r.stderr).not.toMatch(/internal error|^\s+at /m);
    expect(unchanged(existing)).toBe(true);
    for (const s of outFiles) expect(unchanged(s), s.file).toBe(true);
    expect(fs.readdirSync(outDir).sort()).toEqual(['app.apparmor', 'app.k8s.yaml', 'app.seccomp.json']);
    expect(tempLeftovers(outDir)).toEqual([]);
    expect(tempLeftovers(dir)).toEqual([]);
  }

  const logCases: Array<[string, string, RegExp]> = [
    [
      'an aarch64 log (nanosleep is 101 there, ptrace on x86_64)',
      '1234 1700000000.000001 [ 101] nanosleep({tv_sec=1, tv_nsec=0}, NULL) = 0\n1234 1700000000.000002 [  94] exit_group(0) = ?\n',
      /line 1: syscall nanosleep has number 101 in the log, but 35 on x86_64/,
    ],
    [
      'a log from a 32-bit strace (i386 numbers, no personality line)',
      '1234 1700000000.000001 [   5] open("/etc/passwd", O_RDONLY) = 3</etc/passwd>\n1234 1700000000.000002 [ 252] exit_group(0) = ?\n',
      /line 1: syscall open has number 5 in the log, but 2 on x86_64/,
    ],
    [
      'a JSON file instead of a log',
      '{"schemaVersion": 1}\n',
      /no system call found: .* line 1 is "\{\\"schemaVersion\\": 1\}"/,
    ],
    ['an empty log', '', /the log is empty/],
    ['binary garbage', '\x00\x01\x02\xff\xfe garbage\n\x7fELF\n', /no system call found: .*line 1/],
  ];
  for (const [label, text, what] of logCases) {
    it(`record --from-log refuses ${label}`, async () => {
      const log = write(`${label.replace(/\W+/g, '-')}.log`, text);
      const r = await runCli(['record', '--from-log', log, '-o', existing.file]);
      expectRefused(r, log, what);
    });
  }

  it('record --from-log of a file that does not exist', async () => {
    const missing = path.join(dir, 'no-such.log');
    expectRefused(await runCli(['record', '--from-log', missing, '-o', existing.file]), missing, /cannot read/);
  });

  const recordingCases: Array<[string, () => string | Buffer, RegExp]> = [
    [
      'a recording with a future schemaVersion',
      () => JSON.stringify({ ...validRecording(), schemaVersion: 2 }, null, 2),
      /schemaVersion 2 is not supported; this tracewall reads schemaVersion 1/,
    ],
    [
      'malformed JSON',
      () => '{\n  "schemaVersion": 1,\n  "tracer": {"name": "strace",}\n}\n',
      /not valid JSON: .*\(line 3, column \d+\)/,
    ],
    [
      'JSON cut short',
      () => JSON.stringify(validRecording(), null, 2).slice(0, 700),
      /not valid JSON: .*\(line \d+, column \d+\)/,
    ],
    [
      'a recording of the wrong shape',
      () => JSON.stringify({ ...validRecording(), files: { 'relative/path': { access: ['read'] } } }),
      /invalid recording: at \/files/,
    ],
    ['a JSON array', () => '[1, 2, 3]\n', /not a tracewall recording/],
    ['not UTF-8', () => Buffer.from([0xff, 0xfe, 0x7b, 0x00]), /not valid JSON/],
  ];
  for (const [label, make, what] of recordingCases) {
    it(`generate refuses ${label}`, async () => {
      const f = write(`gen-${label.replace(/\W+/g, '-')}.json`, make());
      expectRefused(await runCli(['generate', '-o', outDir, '--name', 'app', f]), f, what);
    });
    it(`merge refuses ${label}`, async () => {
      const f = write(`merge-${label.replace(/\W+/g, '-')}.json`, make());
      expectRefused(await runCli(['merge', '-o', existing.file, f]), f, what);
    });
  }

  it('diff refuses malformed JSON and a future schemaVersion, naming the file (and line)', async () => {
    const good = path.join(FIXTURES, 'recordings', 'busybox-httpd.json');
    const bad = write('diff-bad.json', '{\n  "defaultAction": "SCMP_ACT_ERRNO",\n  "syscalls": [\n}\n');
    expectRefused(await runCli(['diff', good, bad]), bad, /not valid JSON: .*\(line 4, column 1\)/);
    const future = write('diff-future.json', JSON.stringify({ ...validRecording(), schemaVersion: 99 }));
    expectRefused(await runCli(['diff', future, good]), future, /schemaVersion 99 is not supported/);
  });

  it('validate reports each bad file once, by name, with the line or the JSON location, and exits 2', async () => {
    const malformed = write(
      'val-malformed.json',
      '{\n  "defaultAction": "SCMP_ACT_ERRNO",\n  "architectures": [,]\n}\n',
    );
    const future = write('val-future.json', JSON.stringify({ ...validRecording(), schemaVersion: 3 }));
    const unknown = write(
      'val-unknown.json',
      JSON.stringify(
        {
          defaultAction: 'SCMP_ACT_ERRNO',
          architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
          syscalls: [{ names: ['read', 'wrtie'], action: 'SCMP_ACT_ALLOW' }],
        },
        null,
        2,
      ),
    );
    for (const [file, what] of [
      [malformed, /error: not valid JSON: .*\(line 3, column 21\)/],
      [future, /error: recording schemaVersion 3 is not supported; this tracewall reads schemaVersion 1/],
      [unknown, /error: unknown syscall name "wrtie".*did you mean "write"\?.*\(\/syscalls\/0\/names\/1\)/],
    ] as const) {
      const r = await runCli(['validate', file]);
      expect(r.code, r.stdout + r.stderr).toBe(2);
      const lines = r.stdout.split('\n').filter((l) => l.startsWith(`${file}: `));
      expect(lines, r.stdout).toHaveLength(1);
      expect(lines[0]).toMatch(what);
      expect(r.stderr).toBe('');
    }
  });
});

// ---- bounded fuzzing (seeded, time-boxed) ----

/** One mutation of a log's text, chosen and placed by numbers from fast-check. */
type Mutation = [op: number, a: number, b: number, text: string];
const SPICE = [
  '"',
  '\\',
  '<',
  '>',
  '(',
  ')',
  '{',
  '}',
  '[',
  ']',
  ',',
  '=',
  ' ',
  '\0',
  '\uFFFD',
  '\n',
  '...',
  ' <unfinished ...>',
  '<... read resumed>',
  ') = ?',
  '+++ exited with 0 +++',
  '/* 3 vars */',
  '0x',
  '-1',
  '[ Process PID=1 runs in 32 bit mode. ]',
];

function mutateLog(text: string, muts: Mutation[]): string {
  let lines = text.split('\n');
  for (const [op, a, b, s] of muts) {
    const i = lines.length > 0 ? a % lines.length : 0;
    const j = lines.length > 0 ? b % lines.length : 0;
    const line = lines[i] ?? '';
    switch (op % 10) {
      case 0: // cut the whole log at a character
        return lines.join('\n').slice(0, a % (lines.join('\n').length + 1));
      case 1: // drop a line
        lines.splice(i, 1);
        break;
      case 2: // duplicate a line elsewhere
        lines.splice(j, 0, line);
        break;
      case 3: // swap two lines
        [lines[i], lines[j]] = [lines[j] ?? '', line];
        break;
      case 4: // replace one character with a syntax character
        lines[i] =
          line.slice(0, b % (line.length + 1)) + SPICE[a % SPICE.length] + line.slice((b % (line.length + 1)) + 1);
        break;
      case 5: // insert arbitrary text
        lines[i] = line.slice(0, b % (line.length + 1)) + s + line.slice(b % (line.length + 1));
        break;
      case 6: // change the syscall number strace printed
        lines[i] = line.replace(/\[\s*\d+\]/, `[${b % 1024}]`);
        break;
      case 7: // give the line to another (maybe unknown) pid
        lines[i] = line.replace(/^\d+/, String(b % 3 === 0 ? b % 100000 : ((lines[j] ?? '').split(' ')[0] ?? '1')));
        break;
      case 8: // split a line in two
        lines.splice(i, 1, line.slice(0, b % (line.length + 1)), line.slice(b % (line.length + 1)));
        break;
      default: // keep the first half of a line only
        lines[i] = line.slice(0, Math.floor(line.length / 2));
        break;
    }
    if (lines.length > 4000) lines = lines.slice(0, 4000);
  }
  return lines.join('\n');
}

const mutation = fc.tuple(fc.nat(), fc.nat(), fc.nat(), fc.string({ maxLength: 40 }));

describe('fuzz: the strace parser and the recording builder', () => {
  it('never throw on mutated fixture logs, and always give schema-valid recordings (~7 s)', () => {
    let runs = 0;
    fc.assert(
      fc.property(
        fc.constantFrom(...LOGS),
        fc.array(mutation, { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 1, max: 4096 }),
        (log, muts, chunk) => {
          runs++;
          const text = mutateLog(readLog(log), muts);
          parseStraceLog(text);
          const rec = recordingFromStrace(text, META);
          serializeRecording(rec); // schema-checked on the way out
          // Fed in arbitrary chunks, the same log gives the same recording.
          const pieces: string[] = [];
          for (let k = 0; k < text.length; k += chunk) pieces.push(text.slice(k, k + chunk));
          expect(serializeRecording(recordingFromStraceChunks(pieces, META))).toBe(serializeRecording(rec));
        },
      ),
      { seed: fcSeed('strace fuzz'), numRuns: 1_000_000, interruptAfterTimeLimit: 7000 },
    );
    console.log(`strace fuzz: ${runs} mutated logs`);
    expect(runs).toBeGreaterThan(50);
  });
});

/** Every place (path of keys) in a JSON value. */
function placesOf(
  v: unknown,
  at: Array<string | number> = [],
  out: Array<Array<string | number>> = [],
): Array<Array<string | number>> {
  out.push(at);
  if (Array.isArray(v)) v.forEach((x, i) => placesOf(x, [...at, i], out));
  else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) placesOf(x, [...at, k], out);
  return out;
}

function mutateJson(base: unknown, place: Array<string | number>, op: number, value: unknown): unknown {
  const root = structuredClone(base) as Record<string, unknown>;
  if (place.length === 0) return op % 2 === 0 ? value : root;
  let parent: unknown = root;
  for (const k of place.slice(0, -1)) parent = (parent as Record<string | number, unknown>)[k];
  const key = place[place.length - 1]!;
  const p = parent as Record<string | number, unknown> & unknown[];
  switch (op % 5) {
    case 0:
      if (Array.isArray(p)) p.splice(Number(key), 1);
      else delete p[key];
      break;
    case 1:
      p[key] = value;
      break;
    case 2: // rename a key / duplicate an element
      if (Array.isArray(p)) p.push(structuredClone(p[Number(key)]));
      else {
        p[`${String(key)}x`] = p[key];
        delete p[key];
      }
      break;
    case 3: // a hostile string where a value was
      p[key] = typeof value === 'string' ? value : '\n"},{"x":1}\u202e/../**';
      break;
    default: // a number of the wrong kind
      p[key] = [-1, 0.5, 1e300, Number.MAX_SAFE_INTEGER + 2, 2 ** 31][
        Math.abs(Number(JSON.stringify(value ?? 0).length)) % 5
      ];
      break;
  }
  return root;
}

/** Either fine, or a TracewallError with exit code 2: anything else is a crash. */
function expectCleanOutcome(fn: () => unknown): 'ok' | 'refused' {
  try {
    fn();
    return 'ok';
  } catch (err) {
    if (err instanceof TracewallError && err.exitCode === 2) return 'refused';
    throw err;
  }
}

describe('fuzz: the Recording loader', () => {
  const bases: unknown[] = [
    JSON.parse(fs.readFileSync(path.join(FIXTURES, 'recordings', 'busybox-httpd.json'), 'utf8')),
    JSON.parse(fs.readFileSync(path.join(FIXTURES, 'diff', 'new.recording.json'), 'utf8')),
    ...['net.log', 'files.log', 'i386.log'].map((l) =>
      JSON.parse(serializeRecording(recordingFromStrace(readLog(l), META))),
    ),
  ];

  it('parseRecording of mutated recordings succeeds or throws TracewallError exit 2; what it accepts renders or is refused (~5 s)', () => {
    const seen = { ok: 0, refused: 0 };
    fc.assert(
      fc.property(
        fc.nat(bases.length - 1),
        fc.nat(),
        fc.array(fc.tuple(fc.nat(), fc.jsonValue({ maxDepth: 2 })), { minLength: 1, maxLength: 3 }),
        (bi, pick, ops) => {
          let value = bases[bi];
          for (const [op, v] of ops) {
            const places = placesOf(value);
            value = mutateJson(value, places[(pick + op) % places.length]!, op, v);
          }
          const outcome = expectCleanOutcome(() => parseRecording(value, 'fuzz.json'));
          seen[outcome]++;
          if (outcome === 'ok') {
            expectCleanOutcome(() =>
              renderProfiles([value as Recording], {
                format: 'docker',
                defaultAction: 'errno',
                apparmorAnnotation: false,
              }),
            );
          }
        },
      ),
      { seed: fcSeed('recording fuzz'), numRuns: 1_000_000, interruptAfterTimeLimit: 5000 },
    );
    console.log(`recording fuzz: ${seen.ok} accepted, ${seen.refused} refused`);
    expect(seen.ok + seen.refused).toBeGreaterThan(50);
    expect(seen.refused).toBeGreaterThan(0);
  });

  it('readRecording of mutated recording text succeeds or throws TracewallError exit 2 (~3 s)', () => {
    const dir = tempDir('fuzz-text');
    const texts = bases.map((b) => JSON.stringify(b, null, 2));
    let runs = 0;
    try {
      fc.assert(
        fc.property(fc.nat(texts.length - 1), fc.array(mutation, { minLength: 1, maxLength: 4 }), (ti, muts) => {
          runs++;
          const file = path.join(dir, 'r.json');
          fs.writeFileSync(file, mutateLog(texts[ti]!, muts));
          expectCleanOutcome(() => readRecording(file));
        }),
        { seed: fcSeed('recording text fuzz'), numRuns: 1_000_000, interruptAfterTimeLimit: 3000 },
      );
    } finally {
      rmrf(dir);
    }
    expect(runs).toBeGreaterThan(50);
  });
});
