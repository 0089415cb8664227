// deploy/ holds what `tracewall runtime install --containerd` prints for the default node directory: the files must not
// drift from it, and the RuntimeClass must be one the API server accepts (node.k8s.io/v1: handler a DNS label).
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { containerdSnippet, HANDLER_NAME, nodePaths, NODE_DIR, runtimeClassManifest } from '../../src/cri/handler.js';
import { fromRoot } from '../../src/util/paths.js';

describe('deploy/', () => {
  it('carries the containerd config install prints, for /var/lib/tracewall', () => {
    expect(fs.readFileSync(fromRoot('deploy', 'containerd-tracewall-record.toml'), 'utf8')).toBe(
      containerdSnippet(nodePaths(NODE_DIR).wrapper),
    );
    expect(nodePaths(NODE_DIR).wrapper).toBe('/var/lib/tracewall/runc-record');
  });

  it('carries the RuntimeClass install prints, valid for node.k8s.io/v1', () => {
    const text = fs.readFileSync(fromRoot('deploy', 'runtimeclass-tracewall-record.yaml'), 'utf8');
    expect(text).toBe(runtimeClassManifest());
    const rc = YAML.parse(text) as Record<string, unknown>;
    expect(Object.keys(rc).sort()).toEqual(['apiVersion', 'handler', 'kind', 'metadata']);
    expect(rc).toMatchObject({ apiVersion: 'node.k8s.io/v1', kind: 'RuntimeClass', handler: HANDLER_NAME });
    expect(rc['handler']).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
    expect((rc['handler'] as string).length).toBeLessThanOrEqual(63);
    expect((rc['metadata'] as { name: string }).name).toBe(HANDLER_NAME);
  });

  it('declares runc next to the handler (any declared runtime drops the implicit runc)', () => {
    const toml = containerdSnippet('/x/runc-record');
    expect(toml).toContain('[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]');
    expect(toml).toContain('BinaryName = "/x/runc-record"');
  });
});
