import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { fileChunks } from '../../src/util/chunks.js';

describe('fileChunks', () => {
  it('gives the whole text back, never splitting a multi-byte character', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tracewall-chunks-')), 'log');
    const text = 'a€b😀c\n'.repeat(1000);
    fs.writeFileSync(file, text);
    const chunks = [...fileChunks(file, 7)];
    expect(chunks.length).toBeGreaterThan(100);
    expect(chunks.join('')).toBe(text);
    expect(chunks.every((c) => !c.includes('\uFFFD'))).toBe(true);
    fs.rmSync(path.dirname(file), { recursive: true });
  });
});
