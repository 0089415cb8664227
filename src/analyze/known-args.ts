// Argument values of one syscall over several runs: a key is known only when every run making the call recorded it;
// otherwise its values are unknown and a rule must not be narrowed by them. Shared by buildPolicy, merge and the
// learning curve's prior profile.

/** The facts of one syscall seen so far: how many, and per argument key its values and how many facts knew it. */
export interface ArgValues {
  facts: number;
  args: Map<string, { values: Set<string>; facts: number }>;
}

/** No facts yet. */
export function noArgValues(): ArgValues {
  return { facts: 0, args: new Map() };
}

/** One more fact of the syscall, with the argument values it recorded (if any). */
export function addArgFact(acc: ArgValues, args: Readonly<Record<string, readonly string[]>> | undefined): void {
  acc.facts += 1;
  for (const [key, values] of Object.entries(args ?? {})) {
    const v = acc.args.get(key) ?? { values: new Set<string>(), facts: 0 };
    values.forEach((x) => v.values.add(x));
    v.facts += 1;
    acc.args.set(key, v);
  }
}

/** The keys every fact knew, with their values (in the order first seen). */
export function knownArgs(acc: ArgValues): Array<[string, Set<string>]> {
  return [...acc.args].filter(([, v]) => v.facts === acc.facts).map(([k, v]) => [k, v.values]);
}
