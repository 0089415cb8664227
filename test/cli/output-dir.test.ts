// Issue 13 item 5, through bin/tracewall: `generate -o DIR` and `check --update --profiles DIR` create a missing DIR
// (and its parents); an existing regular file is refused with "-o takes a directory", before anything is written.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cli, NOT_BUILT, ROOT, scratchDirs } from './helpers.js';

const { scratch, removeAll } = scratchDirs();
afterAll(removeAll);
const REC = path.join(ROOT, 'examples', 'nginx.recording.json');

describe.skipIf(NOT_BUILT)('output directories', () => {
  it('generate -o creates a missing directory and its parents', () => {
    const out = path.join(scratch('gen'), 'a', 'b');
    const r = cli(['generate', '-o', out, REC]);
    expect(r.status, r.stderr).toBe(0);
    expect(fs.readdirSync(out).sort()).toEqual(['nginx.apparmor', 'nginx.k8s.yaml', 'nginx.seccomp.json']);
  });

  it('generate -o FILE: "-o takes a directory", exit 2, the file untouched', () => {
    const file = path.join(scratch('file'), 'profiles');
    fs.writeFileSync(file, 'keep');
    const r = cli(['generate', '-o', file, REC]);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`tracewall: -o takes a directory: ${file} is a regular file\n`);
    expect(fs.readFileSync(file, 'utf8')).toBe('keep');
  });

  it('generate -o under a regular file: exit 2 naming the directory and ENOTDIR', () => {
    const file = path.join(scratch('under'), 'f');
    fs.writeFileSync(file, '');
    const r = cli(['generate', '-o', path.join(file, 'x'), REC]);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(
      `tracewall: -o ${path.join(file, 'x')}: cannot create the directory: ENOTDIR (not a directory)\n`,
    );
  });

  it('a recording that cannot be read leaves no directory behind', () => {
    const out = path.join(scratch('none'), 'new');
    expect(cli(['generate', '-o', out, path.join(ROOT, 'no-such.recording.json')]).status).toBe(2);
    expect(fs.existsSync(out)).toBe(false);
  });

  it('check --update creates --profiles; --profiles FILE is refused', () => {
    const dir = path.join(scratch('check'), 'p', 'q');
    expect(cli(['check', '--profiles', dir, '--update', REC]).status).toBe(0);
    expect(fs.readdirSync(dir)).toHaveLength(3);
    expect(cli(['check', '--profiles', dir, REC]).status).toBe(0);
    const file = path.join(dir, 'nginx.apparmor');
    const r = cli(['check', '--profiles', file, REC]);
    expect(r.status).toBe(2);
    expect(r.stderr).toBe(`tracewall: --profiles takes a directory: ${file} is a regular file\n`);
  });
});
