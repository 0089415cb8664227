import { describe, expect, it } from 'vitest';
import { mergeRecordings } from '../../src/analyze/merge.js';
import { buildPolicy } from '../../src/analyze/policy.js';
import { patternText } from '../../src/analyze/pattern.js';
import { renderProfiles, impliedRuntime } from '../../src/cli/profiles.js';
import type { Recording } from '../../src/recording/types.js';
import { loadRecording } from './render-helpers.js';
import { batchPath, healthPath, servePath } from './merge-helpers.js';

const merge = (name: string, ...rs: Recording[]) =>
  mergeRecordings(
    rs.map((r) => ({ recording: r, label: r.name })),
    { name, toolVersion: '0.1.0' },
  );
const opts = { name: 'app', runtime: 'none' as const };

describe('buildPolicy with merged recordings', () => {
  it('attributes rules to the original runs, not to the merged recording', () => {
    const p = buildPolicy([merge('ci', servePath(), batchPath())], opts);
    expect(p.sources).toEqual(['serve', 'batch']);
    expect(p.syscalls.x86_64!.read!.provenance).toEqual({ recordings: ['batch', 'serve'], count: 15 });
    expect(p.syscalls.x86_64!.mkdir!.provenance).toEqual({ recordings: ['batch'], count: 1 });
    expect(p.capabilities.map((c) => [c.name, c.provenance.recordings])).toEqual([['CAP_NET_BIND_SERVICE', ['serve']]]);
    expect(p.files.find((f) => patternText(f.pattern) === '/etc/hosts')!.provenance).toEqual({
      recordings: ['batch', 'serve'],
      count: 2,
    });
  });

  it('gives the same policy as the runs themselves', () => {
    const runs = [servePath(), batchPath(), healthPath()];
    expect(JSON.stringify(buildPolicy([merge('ci', ...runs)], opts))).toBe(JSON.stringify(buildPolicy(runs, opts)));
    expect(JSON.stringify(buildPolicy([merge('x', servePath(), batchPath()), healthPath()], opts))).toBe(
      JSON.stringify(buildPolicy(runs, opts)),
    );
  });

  it('renders the same profile bytes from a merged recording as from its runs', () => {
    const a = loadRecording('busybox-httpd');
    const b = structuredClone(a);
    b.name = 'second';
    b.syscalls.x86_64!.mkdir = { count: 1, failed: 0 };
    b.files['/data/out'] = { access: ['create', 'write'] };
    const settings = {
      name: 'web',
      format: 'docker' as const,
      defaultAction: 'errno' as const,
      apparmorAnnotation: false,
    };
    const fromRuns = renderProfiles([a, b], settings);
    const fromMerge = renderProfiles([merge('web', a, b)], settings);
    expect(fromMerge.files).toEqual(fromRuns.files);
    expect(fromMerge.runtime).toBe('runc');
  });

  it('takes the runtime layer from the runs of a merged recording', () => {
    const bundle = loadRecording('busybox-httpd');
    expect(impliedRuntime([merge('m', bundle)])).toBe('runc');
    expect(impliedRuntime([merge('m', bundle, servePath())])).toBe('none');
  });

  it("passes a merged recording's warnings on once, already attributed", () => {
    const p = buildPolicy([merge('ci', servePath(), batchPath())], opts);
    expect(p.warnings).toContain('batch: lost 3 events');
    expect(p.warnings.some((w) => w.includes('ci: '))).toBe(false);
  });
});
