import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mergeCommand, nameFromOutput } from '../../src/cli/merge.js';
import { generateCommand } from '../../src/cli/generate.js';
import { readRecording } from '../../src/recording/io.js';
import { TracewallError } from '../../src/errors.js';
import { batchPath, servePath, tempDir, writeRec } from './merge-helpers.js';

let dir: string;
let cleanup: () => void;
beforeEach(() => ({ dir, cleanup } = tempDir()));
afterEach(() => cleanup());

async function exitOf(p: Promise<number>): Promise<{ code: number; message: string }> {
  try {
    return { code: await p, message: '' };
  } catch (err) {
    if (err instanceof TracewallError) return { code: err.exitCode, message: err.message };
    throw err;
  }
}

describe('tracewall merge', () => {
  it('writes the merged recording, named after the output file, and prints the coverage', async () => {
    const a = writeRec(dir, servePath());
    const b = writeRec(dir, batchPath());
    const out = path.join(dir, 'ci.recording.json');
    const cov = path.join(dir, 'coverage.json');
    let err = '';
    expect(await mergeCommand([a, b], { output: out, coverageJson: cov }, (t) => (err += t))).toBe(0);
    const m = readRecording(out);
    expect(m.name).toBe('ci');
    expect(m.provenance!.sources.map((s) => s.name)).toEqual(['serve', 'batch']);
    expect(err).toContain('tracewall: merged 2 runs (serve, batch) into ci');
    expect(err).toContain('  2. batch: needed');
    expect(err).toContain('tracewall: convergence cannot be judged from 2 runs: record at least 4 runs');
    expect(err).toContain('needed by only one of the 2 runs');
    expect(JSON.parse(fs.readFileSync(cov, 'utf8')).format).toBe('tracewall-coverage');
  });

  it('writes the same bytes twice, and --name overrides the file name', async () => {
    const a = writeRec(dir, servePath());
    const b = writeRec(dir, batchPath());
    const o1 = path.join(dir, 'one.json');
    const o2 = path.join(dir, 'two.json');
    await mergeCommand([a, b], { output: o1, name: 'same' }, () => {});
    await mergeCommand([a, b], { output: o2, name: 'same' }, () => {});
    expect(fs.readFileSync(o1, 'utf8')).toBe(fs.readFileSync(o2, 'utf8'));
  });

  it('merges a merged recording again, keeping the original runs', async () => {
    const a = writeRec(dir, servePath());
    const b = writeRec(dir, batchPath());
    const first = path.join(dir, 'first.json');
    await mergeCommand([a], { output: first }, () => {});
    const again = path.join(dir, 'again.json');
    await mergeCommand([first, b], { output: again }, () => {});
    expect(readRecording(again).provenance!.sources.map((s) => s.name)).toEqual(['serve', 'batch']);
  });

  it('tells two runs of the same name apart by their files, whatever their order; refuses a file given twice', async () => {
    const a = writeRec(dir, servePath('run'), 'a.json');
    const b = writeRec(dir, batchPath('run'), 'b.json');
    let err = '';
    expect(await mergeCommand([b, a], { output: path.join(dir, 'm.json') }, (t) => (err += t))).toBe(0);
    expect(readRecording(path.join(dir, 'm.json')).provenance!.sources.map((s) => s.name)).toEqual(['run.b', 'run.a']);
    expect(err).toContain(`tracewall: 2 runs are named "run": told apart as run.a (${a}), run.b (${b})\n`);
    const r = await exitOf(mergeCommand([a, a], { output: path.join(dir, 'n.json') }, () => {}));
    expect(r.code).toBe(2);
    expect(r.message).toBe(`${a}: given twice (as ${a} and ${a}); each run is merged once`);
    expect(fs.existsSync(path.join(dir, 'n.json'))).toBe(false);
  });

  it('refuses unreadable recordings and a bad --name with exit 2', async () => {
    fs.writeFileSync(path.join(dir, 'bad.json'), '{"schemaVersion": 2, "tracer": {}}');
    expect(
      (await exitOf(mergeCommand([path.join(dir, 'bad.json')], { output: path.join(dir, 'm.json') }, () => {}))).code,
    ).toBe(2);
    expect(
      (await exitOf(mergeCommand([path.join(dir, 'missing.json')], { output: path.join(dir, 'm.json') }, () => {})))
        .code,
    ).toBe(2);
    const a = writeRec(dir, servePath());
    expect(
      (await exitOf(mergeCommand([a], { output: path.join(dir, 'm.json'), name: 'no/slash' }, () => {}))).message,
    ).toContain('--name "no/slash"');
  });

  it('derives names from output files', () => {
    expect(nameFromOutput('out/ci.recording.json')).toBe('ci');
    expect(nameFromOutput('nightly.json')).toBe('nightly');
    expect(nameFromOutput('weird name!.json')).toBe('weird-name-');
  });
});

describe('tracewall generate with several recordings', () => {
  const gen = { format: 'docker', defaultAction: 'errno', name: 'app' };

  it('merges them the same way as merge does, and prints their coverage', async () => {
    const a = writeRec(dir, servePath());
    const b = writeRec(dir, batchPath());
    const merged = path.join(dir, 'm.json');
    await mergeCommand([a, b], { output: merged }, () => {});
    const fromRuns = path.join(dir, 'runs');
    const fromMerge = path.join(dir, 'merge');
    fs.mkdirSync(fromRuns);
    fs.mkdirSync(fromMerge);
    let err = '';
    const cov = path.join(dir, 'cov.json');
    expect(await generateCommand([a, b], { ...gen, output: fromRuns, coverageJson: cov }, (t) => (err += t))).toBe(0);
    expect(err).toContain('coverage of 2 runs, in the order given:');
    expect(JSON.parse(fs.readFileSync(cov, 'utf8')).runs.map((r: { name: string }) => r.name)).toEqual([
      'serve',
      'batch',
    ]);
    expect(await generateCommand([merged], { ...gen, output: fromMerge }, () => {})).toBe(0);
    for (const f of ['app.seccomp.json', 'app.apparmor', 'app.k8s.yaml']) {
      expect(fs.readFileSync(path.join(fromMerge, f), 'utf8')).toBe(fs.readFileSync(path.join(fromRuns, f), 'utf8'));
    }
  });

  it('prints no coverage for a single run', async () => {
    const a = writeRec(dir, servePath());
    let err = '';
    await generateCommand([a], { ...gen, output: dir }, (t) => (err += t));
    expect(err).not.toContain('coverage of');
    expect(err).toContain('tracewall: wrote');
  });
});
