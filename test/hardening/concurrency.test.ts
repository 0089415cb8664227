// Hardening 5: concurrency. 50 `tracewall record` runs of distinct small workloads, at most 8 at a time: every
// recording holds its own file and exit code and none of the others', every run exits with its workload's code,
// nothing is left in the temporary directory; the batch's time is printed (each run has its own timeout).
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readRecording } from '../../src/recording/io.js';
import {
  HAS_PROC,
  NO_DIST,
  pidsWithMarker,
  pool,
  rmrf,
  runCli,
  skipUnless,
  tempDir,
  tempLeftovers,
  uniqueMarker,
  which,
} from './helpers.js';

const RUNS = 50;
const LIMIT = 8;

const why = skipUnless(
  [!NO_DIST, NO_DIST ?? ''],
  [which('strace') !== undefined, 'strace is not installed (apt-get install strace)'],
  [HAS_PROC, 'needs Linux /proc'],
);

describe.skipIf(why)(`${RUNS} recordings in parallel (at most ${LIMIT} at a time)`, () => {
  let dir = '';
  let tmp = '';
  const marker = uniqueMarker();
  let results: Array<{ i: number; code: number | null; stderr: string; file: string; out: string }> = [];
  let elapsed = 0;

  beforeAll(async () => {
    dir = tempDir('concurrency');
    // A private TMPDIR for the runs: whatever tracewall leaves there is visible, unmixed with other tests' files.
    tmp = path.join(dir, 'tmp');
    fs.mkdirSync(tmp);
    fs.mkdirSync(path.join(dir, 'work'));
    const t0 = Date.now();
    results = await pool(
      Array.from({ length: RUNS }, (_, i) => i),
      LIMIT,
      async (i) => {
        const file = path.join(dir, 'work', `unique-${marker}-${String(i).padStart(2, '0')}`);
        const out = path.join(dir, `run-${i}.recording.json`);
        // Exit codes 1..50 (distinct, and each a failure that record must pass through).
        const r = await runCli(
          [
            'record',
            '-o',
            out,
            '--name',
            `run-${i}`,
            '--',
            '/bin/sh',
            '-c',
            `echo ${i} > "$1"; exit ${i + 1}`,
            'sh',
            file,
          ],
          {
            env: { TMPDIR: tmp },
            timeoutMs: 120_000,
          },
        );
        return { i, code: r.code, stderr: r.stderr, file, out };
      },
    );
    elapsed = Date.now() - t0;
  }, 180_000);

  afterAll(() => {
    // Reported, not asserted: timings are for bench/, and the pool's own timeouts bound a hang.
    console.log(`${RUNS} recordings, ${LIMIT} at a time: ${elapsed} ms`);
    rmrf(dir);
  });

  it("every run exits with its own workload's code and writes its own recording", () => {
    for (const r of results) {
      expect(r.code, `run ${r.i}: ${r.stderr}`).toBe(r.i + 1);
      expect(fs.existsSync(r.out), `run ${r.i}`).toBe(true);
      expect(fs.readFileSync(r.file, 'utf8')).toBe(`${r.i}\n`);
    }
  });

  it('each recording holds its own file, exit code, name and argv, and nothing of the other runs', () => {
    for (const r of results) {
      const rec = readRecording(r.out);
      expect(rec.name).toBe(`run-${r.i}`);
      expect(rec.termination).toEqual({ kind: 'exit', code: r.i + 1 });
      expect(rec.target).toMatchObject({
        kind: 'command',
        argv: ['/bin/sh', '-c', expect.stringContaining(`exit ${r.i + 1}`), 'sh', r.file],
      });
      expect(rec.files[r.file]?.access).toEqual(expect.arrayContaining(['write', 'create']));
      const others = Object.keys(rec.files).filter((f) => f.includes(`unique-${marker}-`) && f !== r.file);
      expect(others, `run ${r.i}`).toEqual([]);
      expect(JSON.stringify(rec).split(`unique-${marker}-`).length - 1, `run ${r.i} mentions another run`).toBe(
        JSON.stringify(rec).split(path.basename(r.file)).length - 1,
      );
      expect(rec.warnings, `run ${r.i}`).toEqual([]);
    }
  });

  it('leaves no temporary directory or file behind, and no process', () => {
    expect(fs.readdirSync(tmp)).toEqual([]);
    expect(tempLeftovers(dir)).toEqual([]);
    expect(pidsWithMarker(marker)).toEqual([]);
  });
});
