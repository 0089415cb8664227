import { describe, expect, test } from 'vitest';
import { findApparmorParser, parserFindings, validateApparmorFile } from '../../src/validate/apparmor.js';
import { validateFile } from '../../src/validate/validate-file.js';
import { fixture } from './validate-helpers.js';

const parser = findApparmorParser();
if (!parser) console.warn('skipping AppArmor compile tests: apparmor_parser not found (Debian package "apparmor")');

describe.skipIf(!parser)('AppArmor profiles compiled by the real apparmor_parser -Q -K', () => {
  test("the seed's profile compiles", async () => {
    const r = await validateFile(fixture('seed-apparmor.profile'));
    expect(r.kind).toBe('apparmor');
    expect(r.findings).toEqual([
      { severity: 'info', message: 'compiled by apparmor_parser -Q -K (checked, not loaded into the kernel)' },
    ]);
  });

  test("a broken profile reports the parser's line and reason", async () => {
    const r = await validateFile(fixture('apparmor-broken.profile'));
    expect(r.findings).toEqual([
      {
        severity: 'error',
        message: 'apparmor_parser: syntax error, unexpected TOK_ID, expecting TOK_MODE',
        where: 'line 8',
      },
    ]);
  });
});

describe('AppArmor without apparmor_parser', () => {
  test('is reported as skipped with how to install it, never as success', async () => {
    const f = await validateApparmorFile(fixture('seed-apparmor.profile'), { parser: '/nonexistent/apparmor_parser' });
    expect(f).toEqual([
      {
        severity: 'skipped',
        message:
          'AppArmor profile not compiled: apparmor_parser was not found (install the Debian package "apparmor": apt-get install apparmor)',
      },
    ]);
  });

  test('findApparmorParser looks on PATH and in the sbin directories', () => {
    expect(findApparmorParser('')).toBe(parser);
  });
});

describe('parserFindings', () => {
  test('drops the cache notice, names included files, keeps warnings', () => {
    const stderr = [
      'Cache read/write disabled: interface file missing. (Kernel needs AppArmor 2.4 compatibility patch.)',
      "AppArmor parser error for /p in profile /etc/apparmor.d/abstractions/x at line 3: Could not open 'y'",
      'Warning from /p (/p line 2): something odd',
      '',
    ].join('\n');
    expect(parserFindings(stderr, '/p')).toEqual([
      {
        severity: 'error',
        message: "apparmor_parser: Could not open 'y'",
        where: '/etc/apparmor.d/abstractions/x, line 3',
      },
      { severity: 'warning', message: 'apparmor_parser: Warning from /p (/p line 2): something odd' },
    ]);
  });
});
