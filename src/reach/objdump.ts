// Reading `objdump -d -w --no-show-raw-insn` text: one instruction or label per line, parsed without keeping the whole
// listing as objects (libcrypto's is 700,000 lines).

/** One disassembled instruction: its address, mnemonic (prefixes such as `bnd`/`notrack` dropped) and operands. */
export interface Insn {
  addr: number;
  mnem: string;
  ops: string;
  /** The address objdump computed for a `(%rip)` operand (the `# 1d2ff8 <...>` comment), when there is one. */
  ripTarget?: number;
  /** The address of a direct call or jump (`call 2639f <abort>`, `jmp 0x435870`). */
  target?: number;
}

/** A line of the listing: an instruction, a label (`0000000000029dc0 <name>:`), or a section header. */
export type ListingLine =
  { kind: 'insn'; insn: Insn } | { kind: 'label'; addr: number; name: string } | { kind: 'section'; name: string };

const INSN = /^\s*([0-9a-f]+):\t(.*)$/;
const LABEL = /^([0-9a-f]+) <(.*)>:$/;
const SECTION = /^Disassembly of section (.+):$/;
const PREFIXES = new Set([
  'bnd',
  'notrack',
  'lock',
  'rep',
  'repz',
  'repnz',
  'repe',
  'repne',
  'data16',
  'addr32',
  'cs',
  'ds',
  'es',
  'ss',
  'fs',
  'gs',
  'rex',
  'rex.W',
  'xacquire',
  'xrelease',
]);
/** Older binutils print `callq`/`retq`/`jmpq`; 2.40 prints `call`/`ret`/`jmp`. */
const OLD_SUFFIXED: Readonly<Record<string, string>> = { callq: 'call', retq: 'ret', jmpq: 'jmp' };
const DIRECT = /^(?:0x)?([0-9a-f]+)(?:\s+<[^>]*>)?$/;
const RIP_COMMENT = /#\s*(?:0x)?([0-9a-f]+)(?:\s+<[^>]*>)?\s*$/;

/** True for mnemonics whose operand is a branch target: calls, jumps, loops, xbegin. */
export function isBranch(mnem: string): boolean {
  return mnem === 'call' || mnem.startsWith('j') || mnem.startsWith('loop') || mnem === 'xbegin';
}

/** Parse the text after the address: mnemonic, operands, and the targets a branch or `(%rip)` operand names. */
export function parseInsnText(addr: number, text: string): Insn {
  const words = text.trim().split(/\s+/);
  let i = 0;
  while (i < words.length - 1 && PREFIXES.has(words[i]!)) i++;
  const word = words[i] ?? '';
  const mnem = OLD_SUFFIXED[word] ?? word;
  let rest = words.slice(i + 1).join(' ');
  const insn: Insn = { addr, mnem, ops: rest };
  const hash = rest.indexOf('#');
  if (hash >= 0) {
    const m = RIP_COMMENT.exec(rest.slice(hash));
    if (m && rest.includes('(%rip)')) insn.ripTarget = parseInt(m[1]!, 16);
    rest = rest.slice(0, hash).trim();
    insn.ops = rest;
  }
  if (isBranch(mnem) && !rest.startsWith('*')) {
    const m = DIRECT.exec(rest);
    if (m) insn.target = parseInt(m[1]!, 16);
  }
  return insn;
}

/** Parse one line of the listing; undefined for blank lines, `...` and the file header. */
export function parseListingLine(line: string): ListingLine | undefined {
  const m = INSN.exec(line);
  if (m) return { kind: 'insn', insn: parseInsnText(parseInt(m[1]!, 16), m[2]!) };
  const l = LABEL.exec(line);
  if (l) return { kind: 'label', addr: parseInt(l[1]!, 16), name: l[2]! };
  const s = SECTION.exec(line);
  if (s) return { kind: 'section', name: s[1]! };
  return undefined;
}

/** The lines of a large text one by one, without splitting it into an array first. */
export function* linesOf(text: string): Generator<string> {
  let start = 0;
  while (start < text.length) {
    let end = text.indexOf('\n', start);
    if (end < 0) end = text.length;
    yield text.slice(start, end);
    start = end + 1;
  }
}

const MAYBE_BRANCH = /^\s*[0-9a-f]+:\t(?:[a-z0-9.]+\s+)*?(?:call|j|loop|xbegin)/;

/**
 * Like `parseListingLine`, but an instruction that is not a branch is returned with its address and mnemonic only
 * (no operands): enough to learn a file's layout in a first pass at a fraction of the cost.
 */
export function parseLayoutLine(line: string): ListingLine | undefined {
  if (line.startsWith(' ') && !MAYBE_BRANCH.test(line)) {
    const colon = line.indexOf(':');
    const addr = parseInt(line.slice(0, colon), 16);
    if (Number.isNaN(addr)) return undefined;
    const words = line.slice(colon + 2).split(' ', 4);
    let i = 0;
    while (i < words.length - 1 && PREFIXES.has(words[i]!)) i++;
    return { kind: 'insn', insn: { addr, mnem: words[i] ?? '', ops: '' } };
  }
  return parseListingLine(line);
}

/** Every parsed line of a listing, in order; `layoutOnly` parses only branches fully (see parseLayoutLine). */
export function* listing(text: string, layoutOnly = false): Generator<ListingLine> {
  for (const line of linesOf(text)) {
    const parsed = layoutOnly ? parseLayoutLine(line) : parseListingLine(line);
    if (parsed) yield parsed;
  }
}
