import { describe, expect, test } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../../src/util/paths.js';
import { riskCatalogueMarkdown } from '../../src/diff/catalogue-doc.js';
import {
  CAPABILITY_RISK,
  capabilityRiskOf,
  networkRiskOf,
  riskOf,
  SYSCALL_RISK,
} from '../../src/validate/risk-catalogue.js';
import { CAPABILITY_NAMES } from '../../src/validate/k8s.js';

const docPath = path.join(packageRoot, 'docs', 'risk-catalogue.md');

describe('docs/risk-catalogue.md', () => {
  test('is generated from the code tables and current', () => {
    const expected = riskCatalogueMarkdown();
    const actual = fs.existsSync(docPath) ? fs.readFileSync(docPath, 'utf8') : '';
    expect(actual, 'docs/risk-catalogue.md is stale: run `npm run build && node scripts/gen-risk-doc.mjs`').toBe(
      expected,
    );
  });

  test('lists every catalogued syscall and capability with its level', () => {
    const doc = fs.readFileSync(docPath, 'utf8');
    for (const [name, r] of Object.entries(SYSCALL_RISK))
      expect(doc).toContain(`| \`${name}\` | ${r.level} | ${r.why} |`);
    for (const [name, r] of Object.entries(CAPABILITY_RISK))
      expect(doc).toContain(`| \`${name}\` | ${r.level} | ${r.why} |`);
  });
});

describe('catalogue decisions the issue names', () => {
  test.each([
    'bpf',
    'init_module',
    'finit_module',
    'kexec_load',
    'ptrace',
    'process_vm_writev',
    'mount',
    'umount2',
    'pivot_root',
    'unshare',
    'setns',
    'keyctl',
    'add_key',
    'request_key',
    'userfaultfd',
    'perf_event_open',
    'open_by_handle_at',
    'io_uring_setup',
    'io_uring_enter',
    'io_uring_register',
  ])('%s is critical', (name) => expect(riskOf(name).level).toBe('critical'));

  test('capabilities: every Kubernetes name is rated; the dangerous ones high or critical, net_bind_service low', () => {
    for (const name of CAPABILITY_NAMES) expect(Object.hasOwn(CAPABILITY_RISK, name), name).toBe(true);
    for (const name of ['sys_admin', 'sys_module', 'sys_ptrace', 'sys_rawio', 'dac_read_search', 'bpf'])
      expect(capabilityRiskOf(name).level).toBe('critical');
    for (const name of ['CAP_PERFMON', 'NET_ADMIN']) expect(capabilityRiskOf(name).level).toBe('high');
    expect(capabilityRiskOf('net_bind_service').level).toBe('low');
    expect(capabilityRiskOf('made_up').level).toBe('medium');
  });

  test('network: raw and packet high, inet/inet6 low for stream, medium for every type', () => {
    expect(networkRiskOf('packet', 'raw').level).toBe('high');
    expect(networkRiskOf('AF_PACKET', 'SOCK_DGRAM').level).toBe('high');
    expect(networkRiskOf('AF_INET', 'SOCK_RAW|SOCK_CLOEXEC').level).toBe('high');
    expect(networkRiskOf('inet', 'stream').level).toBe('low');
    expect(networkRiskOf('inet6', 'tcp').level).toBe('low');
    expect(networkRiskOf('inet', undefined).level).toBe('medium');
    expect(networkRiskOf('unix', undefined).level).toBe('low');
    expect(networkRiskOf(undefined, undefined).level).toBe('high');
  });
});
