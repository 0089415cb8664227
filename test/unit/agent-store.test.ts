// The agent's store (real recordings of bench/merge-base/): each recording written under DIR/NAMESPACE/WORKLOAD/CONTAINER/, the workload's merged recording
// kept equal to the merge of its runs, later recordings of one pod numbered, a broken merged file set aside, and the
// merge compacted into one run at --max-merged-runs.
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RecordingStore } from '../../src/agent/store.js';
import { mergeRecordings } from '../../src/analyze/merge.js';
import { readRecording } from '../../src/recording/io.js';
import type { Recording } from '../../src/recording/types.js';
import { fromRoot } from '../../src/util/paths.js';
import { makeTemp, rmTemp } from '../helpers/bundles.js';

const fixture = (name: string): Recording => readRecording(fromRoot('bench', 'merge-base', `${name}.recording.json`));
const key = { namespace: 'staging', workload: 'web', container: 'main' };

describe('RecordingStore', () => {
  let dir: string;
  let said: string[];
  beforeEach(() => {
    dir = makeTemp('tracewall-agent-store-');
    said = [];
  });
  afterEach(() => rmTemp(dir));

  it('writes each recording at its path, renamed after its pod, and keeps the merge equal to merging them all', async () => {
    const store = new RecordingStore(dir, (l) => said.push(l));
    const runs = ['find-du', 'log-rotate', 'nc-echo'].map(fixture);
    for (const [i, r] of runs.entries()) await store.store(key, `web-abc12-pod${i}`, r, 'test');
    const main = path.join(dir, 'staging', 'web', 'main');
    expect(fs.readdirSync(main).sort()).toEqual([
      'web-abc12-pod0.recording.json',
      'web-abc12-pod1.recording.json',
      'web-abc12-pod2.recording.json',
    ]);
    const written = [0, 1, 2].map((i) => readRecording(path.join(main, `web-abc12-pod${i}.recording.json`)));
    expect(written.map((r) => r.name)).toEqual([0, 1, 2].map((i) => `staging-web-abc12-pod${i}-main`));
    const merged = readRecording(path.join(dir, 'staging', 'web', 'main.merged.recording.json'));
    const all = mergeRecordings(
      written.map((r, i) => ({ recording: r, label: String(i) })),
      { name: 'staging-web-main', toolVersion: 'test' },
    );
    expect(merged).toEqual(all);
    expect(store.counts).toMatchObject({ recordingsWritten: 3, mergesWritten: 3, failures: 0 });
    expect(said).toEqual([]);
  });

  it("numbers a pod's later recordings (a restart, a segment, a restarted agent): POD.2, POD.3", async () => {
    const store = new RecordingStore(dir, (l) => said.push(l));
    for (const r of ['find-du', 'log-rotate', 'nc-echo']) await store.store(key, 'db-0', fixture(r), 'test');
    // a second agent on the same directory goes on numbering
    await new RecordingStore(dir, (l) => said.push(l)).store(key, 'db-0', fixture('sha-check'), 'test');
    const main = path.join(dir, 'staging', 'web', 'main');
    expect(fs.readdirSync(main).sort()).toEqual([
      'db-0.2.recording.json',
      'db-0.3.recording.json',
      'db-0.4.recording.json',
      'db-0.recording.json',
    ]);
    const merged = readRecording(path.join(dir, 'staging', 'web', 'main.merged.recording.json'));
    expect(merged.provenance!.sources.map((s) => s.name)).toEqual([
      'staging-db-0-main',
      'staging-db-0-main-2',
      'staging-db-0-main-3',
      'staging-db-0-main-4',
    ]);
  });

  it('sets a merged file it cannot read aside, says so, and starts the merge again', async () => {
    const store = new RecordingStore(dir, (l) => said.push(l));
    const mergedPath = path.join(dir, 'staging', 'web', 'main.merged.recording.json');
    fs.mkdirSync(path.dirname(mergedPath), { recursive: true });
    fs.writeFileSync(mergedPath, '{"schemaVersion": 1, "truncated');
    await store.store(key, 'web-0', fixture('find-du'), 'test');
    expect(readRecording(mergedPath).provenance!.sources.map((s) => s.name)).toEqual(['staging-web-0-main']);
    expect(said.join('\n')).toMatch(
      /main\.merged\.recording\.json.*; moved it to .*\.unreadable-\d+ and started staging\/web\/main's merge again/,
    );
    expect(
      fs.readdirSync(path.dirname(mergedPath)).some((f) => /^main\.merged\.recording\.json\.unreadable-/.test(f)),
    ).toBe(true);
  });

  it('compacts the merge into one run at maxRuns, keeping every fact', async () => {
    const store = new RecordingStore(dir, (l) => said.push(l), 2);
    const names = ['find-du', 'log-rotate', 'nc-echo', 'sha-check', 'tar-backup'];
    for (const [i, n] of names.entries()) await store.store(key, `web-${i}`, fixture(n), 'test');
    const merged = readRecording(path.join(dir, 'staging', 'web', 'main.merged.recording.json'));
    const sources = merged.provenance!.sources.map((s) => s.name);
    // from the third on, the two runs before each new one are compacted into one: always 2 runs
    expect(sources).toHaveLength(2);
    expect(sources[0]).toMatch(/^staging-web-main-until-\d{14}$/);
    expect(sources[1]).toBe('staging-web-4-main');
    expect(said.filter((l) => /held 2 runs \(--max-merged-runs\): compacted them into one run/.test(l))).toHaveLength(
      3,
    );
    const all = mergeRecordings(
      names.map((n, i) => ({ recording: { ...fixture(n), name: `r${i}` }, label: n })),
      { name: 'x', toolVersion: 'test' },
    );
    expect(Object.keys(merged.files).sort()).toEqual(Object.keys(all.files).sort());
    expect(merged.syscalls).toEqual(all.syscalls);
    expect(merged.warnings.join('\n')).toMatch(/the agent compacted 2 runs \(.* to .*\) into this one run/);
  });
});
