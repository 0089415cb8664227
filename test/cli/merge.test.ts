// Issue 13 item 8, through bin/tracewall: merge writes NAME.recording.json by default (never over an input), tells
// runs of one name apart by their files, and the profiles of a merge do not depend on the order of its inputs.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { serializeRecording } from '../../src/recording/io.js';
import type { Recording } from '../../src/recording/types.js';
import { batchPath, servePath } from '../unit/merge-helpers.js';
import { cli, NOT_BUILT, scratchDirs } from './helpers.js';

const { scratch, removeAll } = scratchDirs();
afterAll(removeAll);

function write(dir: string, file: string, r: Recording): string {
  const p = path.join(dir, file);
  fs.writeFileSync(p, serializeRecording(r));
  return p;
}

function runNames(file: string): string[] {
  return (JSON.parse(fs.readFileSync(file, 'utf8')) as Recording).provenance!.sources.map((s) => s.name);
}

describe.skipIf(NOT_BUILT)('merge', () => {
  it('without -o writes NAME.recording.json in the current directory', () => {
    const dir = scratch('default');
    write(dir, 'serve.json', servePath());
    write(dir, 'batch.json', batchPath());
    const named = cli(['merge', '--name', 'app', 'serve.json', 'batch.json'], { cwd: dir });
    expect(named.status, named.stderr).toBe(0);
    expect(named.stderr).toContain('tracewall: wrote app.recording.json\n');
    expect(runNames(path.join(dir, 'app.recording.json'))).toEqual(['serve', 'batch']);
    // No --name: the first input's name.
    expect(cli(['merge', 'batch.json', 'serve.json'], { cwd: dir }).stderr).toContain('wrote batch.recording.json');
  });

  it('keeps what it spills in a temporary directory of its own, removed when it ends, written or not', () => {
    const dir = scratch('spill');
    const tmp = scratch('spill-tmp');
    write(dir, 'serve.json', servePath());
    write(dir, 'batch.json', batchPath());
    const ok = cli(['merge', '-o', 'app.recording.json', 'serve.json', 'batch.json'], {
      cwd: dir,
      env: { TMPDIR: tmp },
    });
    expect(ok.status, ok.stderr).toBe(0);
    expect(fs.readdirSync(tmp)).toEqual([]);
    const failed = cli(['merge', '-o', 'no/such/dir/app.json', 'serve.json', 'batch.json'], {
      cwd: dir,
      env: { TMPDIR: tmp },
    });
    expect(failed.status).toBe(2);
    expect(fs.readdirSync(tmp)).toEqual([]);
  });

  it('never writes its default over one of its inputs', () => {
    const dir = scratch('over');
    write(dir, 'serve.recording.json', servePath());
    write(dir, 'batch.json', batchPath());
    const before = fs.readFileSync(path.join(dir, 'serve.recording.json'), 'utf8');
    const r = cli(['merge', 'serve.recording.json', 'batch.json'], { cwd: dir });
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(
      'tracewall: merge would write serve.recording.json (the default, NAME.recording.json), which is one of its inputs; pass -o FILE (or --name NAME) to write elsewhere\n',
    );
    expect(fs.readFileSync(path.join(dir, 'serve.recording.json'), 'utf8')).toBe(before);
  });

  it('runs of one name are told apart by file name, also inside a merged input, whatever the order', () => {
    const dir = scratch('names');
    const a = write(dir, 'a.json', servePath('app'));
    const b = write(dir, 'b.json', batchPath('app'));
    const c = write(dir, 'c.json', batchPath('other'));
    const ab = cli(['merge', '-o', path.join(dir, 'ab.json'), a, b]);
    expect(ab.status, ab.stderr).toBe(0);
    expect(ab.stderr).toContain(`tracewall: 2 runs are named "app": told apart as app.a (${a}), app.b (${b})\n`);
    const ba = cli(['merge', '-o', path.join(dir, 'ba.json'), b, a]);
    expect(runNames(path.join(dir, 'ba.json'))).toEqual(['app.b', 'app.a']);
    expect(ba.stderr).toContain('told apart as app.a');
    // A merged input holding "app.a" and "app.b", merged with another run of one of those names.
    const again = write(dir, 'again.json', servePath('app.a'));
    const m = cli(['merge', '-o', path.join(dir, 'm.json'), path.join(dir, 'ab.json'), again, c]);
    expect(m.status, m.stderr).toBe(0);
    expect(runNames(path.join(dir, 'm.json'))).toEqual(['app.a.ab', 'app.b', 'app.a.again', 'other']);
    // The merged recording is a valid recording: generate takes it.
    expect(cli(['generate', '-o', path.join(dir, 'p'), path.join(dir, 'm.json')]).status).toBe(0);
  });

  it('reordering the inputs: the profiles are byte for byte the same, and check reports no drift', () => {
    const dir = scratch('order');
    const a = write(dir, 'serve.json', servePath());
    const b = write(dir, 'batch.json', batchPath());
    const c = write(dir, 'third.json', servePath('third'));
    const m1 = path.join(dir, 'one', 'ci.recording.json');
    const m2 = path.join(dir, 'two', 'ci.recording.json');
    fs.mkdirSync(path.dirname(m1));
    fs.mkdirSync(path.dirname(m2));
    expect(cli(['merge', '-o', m1, a, b, c]).status).toBe(0);
    expect(cli(['merge', '-o', m2, c, b, a]).status).toBe(0);
    const p1 = path.join(dir, 'p1');
    const p2 = path.join(dir, 'p2');
    expect(cli(['generate', '-o', p1, m1]).status).toBe(0);
    expect(cli(['generate', '-o', p2, m2]).status).toBe(0);
    for (const f of fs.readdirSync(p1))
      expect(fs.readFileSync(path.join(p2, f), 'utf8'), f).toBe(fs.readFileSync(path.join(p1, f), 'utf8'));
    const check = cli(['check', '--profiles', p1, m2]);
    expect(check.status, check.stdout).toBe(0);
    expect(check.stdout).toContain('up to date: 3 same');
    // generate with the recordings in another order, too.
    const p3 = path.join(dir, 'p3');
    expect(cli(['generate', '--name', 'ci', '-o', p3, b, c, a]).status).toBe(0);
    for (const f of fs.readdirSync(p1))
      expect(fs.readFileSync(path.join(p3, f), 'utf8'), f).toBe(fs.readFileSync(path.join(p1, f), 'utf8'));
  });
});
