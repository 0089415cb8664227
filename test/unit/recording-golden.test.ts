// Golden Recordings: every committed tracer log (strace, bpftrace and ebpf fixtures) turned into a Recording, and that
// Recording rendered into all three profiles, byte for byte. The core's safety net: a change to parsing, the operation
// model, the builder or a renderer that changes any output shows here, with the file that changed.
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'vitest';
import { recordingFromStrace, type StraceMeta } from '../../src/analyze/from-strace.js';
import { recordingFromBpftrace } from '../../src/analyze/from-bpftrace.js';
import { recordingFromEbpf } from '../../src/analyze/from-ebpf.js';
import { serializeRecording } from '../../src/recording/io.js';
import type { Recording } from '../../src/recording/types.js';
import { renderProfiles } from '../../src/cli/profiles.js';
import { expectGolden } from './render-helpers.js';

const fixtures = path.join(import.meta.dirname, '..', 'fixtures');
const THIS = 'test/unit/recording-golden.test.ts';

const meta: StraceMeta = {
  name: 'fixture',
  toolVersion: '0.1.0',
  tracerVersion: '6.1',
  kernel: '6.18',
  target: { kind: 'log', file: 'x.log' },
  initialCwd: '/tmp/tracewall-fixture',
  initialUid: 0,
  initialGid: 0,
};

/** What a fixture needs besides the common meta (the container logs start at their entrypoint). */
const EXTRA: Record<string, Partial<StraceMeta>> = {
  'strace/pidns': {
    startAt: {
      argv: ['/usr/bin/busybox', 'sh', '-c', "cd /tmp/tracewall-fixture; /usr/bin/busybox sh -c 'echo $$' ; exit 4"],
    },
    initialCwd: '/',
  },
  'bpftrace/busybox-crun': { initialCwd: '/' },
};

type FixtureTracer = 'strace' | 'bpftrace' | 'ebpf';

function logs(tracer: FixtureTracer): string[] {
  return fs
    .readdirSync(path.join(fixtures, tracer))
    .filter((f) => f.endsWith('.log'))
    .map((f) => f.slice(0, -4))
    .sort();
}

function build(tracer: FixtureTracer, name: string): Recording {
  const text = fs.readFileSync(path.join(fixtures, tracer, `${name}.log`), 'utf8');
  const m = { ...meta, ...EXTRA[`${tracer}/${name}`] };
  if (tracer === 'strace') return recordingFromStrace(text, m);
  const { startAt: _s, ...rest } = m;
  if (tracer === 'ebpf') return recordingFromEbpf(text, { ...rest, tracerVersion: 'libbpf-v1.1' });
  return recordingFromBpftrace(text, { ...rest, tracerVersion: '0.17.0' });
}

for (const tracer of ['strace', 'bpftrace', 'ebpf'] as const) {
  describe(`${tracer} fixture logs → golden recordings and profiles`, () => {
    for (const name of logs(tracer)) {
      it(name, () => {
        const rec = build(tracer, name);
        const base = `recordings/${tracer}-${name}`;
        expectGolden(`${base}.recording.json`, serializeRecording(rec), THIS);
        const { files } = renderProfiles([rec], {
          format: 'docker',
          defaultAction: 'errno',
          apparmorAnnotation: false,
          runtime: name === 'pidns' || name === 'busybox-crun' ? 'crun' : 'none',
        });
        for (const f of files) expectGolden(`${base}.${f.file.replace(/^fixture\./, '')}`, f.data, THIS);
      });
    }
  });
}
