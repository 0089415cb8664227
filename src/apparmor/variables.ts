// AppArmor variables (@{NAME}): each reference is replaced by each of the variable's values in turn, so a rule with
// variables stands for every combination (apparmor_parser expands them the same way, then collapses runs of "/", which is
// why "@{PROC}/sys" works with @{PROC}=/proc/).

/** A variable that has no value, or expansion that would not end. */
export class VariableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VariableError';
  }
}

/** Variable values by name, in definition order. */
export type Variables = ReadonlyMap<string, readonly string[]>;

/** At most this many combinations per rule: a hostile profile must not exhaust memory. */
export const MAX_EXPANSIONS = 10_000;

const REF = /@\{([A-Za-z][A-Za-z0-9_]*)\}/;

/** The first unescaped @{NAME} in the text, or undefined. */
function firstRef(text: string): { name: string; index: number; length: number } | undefined {
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\\') {
      i += 1;
      continue;
    }
    if (text[i] === '@' && text[i + 1] === '{') {
      const m = REF.exec(text.slice(i));
      if (m && m.index === 0) return { name: m[1]!, index: i, length: m[0].length };
      throw new VariableError(`malformed variable reference at ${JSON.stringify(text.slice(i, i + 20))}`);
    }
  }
  return undefined;
}

/** Every text the variables make of `text` (one when it has none); throws VariableError for an unset variable. */
export function expandVariables(text: string, vars: Variables, limit: number = MAX_EXPANSIONS): string[] {
  const memo = new Map<string, string[]>();
  const valuesOf = (name: string, stack: readonly string[]): string[] => {
    if (stack.includes(name)) throw new VariableError(`variable @{${name}} refers to itself`);
    const cached = memo.get(name);
    if (cached) return cached;
    const raw = vars.get(name);
    if (!raw || raw.length === 0) throw new VariableError(`variable @{${name}} is used but never set`);
    const out = raw.flatMap((v) => expand(v, [...stack, name]));
    memo.set(name, out);
    return out;
  };
  const expand = (t: string, stack: readonly string[]): string[] => {
    const ref = firstRef(t);
    if (!ref) return [t];
    const head = t.slice(0, ref.index);
    const tails = expand(t.slice(ref.index + ref.length), stack);
    const out: string[] = [];
    for (const v of valuesOf(ref.name, stack)) {
      for (const tail of tails) {
        out.push(head + v + tail);
        if (out.length > limit)
          throw new VariableError(`variables expand to more than ${limit} patterns in ${JSON.stringify(text)}`);
      }
    }
    return out;
  };
  return expand(text, []);
}

/** Apply an assignment (`=` replaces, `+=` appends) to a variable table. */
export function assign(vars: Map<string, string[]>, name: string, values: readonly string[], append: boolean): void {
  if (append) vars.set(name, [...(vars.get(name) ?? []), ...values]);
  else vars.set(name, [...values]);
}
