// AppArmor file access modes: parsing "rwix" into tokens, printing them in a fixed order, telling exec kinds apart.

/** Exec transitions apparmor.d(5) allows; plain "x" only in deny rules. */
export const EXEC_MODES: ReadonlySet<string> = new Set([
  'ix',
  'ux',
  'Ux',
  'px',
  'Px',
  'cx',
  'Cx',
  'pix',
  'Pix',
  'cix',
  'Cix',
  'pux',
  'PUx',
  'cux',
  'CUx',
  'x',
]);
const SIMPLE = 'rwalkm';

/** The tokens of a mode string ("rwix" -> r, w, ix), or undefined when it is not one. */
export function parseModes(text: string): string[] | undefined {
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (SIMPLE.includes(c)) {
      out.push(c);
      i += 1;
      continue;
    }
    const end = text.indexOf('x', i);
    if (end < 0) return undefined;
    const token = text.slice(i, end + 1);
    if (!EXEC_MODES.has(token)) return undefined;
    out.push(token);
    i = end + 1;
  }
  return out.length > 0 ? out : undefined;
}

/** Whether a token is an exec transition. */
export function isExec(token: string): boolean {
  return EXEC_MODES.has(token.split(' ')[0]!);
}

/** Whether an exec token may leave confinement (the u in ux, Ux, pux, PUx, cux, CUx). */
export function isUnconfinedExec(token: string): boolean {
  return isExec(token) && /[uU]/.test(token.split(' ')[0]!);
}

/** Tokens in the order r w a l k m, then exec transitions in code-unit order. */
export function sortModes(tokens: Iterable<string>): string[] {
  const list = [...new Set(tokens)];
  const rank = (t: string) => (SIMPLE.includes(t) ? SIMPLE.indexOf(t) : SIMPLE.length);
  return list.sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
}

/** Tokens as one mode string, exec targets spaced ("r", "rw", "r px -> other"). */
export function modeText(tokens: Iterable<string>): string {
  const sorted = sortModes(tokens);
  const simple = sorted.filter((t) => !isExec(t)).join('');
  const exec = sorted.filter(isExec);
  return [simple, ...exec].filter((p) => p !== '').join(exec.some((t) => t.includes(' ')) ? ' ' : '');
}
