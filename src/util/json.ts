// Deterministic JSON: keys sorted at every level, two-space indent, trailing newline.

/** A copy of a JSON value with object keys sorted (arrays keep their order). */
export function sortKeysDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeysDeep);
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[key];
      if (v !== undefined) out[key] = sortKeysDeep(v);
    }
    return out;
  }
  return value;
}

/** Same value, same bytes. */
export function stableJson(value: unknown): string {
  return JSON.stringify(sortKeysDeep(value), null, 2) + '\n';
}

/** Compare strings by code unit, never by locale, so order is the same on every machine. */
export function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A plain JSON object, or undefined. */
export function asObject(value: unknown): Record<string, unknown> | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

const INDEX_KEY = /^(?:0|[1-9][0-9]{0,9})$/;

/** An array index as a JavaScript object key ("0", "42"): such keys come first, in numeric order, in any object. */
function isIndexKey(key: string): boolean {
  // Most keys (paths, names) do not begin with a digit; a merge asks for every key of every chunk it reads.
  const first = key.charCodeAt(0);
  return first >= 48 && first <= 57 && INDEX_KEY.test(key) && Number(key) < 4294967295;
}

/**
 * Keys in the order stableJson writes them: sorted by code unit, except that array-index keys ("7", "10") come first
 * in numeric order, as in every JavaScript object. For writing a large object piece by piece with the same bytes.
 */
export function stableKeyOrder(keys: readonly string[]): string[] {
  const index = keys.filter(isIndexKey).sort((a, b) => Number(a) - Number(b));
  const rest = keys.filter((k) => !isIndexKey(k)).sort(byCodeUnit);
  return index.length === 0 ? rest : [...index, ...rest];
}

/** The order of stableKeyOrder as a comparison: array-index keys first, in numeric order, then the rest by code unit. */
export function byStableKey(a: string, b: string): number {
  const ai = isIndexKey(a);
  const bi = isIndexKey(b);
  if (ai && bi) return Number(a) - Number(b);
  if (ai !== bi) return ai ? -1 : 1;
  return byCodeUnit(a, b);
}

/** stableJson of `value` (without its final newline) as it reads nested `depth` levels deep in a larger document. */
export function stableJsonAt(value: unknown, depth: number): string {
  const text = JSON.stringify(sortKeysDeep(value), null, 2);
  return depth === 0 ? text : text.replace(/\n/g, '\n' + '  '.repeat(depth));
}

/**
 * An object's stableJson text, `depth` levels deep, from its entries (key and the value's text at depth + 1, whole or
 * in pieces) given in stableKeyOrder: the pieces to write one after another.
 */
export function* stableObjectPieces(
  entries: Iterable<[string, string | Iterable<string>]>,
  depth: number,
): Generator<string> {
  const pad = '  '.repeat(depth + 1);
  let first = true;
  for (const [key, text] of entries) {
    yield `${first ? '{\n' : ',\n'}${pad}${JSON.stringify(key)}: `;
    if (typeof text === 'string') yield text;
    else yield* text;
    first = false;
  }
  yield first ? '{}' : `\n${'  '.repeat(depth)}}`;
}

/** An array's stableJson text, `depth` levels deep, from its items' texts (each at depth + 1). */
export function* stableArrayPieces(items: Iterable<string>, depth: number): Generator<string> {
  const pad = '  '.repeat(depth + 1);
  let first = true;
  for (const text of items) {
    yield `${first ? '[\n' : ',\n'}${pad}${text}`;
    first = false;
  }
  yield first ? '[]' : `\n${'  '.repeat(depth)}]`;
}

/**
 * stableJsonAt's text of `value` in pieces, made as they are asked for (arrays and objects entry by entry), so that a
 * large document is never one string nor copied; a string for which `hole` gives pieces is written as those pieces
 * instead (a placeholder for a part made elsewhere).
 */
export function* stableJsonPieces(
  value: unknown,
  depth: number,
  hole: (text: string) => Iterable<string> | undefined = () => undefined,
): Generator<string> {
  if (typeof value === 'string') {
    const pieces = hole(value);
    if (pieces === undefined) yield JSON.stringify(value);
    else yield* pieces;
    return;
  }
  if (value === null || typeof value !== 'object') {
    yield JSON.stringify(value) ?? 'null';
    return;
  }
  const pad = '  '.repeat(depth + 1);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      yield `${i === 0 ? '[\n' : ',\n'}${pad}`;
      yield* stableJsonPieces(value[i], depth + 1, hole);
    }
    yield value.length === 0 ? '[]' : `\n${'  '.repeat(depth)}]`;
    return;
  }
  // As sortKeysDeep and JSON.stringify: own keys in stableKeyOrder, those whose value JSON has no text for left out.
  const object = value as Record<string, unknown>;
  const written = (v: unknown) => v !== undefined && typeof v !== 'function' && typeof v !== 'symbol';
  let first = true;
  for (const key of stableKeyOrder(Object.keys(object).filter((k) => written(object[k])))) {
    yield `${first ? '{\n' : ',\n'}${pad}${JSON.stringify(key)}: `;
    yield* stableJsonPieces(object[key], depth + 1, hole);
    first = false;
  }
  yield first ? '{}' : `\n${'  '.repeat(depth)}}`;
}
