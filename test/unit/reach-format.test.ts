// The three report formats of `reach` on one report (from real runs of busybox, nginx, a script and runc, trimmed, plus
// a hostile path), byte for byte; and the properties every format keeps.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { formatReach, REACH_FORMATS } from '../../src/reach/format.js';
import type { ReachReport } from '../../src/reach/types.js';
import { fromRoot } from '../../src/util/paths.js';
import { expectGolden } from './render-helpers.js';

const report = JSON.parse(fs.readFileSync(fromRoot('test', 'fixtures', 'reach', 'report.json'), 'utf8')) as ReachReport;
const EXT = { text: 'txt', markdown: 'md', json: 'json' } as const;

describe('reach report formats', () => {
  for (const format of REACH_FORMATS) {
    it(`${format} matches its golden file`, () => {
      expectGolden(`reach/report.${EXT[format]}`, formatReach(report, format), 'test/unit/reach-format.test.ts');
    });
  }

  it('json is the report itself, with a format name and version', () => {
    const parsed = JSON.parse(formatReach(report, 'json'));
    expect(parsed).toMatchObject({ format: 'tracewall-reach', formatVersion: 1 });
    expect(parsed.executables).toEqual(report.executables);
  });

  it('a path with control characters, pipes and backticks cannot break a line, a table or a code span', () => {
    const text = formatReach(report, 'text');
    expect(text).toContain('/opt/odd|`name`\\x0a<b>.sh');
    const md = formatReach(report, 'markdown');
    expect(md).toContain('``/opt/odd\\|`name`\\x0a<b>.sh``');
    expect(md).not.toContain('<b>.sh\n');
  });

  it('every syscall of the report is in every format, highest risk first in text', () => {
    const text = formatReach(report, 'text');
    const md = formatReach(report, 'markdown');
    for (const e of report.executables)
      for (const u of e.reachableNotObserved) {
        expect(text).toContain(`    ${u.syscall}: `);
        expect(md).toContain(`\`${u.syscall}\``);
      }
    expect(text.indexOf('critical (3)')).toBeLessThan(text.indexOf('high (2)'));
    expect(text.indexOf('high (2)')).toBeLessThan(text.indexOf('medium (1)'));
  });
});
