// The Recording validator is compiled ahead of time from the schema (so `record` does not compile it at every run):
// the committed file must be what the generator makes from the schema as it is now.
import fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { fromRoot } from '../../src/util/paths.js';
import { parseRecording } from '../../src/recording/io.js';

describe('the generated Recording validator', () => {
  it('is up to date with recording-v1.schema.json (else: npm run gen:validator)', () => {
    const run = () =>
      execFileSync(process.execPath, [fromRoot('scripts', 'gen-recording-validator.mjs'), '--check'], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    expect(run).not.toThrow();
    // an ES module in Node has no require(): the runtime helpers must be imports (vitest would hide a require())
    const text = fs.readFileSync(fromRoot('src', 'recording', 'recording-validator.generated.ts'), 'utf8');
    expect(text).not.toMatch(/\brequire\(/);
  });

  it('refuses what the schema refuses, naming where', () => {
    expect(() => parseRecording({ schemaVersion: 1, name: 'x' }, 'r.json')).toThrow(
      /r\.json: invalid recording: .*must have required property/,
    );
  });
});
