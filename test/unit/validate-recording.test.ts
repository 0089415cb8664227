import { describe, expect, test } from 'vitest';
import { validateFile } from '../../src/validate/validate-file.js';
import { fixture } from './validate-helpers.js';

describe('recordings', () => {
  test('a valid recording passes; its own warnings are passed on', async () => {
    const r = await validateFile(fixture('recording-valid.json'));
    expect(r.kind).toBe('recording');
    expect(r.findings).toEqual([
      { severity: 'warning', message: 'recording carries a warning: strace lost 3 events', where: '/warnings/0' },
    ]);
  });

  test('a future schemaVersion is refused, naming both versions', async () => {
    const r = await validateFile(fixture('recording-future.json'));
    expect(r.findings).toHaveLength(1);
    expect(r.findings[0]?.severity).toBe('error');
    expect(r.findings[0]?.message).toBe(
      'recording schemaVersion 2 is not supported; this tracewall reads schemaVersion 1',
    );
  });

  test('a malformed recording reports the schema error and where', async () => {
    const r = await validateFile(fixture('recording-bad-shape.json'));
    expect(r.findings).toEqual([
      {
        severity: 'error',
        message: 'invalid recording: at /syscalls/x86_64/execve/count: must be integer',
        where: '/syscalls/x86_64/execve/count',
      },
    ]);
  });

  test('a truncated recording is one JSON error with its position', async () => {
    const r = await validateFile(fixture('recording-truncated.json'));
    expect(r.findings).toEqual([
      {
        severity: 'error',
        message: 'not valid JSON: expected a "quoted" member name, found end of input',
        where: 'line 7, column 21',
      },
    ]);
  });
});
