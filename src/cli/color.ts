// Whether to colour a report: --color / --no-color first, then FORCE_COLOR, then NO_COLOR (https://no-color.org), then
// whether stdout is a terminal. CI logs render ANSI colour but are no terminal: FORCE_COLOR=1 or --color asks for it.

/** The decision; `flag` is commander's --color/--no-color (undefined when neither was given). */
export function useColor(
  flag: boolean | undefined,
  env: NodeJS.ProcessEnv = process.env,
  isTTY: boolean = process.stdout.isTTY === true,
): boolean {
  if (flag !== undefined) return flag;
  const force = env.FORCE_COLOR;
  // As Node and chalk read it: set and not "0"/"false" forces colour on; "0"/"false" forces it off.
  if (force !== undefined) return !['0', 'false'].includes(force.trim().toLowerCase());
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return isTTY;
}
