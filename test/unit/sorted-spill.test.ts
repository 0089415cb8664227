// Issue 11 (merge at scale): the spilled chunks are read back merged with few files open whatever their number (groups
// merged first, as an external sort does), and a pieced text is written through one fixed buffer; neither changes
// what is read or written.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mergeSorted, SortedSpill } from '../../src/util/sorted-spill.js';
import { writeFileAtomicPieces } from '../../src/util/atomic.js';
import { byStableKey } from '../../src/util/json.js';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tracewall-test-sorted-spill-'));
});
afterEach(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A deterministic chunk: keys shared by every chunk, keys of a few, index-like keys; values name the chunk. */
function chunk(c: number): Array<[string, number[]]> {
  const keys = new Set(['/etc/passwd', '0', '10', '9', `/only/${c}`, `/every-third/${c % 3}`, `/k${(c * 7) % 11}`]);
  return [...keys].sort(byStableKey).map((k, i): [string, number[]] => [k, [c, i]]);
}

const concat = (a: number[], b: number[]) => a.concat(b);

describe('sorted spill: chunks merged a group at a time', () => {
  it.each([2, 3, 4, 16])(
    'gives the stream a one-level merge of all chunks gives (41 chunks, fan-in %i), and reads them again the same',
    (fanIn) => {
      const chunks = Array.from({ length: 41 }, (_, c) => chunk(c));
      const memory: Array<[string, number[]]> = [
        ['/etc/passwd', [99, 0]],
        ['/memory', [99, 1]],
      ];
      const oneLevel = [
        ...mergeSorted(
          [...chunks, memory].map((c) => c[Symbol.iterator]()),
          concat,
        ),
      ];
      const spill = new SortedSpill<number[]>(dir, 'files', fanIn);
      chunks.forEach((c) => spill.write(c));
      expect(spill.chunks).toBe(41);
      const merged = [...spill.merged(memory, concat)];
      expect(merged).toEqual(oneLevel);
      expect(spill.chunks).toBeLessThanOrEqual(fanIn);
      expect(fs.readdirSync(dir).length).toBe(spill.chunks);
      // The order of every key's values is the order of the chunks.
      expect(merged.find(([k]) => k === '/etc/passwd')![1].filter((_, i) => i % 2 === 0)).toEqual([
        ...Array.from({ length: 41 }, (_, c) => c),
        99,
      ]);
      // Read again (after more chunks, as a fold that goes on would): the same as merging everything at once.
      spill.write(chunk(41));
      const again = [
        ...mergeSorted(
          [...chunks, chunk(41), memory].map((c) => c[Symbol.iterator]()),
          concat,
        ),
      ];
      expect([...spill.merged(memory, concat)]).toEqual(again);
    },
  );

  it('keeps fan-in or fewer chunks when there are not more, and refuses a fan-in below 2', () => {
    const spill = new SortedSpill<number[]>(dir, 'few', 4);
    for (let c = 0; c < 4; c++) spill.write(chunk(c));
    expect([...spill.merged([], concat)].length).toBeGreaterThan(0);
    expect(spill.chunks).toBe(4);
    expect(() => new SortedSpill<number[]>(dir, 'bad', 1)).toThrow(/fanIn 1: expected an integer of at least 2/);
  });

  it('a compaction that fails leaves every listed chunk in place and no partial chunk', () => {
    const spill = new SortedSpill<number[]>(dir, 't', 2);
    for (let c = 0; c < 5; c++) spill.write(chunk(c));
    fs.appendFileSync(path.join(dir, 't-3.jsonl'), 'not json\n');
    expect(() => [...spill.merged([], concat)]).toThrow(SyntaxError);
    // The groups merged before the failure took their chunks' places; the one that failed left its chunks.
    const left = fs.readdirSync(dir).sort();
    expect(left).toEqual(['t-2.jsonl', 't-3.jsonl', 't-4.jsonl', 't-5.jsonl']);
    fs.writeFileSync(
      path.join(dir, 't-3.jsonl'),
      chunk(3)
        .map((e) => JSON.stringify(e) + '\n')
        .join(''),
    );
    const whole = [
      ...mergeSorted(
        [0, 1, 2, 3, 4].map((c) => chunk(c)[Symbol.iterator]()),
        concat,
      ),
    ];
    expect([...spill.merged([], concat)]).toEqual(whole);
  });

  it('a merge begun before a compaction keeps reading its chunks', () => {
    const spill = new SortedSpill<number[]>(dir, 'files', 2);
    for (let c = 0; c < 3; c++) spill.write(chunk(c));
    const first = spill.merged([], concat);
    const head = first.next();
    spill.write(chunk(3));
    const other = [...spill.merged([], concat)];
    const rest = [
      ...(function* () {
        yield head.value as [string, number[]];
        yield* first;
      })(),
    ];
    expect(rest).toEqual([
      ...mergeSorted(
        [0, 1, 2].map((c) => chunk(c)[Symbol.iterator]()),
        concat,
      ),
    ]);
    expect(other).toEqual([
      ...mergeSorted(
        [0, 1, 2, 3].map((c) => chunk(c)[Symbol.iterator]()),
        concat,
      ),
    ]);
  });
});

describe('a pieced text is written through one fixed buffer', () => {
  it('writes the bytes of the joined pieces: long pieces (cut between, never inside, surrogate pairs), multi-byte text', () => {
    const astral = '\u{1F600}';
    const pieces = [
      '{\n',
      'é'.repeat(100_000),
      'x'.repeat(87_380) + astral + 'y',
      ...Array.from({ length: 30_000 }, (_, i) => `"k${i}": "${i % 7 === 0 ? '\u2028' : 'v'}",\n`),
      astral.repeat(200_000),
      '',
      // A pair split between two pieces (and across an empty one) is one character, not two halves.
      'a\ud83d',
      '\ude00b\ud83d',
      '',
      '\ude01',
      '}\n',
    ];
    const file = path.join(dir, 'out.json');
    writeFileAtomicPieces(file, pieces);
    expect(fs.readFileSync(file).equals(Buffer.from(pieces.join(''), 'utf8'))).toBe(true);
    expect(fs.readdirSync(dir)).toEqual(['out.json']);
  });

  it('leaves the old file as it was when making a piece fails', () => {
    const file = path.join(dir, 'out.json');
    fs.writeFileSync(file, 'old');
    const pieces = function* () {
      yield 'x'.repeat(1 << 20);
      throw new Error('boom');
    };
    expect(() => writeFileAtomicPieces(file, pieces())).toThrow(/boom/);
    expect(fs.readFileSync(file, 'utf8')).toBe('old');
    expect(fs.readdirSync(dir)).toEqual(['out.json']);
  });
});
