import { describe, expect, test } from 'vitest';
import fs from 'node:fs';
import { TracewallError } from '../../src/errors.js';
import { buildReport, compareFindings } from '../../src/diff/report.js';
import { formatText } from '../../src/diff/format-text.js';
import { formatMarkdown, mdCode, mdText } from '../../src/diff/format-markdown.js';
import { summaryLine } from '../../src/diff/summary.js';
import type { DiffFinding } from '../../src/diff/types.js';
import { DOCKER_DEFAULT, fixture, run } from './diff-helpers.js';

const pairs: Array<[string, string]> = [
  [DOCKER_DEFAULT, fixture('app.seccomp.json')],
  [fixture('app.seccomp.json'), fixture('app-ptrace.seccomp.json')],
  [fixture('app.apparmor'), fixture('app-hostile.apparmor')],
  [fixture('app.apparmor'), fixture('app-sysadmin.apparmor')],
  [fixture('app.k8s.yaml'), fixture('app-escalate.k8s.yaml')],
  [fixture('old.recording.json'), fixture('new.recording.json')],
];

describe('same inputs, same bytes', () => {
  test.each(['text', 'markdown', 'json'])('%s', async (format) => {
    for (const [a, b] of pairs) {
      const first = await run(a, b, { format, failOn: 'high' });
      const second = await run(a, b, { format, failOn: 'high' });
      expect(second).toEqual(first);
      expect(first.out.endsWith('\n')).toBe(true);
    }
  });

  test('findings are sorted by risk, change, kind, subject in code-unit order', () => {
    const f = (
      change: DiffFinding['change'],
      kind: DiffFinding['kind'],
      subject: string,
      risk: DiffFinding['risk'],
    ): DiffFinding => ({ change, kind, subject, risk, widens: change === 'added' });
    const shuffled = [
      f('removed', 'syscall', 'b', 'low'),
      f('added', 'syscall', 'b', 'low'),
      f('added', 'file', 'Z', 'low'),
      f('added', 'file', 'a', 'low'),
      f('changed', 'field', 'x', 'critical'),
      f('added', 'syscall', 'b', 'low'),
    ];
    const r = buildReport(
      'seccomp',
      { label: 'a', kind: 'seccomp-oci' },
      { label: 'b', kind: 'seccomp-oci' },
      shuffled,
    );
    expect(r.findings.map((x) => `${x.risk} ${x.change} ${x.kind} ${x.subject}`)).toEqual([
      'critical changed field x',
      'low added file Z',
      'low added file a',
      'low added syscall b',
      'low removed syscall b',
    ]);
    expect([...r.findings].sort(compareFindings)).toEqual(r.findings);
  });
});

describe('text output', () => {
  test('groups by risk with +/-/~ markers and a summary line', async () => {
    const res = await run(fixture('app.k8s.yaml'), fixture('app-escalate.k8s.yaml'));
    expect(res.out).toBe(
      [
        `tracewall diff (k8s): ${fixture('app.k8s.yaml')} (k8s) -> ${fixture('app-escalate.k8s.yaml')} (k8s)`,
        '1 added (1 high), 0 removed, 1 changed (1 high)',
        '2 widening (2 high)',
        '',
        'high (2)',
        '  + capability httpd: NET_ADMIN: network configuration, netfilter and traffic control: large kernel attack surface',
        '  ~ field httpd: allowPrivilegeEscalation: false -> true: allowPrivilegeEscalation no longer false: set-user-id programs and file capabilities work again',
        '',
      ].join('\n'),
    );
  });

  test('colour only when asked; control characters in subjects are made visible', async () => {
    const plain = await run(fixture('app.seccomp.json'), fixture('app-ptrace.seccomp.json'));
    expect(plain.out).not.toContain('\u001b[');
    const coloured = await run(fixture('app.seccomp.json'), fixture('app-ptrace.seccomp.json'), { color: true });
    expect(coloured.out).toContain('\u001b[1;31mcritical (1)\u001b[0m');
    expect(coloured.out).toContain('\u001b[31m+\u001b[0m syscall ptrace');
    const json = await run(fixture('app.seccomp.json'), fixture('app-ptrace.seccomp.json'), {
      format: 'json',
      color: true,
    });
    expect(json.out).not.toContain('\u001b[');
    const r = buildReport('apparmor', { label: 'a', kind: 'apparmor' }, { label: 'b', kind: 'apparmor' }, [
      { change: 'added', kind: 'file', subject: '/tmp/\u001b[2Jx\u202e', risk: 'low', widens: true },
    ]);
    expect(formatText(r)).toContain('+ file /tmp/\\x1b[2Jx\\u{202e}');
    expect(formatMarkdown(r)).toContain('`/tmp/\\x1b[2Jx\\u{202e}`');
  });
});

describe('markdown output', () => {
  test('summary table and per-risk tables, low and info folded', async () => {
    const res = await run(DOCKER_DEFAULT, fixture('app.seccomp.json'), { format: 'markdown' });
    const lines = res.out.split('\n');
    expect(lines[0]).toBe('### tracewall diff: seccomp');
    expect(lines).toContain('| risk | added | removed | changed | widening |');
    expect(lines).toContain('| critical | 0 | 22 | 0 | 0 |');
    expect(lines).toContain('#### critical (22)');
    expect(lines).toContain(
      '| - | syscall | `mount` | was allowed only when: with CAP\\_SYS\\_ADMIN (mounts filesystems: remount host paths, overlay files, reach cgroup release\\_agent) |  |',
    );
    expect(res.out).toMatch(/<details><summary>low \(\d+\)<\/summary>/);
  });

  test('escaping', () => {
    expect(mdCode('a|b')).toBe('`a\\|b`');
    expect(mdCode('x`y')).toBe('``x`y``');
    expect(mdCode('`y')).toBe('`` `y ``');
    expect(mdText('<b>*x*</b> | @me [l](u)')).toBe('\\<b\\>\\*x\\*\\</b\\> \\| \\@me \\[l\\](u)');
  });

  test('the summary line', () => {
    const r = buildReport('k8s', { label: 'a', kind: 'k8s' }, { label: 'b', kind: 'k8s' }, []);
    expect(summaryLine(r)).toBe('no differences');
  });
});

describe('bad input: exit 2', () => {
  const expectBad = async (p: Promise<unknown>, message: RegExp): Promise<void> => {
    const err = await p.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(TracewallError);
    expect((err as TracewallError).exitCode).toBe(2);
    expect((err as TracewallError).message).toMatch(message);
  };

  test('files of different kinds, naming both', async () => {
    await expectBad(
      run(fixture('app.seccomp.json'), fixture('app.apparmor')),
      /^cannot diff .*app\.seccomp\.json \(seccomp-docker: seccomp profile, Docker format\) against .*app\.apparmor \(apparmor: AppArmor profile\): both files must be of the same kind/,
    );
    await expectBad(
      run(fixture('old.recording.json'), fixture('app.k8s.yaml')),
      /\(recording: tracewall recording\) against .*\(k8s: Kubernetes YAML\)/,
    );
  });

  test('unknown, unreadable and malformed files', async () => {
    const dir = fs.mkdtempSync('/tmp/tw-diff-');
    fs.writeFileSync(`${dir}/hello.txt`, 'hello: world\n');
    fs.writeFileSync(`${dir}/broken.json`, '{"defaultAction": "SCMP_ACT_ERRNO", "syscalls": [,]}');
    fs.writeFileSync(`${dir}/nodefault.json`, '{"defaultAction": 1}');
    await expectBad(run(`${dir}/hello.txt`, fixture('app.k8s.yaml')), /hello\.txt: cannot tell what this file is/);
    await expectBad(
      run(`${dir}/missing.json`, fixture('app.seccomp.json')),
      /missing\.json: cannot read OLD file: ENOENT/,
    );
    await expectBad(
      run(`${dir}/broken.json`, fixture('app.seccomp.json')),
      /broken\.json: not valid JSON: .*\(line 1, column \d+\)/,
    );
    await expectBad(
      run(`${dir}/nodefault.json`, fixture('app.seccomp.json')),
      /nodefault\.json: seccomp "defaultAction" must be a string/,
    );
    fs.rmSync(dir, { recursive: true });
  });

  test('unknown --format and --fail-on values name the flag and the allowed values', async () => {
    await expectBad(
      run(fixture('app.seccomp.json'), fixture('app.seccomp.json'), { format: 'html' }),
      /^--format "html" is not valid; expected one of: text, markdown, json$/,
    );
    await expectBad(
      run(fixture('app.seccomp.json'), fixture('app.seccomp.json'), { failOn: 'info' }),
      /^--fail-on "info" is not valid; expected one of: low, medium, high, critical$/,
    );
  });
});
