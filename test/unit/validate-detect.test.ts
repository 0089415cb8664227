import { describe, expect, test } from 'vitest';
import fs from 'node:fs';
import { detectKind } from '../../src/validate/detect.js';
import { findJsonSyntaxError, lineColumn, parseJsonText } from '../../src/validate/json-text.js';
import { exitCodeFor, formatFindings } from '../../src/validate/format.js';
import { validateFile } from '../../src/validate/validate-file.js';
import { schemaPath } from '../../src/validate/schemas.js';
import { fixture } from './validate-helpers.js';

const read = (name: string): string => fs.readFileSync(fixture(name), 'utf8');

describe('detectKind', () => {
  test.each([
    ['recording-valid.json', 'recording'],
    ['recording-future.json', 'recording'],
    ['recording-truncated.json', 'unknown'],
    ['seed-seccomp.json', 'seccomp-oci'],
    ['docker-bad-fields.json', 'seccomp-docker'],
    ['malformed.json', 'seccomp-oci'],
    ['oci-config.json', 'oci-config'],
    ['seed-apparmor.profile', 'apparmor'],
    ['apparmor-broken.profile', 'apparmor'],
    ['k8s-good.yaml', 'k8s'],
    ['k8s-bad-yaml.yaml', 'k8s'],
  ])('%s is %s', (name, kind) => {
    expect(detectKind(read(name), name)).toBe(kind);
  });

  test("Docker's default profile is the Docker format", () => {
    expect(detectKind(fs.readFileSync(schemaPath('docker-default-seccomp.json'), 'utf8'), 'x.json')).toBe(
      'seccomp-docker',
    );
  });

  test('recognises content, not names', () => {
    expect(
      detectKind(
        '{"defaultAction":"SCMP_ACT_ERRNO","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW","comment":"x"}]}',
        'a.yaml',
      ),
    ).toBe('seccomp-docker');
    expect(detectKind('{"defaultAction":"SCMP_ACT_ERRNO"}', 'profile.apparmor')).toBe('seccomp-oci');
    expect(detectKind('/usr/bin/foo flags=(complain) {\n  /etc/hosts r,\n}\n', 'x.json')).toBe('apparmor');
    expect(detectKind('abi <abi/3.0>,\ninclude <tunables/global>\nprofile x {\n}\n', 'x')).toBe('apparmor');
    expect(detectKind('securityContext:\n  runAsNonRoot: true\n', 'x.txt')).toBe('k8s');
    expect(detectKind('{"apiVersion":"v1","kind":"Pod"}', 'pod.json')).toBe('k8s');
    expect(detectKind('hello: world\n', 'x.yaml')).toBe('unknown');
    expect(detectKind('', 'x')).toBe('unknown');
  });
});

describe('JSON syntax errors', () => {
  test('are located by line and column', () => {
    expect(lineColumn('ab\ncd', 4)).toEqual({ line: 2, column: 2 });
    expect(findJsonSyntaxError('{"a": 1}')).toBeUndefined();
    expect(findJsonSyntaxError('{"a": 1,}')).toEqual({ offset: 8, reason: 'trailing comma before "}"' });
    expect(findJsonSyntaxError('[1 2]')).toEqual({
      offset: 3,
      reason: 'expected "," or "]" after an element, found "2"',
    });
    expect(findJsonSyntaxError('{"a": "x\ny"}')?.reason).toBe('control character (e.g. a raw newline) inside a string');
    expect(findJsonSyntaxError('{"a": tru}')?.offset).toBe(6);
    expect(findJsonSyntaxError('{} x')?.reason).toBe('unexpected text after the JSON value');
    expect(findJsonSyntaxError('')?.reason).toBe('expected a value, found end of input');
  });

  test('become one finding', () => {
    expect(parseJsonText('{\n  "a": [1,\n  2,,\n]}')).toEqual({
      ok: false,
      finding: { severity: 'error', message: 'not valid JSON: expected a value, found ","', where: 'line 3, column 5' },
    });
  });
});

describe('formatFindings and exitCodeFor', () => {
  test('one line per finding, ok lines for clean files, and a summary', async () => {
    const results = [
      await validateFile(fixture('good-oci-seccomp.json')),
      await validateFile(fixture('wrong-type.json')),
      await validateFile(fixture('log-default.json')),
    ];
    const text = formatFindings(results);
    expect(text).toBe(
      [
        `${fixture('good-oci-seccomp.json')}: ok (seccomp-oci)`,
        `${fixture('wrong-type.json')}: error: must be array (found string "read") (/syscalls/0/names)`,
        `${fixture('log-default.json')}: warning: default action SCMP_ACT_LOG is a complain profile: every syscall the rules do not name is allowed and only logged; nothing is enforced (/defaultAction)`,
        'validate: 3 files, 1 error, 1 warning',
        '',
      ].join('\n'),
    );
    expect(exitCodeFor(results)).toBe(2);
    expect(exitCodeFor([results[0]!, results[2]!])).toBe(0);
  });

  test('skipped checks are counted in the summary and do not fail', () => {
    const results = [
      { file: 'a', kind: 'apparmor' as const, findings: [{ severity: 'skipped' as const, message: 'not compiled' }] },
    ];
    expect(formatFindings(results)).toBe(
      'a: skipped: not compiled\nvalidate: 1 file, 0 errors, 0 warnings, 1 skipped\n',
    );
    expect(exitCodeFor(results)).toBe(0);
  });

  test('an unreadable or unrecognised file is an error', async () => {
    const missing = await validateFile(fixture('does-not-exist.json'));
    expect(missing.kind).toBe('unknown');
    expect(missing.findings[0]?.message).toMatch(/^cannot read file: ENOENT/);
    const unknown = await validateFile(fixture('recording-truncated.json'));
    expect(unknown.findings).toHaveLength(1);
    expect(unknown.findings[0]?.message).toMatch(/^not valid JSON/);
  });
});
