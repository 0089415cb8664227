// The bpftrace log parser and the Recording built from it: escapes, ordering, paths, maps, warnings, determinism.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bytesOfR, escapeBytes, textOfR } from '../../src/parse/bpftrace-text.js';
import { BPFTRACE_LOG_HEADER, parseBpftraceLog } from '../../src/parse/bpftrace.js';
import { decodeDecoration } from '../../src/parse/decoration.js';
import { recordingFromBpftrace, type BpftraceMeta } from '../../src/analyze/from-bpftrace.js';
import { serializeRecording } from '../../src/recording/io.js';
import { parseRecording } from '../../src/recording/io.js';

const meta: BpftraceMeta = {
  name: 'unit',
  toolVersion: '0.1.0',
  tracerVersion: '0.17.0',
  kernel: '6.18',
  target: { kind: 'command', argv: ['sh'], cwd: '/work' },
  initialCwd: '/work',
  initialUid: 0,
  initialGid: 0,
};

// A small log as the program prints it: lines of two CPUs interleaved (not in time order), one path split across
// the stamp order, a name with a newline, strings in chunks, and the maps at the end.
const LOG = [
  BPFTRACE_LOG_HEADER,
  'Attaching 21 probes...',
  'T 1795940000.500000 1000000000',
  'READY',
  'S 1000100000 100 1 /bin/sh',
  'S 1000100000 100 2 sh\\x00\\x00\\x00',
  'XE 1000100000 100 59 0',
  'A 1000200000 100',
  'XS 1000200000 100 100',
  'F 1000400000 100 101 18874385',
  // the child's records (CPU 1) come before the parent's (CPU 0) in the output
  'N 1000500000 1099511627777 a\\x0ab',
  'N 1000500000 1099511627777 work',
  'NE 1000500000 1099511627777',
  'R 1000500000 101 257 3 577 0 0 0 1099511627777 0 0',
  'N 1000300000 1 libc.so.6',
  'N 1000300000 1 lib',
  'N 1000300000 1 usr',
  'NE 1000300000 1',
  'R 1000300000 100 257 3 524288 0 0 0 1 0 0',
  'NE 1000310000 2',
  'R 1000310000 100 217 5 0 0 0 0 2 0 0',
  'N 1000600000 3 work',
  'NE 1000600000 3',
  'S 1000600000 101 1 old',
  'S 1000600000 101 2 new',
  'R 1000600000 101 82 0 0 0 0 0 3 3 0',
  'S 1000700000 101 1 /etc/pass',
  'S 1000700000 101 1 wd',
  'R 1000700000 101 4 0 0 0 0 0 0 0 0',
  'R 1000800000 101 49 0 2 8080 16777343 3 0 0 0',
  'L 1000810000 101 3 2 8080 16777343 0 0 0 0',
  'R 1000820000 101 42 -115 10 443 0 72057594037927936 0 0 0',
  'Q 1000900000 101 101 0 1',
  'Q 1001000000 100 100 768 1',
  'Lost 2 events',
  'what is this',
  'END',
  '@calls[0, 59]: 1',
  '@calls[0, 257]: 7',
  '@calls[0, 217]: 2',
  '@calls[0, 82]: 1',
  '@calls[0, 4]: 3',
  '@calls[0, 49]: 1',
  '@calls[0, 50]: 1',
  '@calls[0, 42]: 1',
  '@calls[0, 41]: 2',
  '@calls[0, 56]: 1',
  '@calls[1, 20]: 2',
  '@calls[1, 1]: 1',
  '@fails[0, 257]: 4',
  '@fails[0, 42]: 1',
  '@af[41, 2, 524290, 0, 1]: 1',
  '@af[41, 10, 1, 6, 1]: 1',
  '@af[56, 18874385, 0, 0, 1]: 1',
  '',
].join('\n');

describe('bpftrace %r text', () => {
  it('decodes \\xNN of unprintable bytes and keeps a literal backslash-x before a printable value', () => {
    expect(bytesOfR('a\\x0ab\\x41c')).toEqual([97, 10, 98, 92, 120, 52, 49, 99]);
    expect(textOfR('ok\\x00\\x00')).toEqual({ text: 'ok', invalidUtf8: false });
    expect(textOfR('\\xc3\\xbc')).toEqual({ text: 'ü', invalidUtf8: false });
    expect(textOfR('x\\xff')).toEqual({ text: 'x\uFFFD', invalidUtf8: true });
  });

  it('escapes bytes so that strace decorations read them back', () => {
    const bytes = [...Buffer.from('/tmp/a<b>"c\\d\n', 'utf8'), 0xff];
    const info = decodeDecoration(escapeBytes(bytes));
    expect(info).toMatchObject({ kind: 'path', path: '/tmp/a<b>"c\\d\n\uFFFD', invalidUtf8: true });
  });
});

describe('parseBpftraceLog', () => {
  const log = parseBpftraceLog(LOG);

  it('orders records by their stamps, whatever CPU printed them', () => {
    const stamps = log.records.map((r) => r.ts);
    expect([...stamps].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))).toEqual(stamps);
    expect(log.records[0]).toMatchObject({ k: 'exec', tid: 100, filename: { text: '/bin/sh' }, argv0: { text: 'sh' } });
  });

  it('assembles paths leaf first, the root included, and joins string chunks', () => {
    const calls = log.records.filter((r) => r.k === 'call');
    expect(calls.map((c) => (c.k === 'call' ? c.path1?.text : ''))).toEqual([
      '/usr/lib/libc.so.6',
      '/',
      '/work/a\nb',
      '/work',
      undefined,
      undefined,
      undefined,
    ]);
    const stat = calls.find((c) => c.k === 'call' && c.nr === 4);
    expect(stat && stat.k === 'call' ? stat.str1?.text : '').toBe('/etc/passwd');
  });

  it('reads the maps, the clock, and warns about lost events and lines it does not know', () => {
    expect(log.ended).toBe(true);
    expect(log.clock).toEqual({ epochMicros: 1795940000500000n, ns: 1000000000n });
    expect(log.calls).toContainEqual({ abi: 'i386', nr: 20, count: 2 });
    expect(log.fails).toContainEqual({ abi: 'x86_64', nr: 257, count: 4 });
    expect(log.argFacts).toContainEqual({ nr: 41, values: [10n, 1n, 6n], ok: true, count: 1 });
    expect(log.warnings.join('\n')).toMatch(/1 line not understood \(first at line \d+: what is this\)/);
    expect(log.warnings.join('\n')).toMatch(/lost 2 events/);
  });
});

describe('recordingFromBpftrace', () => {
  const rec = recordingFromBpftrace(LOG, meta);

  it('counts from the maps, per ABI, with failures', () => {
    expect(rec.tracer).toEqual({ name: 'bpftrace', version: '0.17.0' });
    expect(rec.syscalls.x86_64?.openat).toEqual({ count: 7, failed: 4 });
    expect(rec.syscalls.i386).toEqual({ exit: { count: 1, failed: 0 }, getpid: { count: 2, failed: 0 } });
    expect(rec.warnings.join('\n')).toMatch(/32-bit calls \(i386\/x32\) were counted/);
  });

  it('turns the records into files, executables, network and the end of the root process', () => {
    expect(rec.files['/usr/lib/libc.so.6']?.access).toEqual(['read']);
    expect(rec.files['/work/a\nb']?.access).toEqual(['write', 'create']);
    expect(rec.files['/']?.access).toEqual(['dir-list']);
    expect(rec.files['/work/old']?.access).toEqual(['rename']);
    expect(rec.files['/work/new']?.access).toEqual(['write', 'create']);
    expect(rec.files['/etc/passwd']?.access).toEqual(['stat']);
    expect(rec.executables).toEqual([{ path: '/bin/sh', argv0: 'sh', parent: '' }]);
    expect(rec.network.bind).toEqual([{ family: 'AF_INET', address: '127.0.0.1', port: 8080 }]);
    expect(rec.network.listen).toEqual([{ family: 'AF_INET', address: '127.0.0.1', port: 8080 }]);
    expect(rec.network.connect).toEqual([{ family: 'AF_INET6', address: '::1', port: 443 }]);
    expect(rec.network.sockets).toEqual([
      { family: 'AF_INET', type: 'SOCK_DGRAM', protocol: 'IPPROTO_IP' },
      { family: 'AF_INET6', type: 'SOCK_STREAM', protocol: 'IPPROTO_TCP' },
    ]);
    expect(rec.syscalls.x86_64?.socket?.args).toEqual({
      domain: ['AF_INET', 'AF_INET6'],
      protocol: ['IPPROTO_IP', 'IPPROTO_TCP'],
      type: ['SOCK_DGRAM', 'SOCK_STREAM'],
    });
    expect(rec.syscalls.x86_64?.clone?.args).toEqual({ flags: ['CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID'] });
    expect(rec.termination).toEqual({ kind: 'exit', code: 3 });
    expect(rec.startedAt).toBe('2026-11-29T08:13:20.500Z');
    expect(rec.endedAt).toBe('2026-11-29T08:13:20.501Z');
  });

  it('is a valid recording, and the same log always gives the same bytes', () => {
    expect(() => parseRecording(JSON.parse(serializeRecording(rec)), 'unit')).not.toThrow();
    expect(serializeRecording(recordingFromBpftrace(LOG, meta))).toBe(serializeRecording(rec));
  });

  it('reads a real log of the busybox web container (crun) as the strace recording has it', () => {
    const text = fs.readFileSync(new URL('../fixtures/bpftrace/busybox-crun.log', import.meta.url), 'utf8');
    const r = recordingFromBpftrace(text, { ...meta, initialCwd: '/' });
    expect(r.termination).toEqual({ kind: 'exit', code: 0 });
    expect(r.executables.map((e) => e.argv0).sort()).toEqual(['/bin/sh', 'cat', 'httpd', 'nc', 'tail']);
    expect(r.files['/tmp/index.html']?.access).toEqual(expect.arrayContaining(['read', 'create']));
    expect(r.files['/tmp/page.txt']?.access).toEqual(expect.arrayContaining(['create', 'write', 'rename']));
    expect(r.network.sockets).toContainEqual({ family: 'AF_INET', type: 'SOCK_STREAM', protocol: 'IPPROTO_IP' });
    expect(r.network.bind.map((b) => b.port)).toContain(8080);
    for (const s of ['pivot_root', 'mount', 'seccomp', 'unshare']) expect(r.syscalls.x86_64?.[s]).toBeUndefined();
  });
});

describe('an attach log (record --pid/--container)', () => {
  // Recording starts at A; tracewall's own P lines (threads already running) and B lines (calls they sit in) carry A's
  // stamp. Process 200 runs as 65534 with a second thread 201; 300, a child of the tree, execs cat.
  const ATTACH = [
    BPFTRACE_LOG_HEADER,
    'T 1795940000.500000 1000000000',
    'READY',
    'A 1000200000 200',
    'P 1000200000 200 200 65534 65534 /usr/sbin/ngin\\x0ax',
    'P 1000200000 201 200 65534 65534 /usr/sbin/ngin\\x0ax',
    'P 1000200000 300 300 0 0 /bin/sh',
    'B 1000200000 201 232',
    'S 1000300000 300 1 /bin/cat',
    'S 1000300000 300 2 cat\\x00',
    'XE 1000300000 300 59 0',
    'XS 1000300100 300 300',
    'END',
    '@calls[0, 59]: 1',
    '@calls[0, 232]: 4',
    '',
  ].join('\n');

  it('gives the running processes their executables and users, counts the calls they sat in, and says it attached', () => {
    const rec = recordingFromBpftrace(ATTACH, { ...meta, initialUid: 0 });
    expect(rec.executables).toEqual([{ path: '/bin/cat', argv0: 'cat', parent: '/bin/sh' }]);
    expect(rec.identity.uids).toEqual([0, 65534]);
    expect(rec.syscalls.x86_64?.epoll_wait?.count).toBe(5);
    expect(rec.warnings.join('\n')).toMatch(
      /attached to processes that were already running: .* merge it with a recording of their start/,
    );
    // the same text, the same bytes
    expect(serializeRecording(recordingFromBpftrace(ATTACH, meta))).toBe(serializeRecording(rec));
    const log = parseBpftraceLog(ATTACH);
    expect(log.records.find((r) => r.k === 'running' && r.tid === 201)).toMatchObject({
      tgid: 200,
      euid: 65534,
      exe: { text: '/usr/sbin/ngin\nx' },
    });
  });
});
