// The merged recording's skeleton is written by walking it (stableJsonPieces) rather than as one stableJson string:
// the pieces must be stableJson's bytes, placeholders replaced where they stand.
import { describe, expect, it } from 'vitest';
import { stableJson, stableJsonAt, stableJsonPieces } from '../../src/util/json.js';

const odd = {
  z: 1,
  a: [3, 'two', null, undefined, { y: true, b: [] }, [], {}],
  '10': 'ten',
  '9': 'nine',
  '01': 'not an index',
  '4294967295': 'not an index either',
  skipped: undefined,
  fn: () => 1,
  nested: { deep: { list: ['\u2028', 'é', '"q"\\n', '\u{1F600}'], n: -0, x: 1.5e300, nan: Number.NaN } },
  empty: {},
  none: [],
};

describe('stableJsonPieces', () => {
  it.each([
    ['an object with index-like keys, undefined, functions, empty and nested values', odd],
    ['an array at the top', [odd, [1, [2, [3]]]]],
    ['a string', 'plain'],
    ['a number', 42],
    ['null', null],
    ['an empty object', {}],
  ])('gives stableJson bytes: %s', (_, value) => {
    expect([...stableJsonPieces(value, 0)].join('') + '\n').toBe(stableJson(value));
    expect([...stableJsonPieces(value, 3)].join('')).toBe(stableJsonAt(value, 3));
  });

  it('writes the pieces of a placeholder where it stands, at its depth', () => {
    const doc = { b: { list: 'HOLE', after: 1 }, a: 'not a hole' };
    const hole = (text: string) => (text === 'HOLE' ? ['[\n      ', '1', '\n    ]'] : undefined);
    expect([...stableJsonPieces(doc, 0, hole)].join('') + '\n').toBe(
      stableJson({ ...doc, b: { ...doc.b, list: [1] } }),
    );
  });
});
