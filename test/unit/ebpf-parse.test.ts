// The ebpf loader's stream: bpftrace's line grammar behind its own header, with the kernel's loss counters at the end;
// losses become the Recording's `lost` section, a warning, and a warning from generate.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { EBPF_LOG_HEADER, lostWarnings, parseEbpfLog } from '../../src/parse/ebpf.js';
import { recordingFromEbpf } from '../../src/analyze/from-ebpf.js';
import { recordingFromLog } from '../../src/record/from-log.js';
import { lostNotes } from '../../src/cli/generate.js';
import { loaderArgs, ringbufFromEnv } from '../../src/trace/ebpf.js';
import { parseRecording, serializeRecording } from '../../src/recording/io.js';

const meta = {
  name: 'unit',
  toolVersion: '0.1.0',
  tracerVersion: 'libbpf-v1.1',
  kernel: '6.18',
  target: { kind: 'command' as const, argv: ['x'], cwd: '/w' },
  initialCwd: '/w',
  initialUid: 0,
  initialGid: 0,
};

const LOG = [
  EBPF_LOG_HEADER,
  '# tracewall: tracer ebpf libbpf-v1.1',
  'T 1796275635.835127 1000',
  'READY',
  'S 2000 10 1 /bin/true',
  'S 2000 10 2 true\\x00',
  'XE 2000 10 59 0',
  'A 3000 10',
  'XS 3000 10 10',
  'N 4000 7 hostname',
  'N 4000 7 etc',
  'NE 4000 7',
  'R 4000 10 257 3 0 0 0 0 7 0 0',
  'Q 5000 10 10 0 1',
  'END',
  '@calls[0, 59]: 1',
  '@calls[0, 257]: 1',
  '@calls[1, 20]: 2',
  'LOST ringbuf 3',
  'LOST tasks 0',
  'LOST strings 1',
  'LOST paths 0',
  '',
].join('\n');

describe('the ebpf log', () => {
  it('is the bpftrace grammar plus LOST counters, which become the lost section and warnings', () => {
    const p = parseEbpfLog(LOG);
    expect(p.lost).toEqual({ events: 3, processes: 0, strings: 1, paths: 0 });
    expect(p.log.ended).toBe(true);
    expect(p.log.warnings).toEqual([]);
    const rec = recordingFromEbpf(LOG, meta);
    expect(parseRecording(JSON.parse(serializeRecording(rec)), 'unit')).toEqual(rec);
    expect(rec.tracer).toEqual({ name: 'ebpf', version: 'libbpf-v1.1' });
    expect(rec.lost).toEqual({ events: 3, processes: 0, strings: 1, paths: 0 });
    expect(rec.files['/etc/hostname']?.access).toEqual(['read']);
    expect(rec.syscalls.i386?.getpid?.count).toBe(2);
    expect(rec.warnings.join('\n')).toMatch(/the ebpf tracer lost 3 events \(its ring buffer was full\)/);
    expect(rec.warnings.join('\n')).toMatch(/32-bit calls .* but the ebpf tracer reads no arguments/);
    expect(lostNotes([rec])).toEqual([
      'tracewall: warning: unit: the ebpf tracer counted 3 events lost, 1 string cut short while recording: the profile may be incomplete (record again with a larger ring buffer or a lighter load, or merge another run)',
    ]);
  });

  it('without LOST lines (a loader that died) has no lost section, and says the counts are missing', () => {
    const cut = LOG.slice(0, LOG.indexOf('END'));
    expect(parseEbpfLog(cut).lost).toBeNull();
    const rec = recordingFromEbpf(cut, meta);
    expect(rec.lost).toBeUndefined();
    expect(rec.warnings.join('\n')).toMatch(/ebpf stopped before printing its counts/);
    expect(lostWarnings(null)).toEqual([]);
    expect(lostNotes([rec])).toEqual([]);
  });

  it('is recognised by record --from-log', async () => {
    const file = path.join(import.meta.dirname, '..', 'fixtures', 'ebpf', 'threads.log');
    expect(fs.readFileSync(file, 'utf8').startsWith(EBPF_LOG_HEADER)).toBe(true);
    const rec = await recordingFromLog(file, { name: 'threads', toolVersion: '0.1.0', runtime: 'crun' });
    expect(rec.tracer).toEqual({ name: 'ebpf', version: 'libbpf-v1.1' });
    expect(rec.lost).toEqual({ events: 0, processes: 0, strings: 0, paths: 0 });
  });
});

describe("the ring buffer's size", () => {
  it('comes from TRACEWALL_EBPF_RINGBUF (bytes, K or M) and must be a power of two of at least 4 KiB', () => {
    expect(ringbufFromEnv({})).toBeUndefined();
    expect(ringbufFromEnv({ TRACEWALL_EBPF_RINGBUF: '64M' })).toBe(64 << 20);
    expect(ringbufFromEnv({ TRACEWALL_EBPF_RINGBUF: '4k' })).toBe(4096);
    expect(() => ringbufFromEnv({ TRACEWALL_EBPF_RINGBUF: 'lots' })).toThrow(/expected a size in bytes/);
    expect(loaderArgs(7, undefined, { ringbufBytes: 8192 })).toContain('8192');
    expect(() => loaderArgs(7, undefined, { ringbufBytes: 12288 })).toThrow(/not a power of two/);
  });
});
