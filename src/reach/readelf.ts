// Reading `readelf -W -h -l -S -d -r -s -n` text: the facts of an ELF file that reachability needs (what it links
// against and where the loader looks, what it defines and imports, which GOT slot holds which symbol, its build-id).

/** A defined function symbol (from .dynsym or .symtab). */
export interface FunctionSymbol {
  name: string;
  addr: number;
  size: number;
  /** GLOBAL, WEAK or LOCAL. */
  bind: string;
  /** True when the symbol is in .dynsym, so other objects can call it. */
  exported: boolean;
}

/** What readelf says about one file. */
export interface ElfFacts {
  /** True for a 64-bit x86-64 ELF file. */
  x86_64: boolean;
  /** EXEC, DYN, REL, ... */
  type: string;
  /** The PT_INTERP program interpreter, for a dynamically linked program. */
  interp?: string;
  needed: string[];
  runpath: string[];
  rpath: string[];
  soname?: string;
  sections: string[];
  buildId?: string;
  functions: FunctionSymbol[];
  /** Undefined function symbols of .dynsym: what the file imports from other objects, versions dropped. */
  imports: string[];
  /** GOT or PLT slot address → the symbol a relocation puts there (versions dropped). */
  slots: Map<number, string>;
  /** The entry point (e_entry), 0 for none. */
  entry: number;
  /** Code run when the object is loaded: DT_INIT and the DT_INIT_ARRAY entries the loader relocates. */
  inits: number[];
}

const SYMBOL = /^\s*\d+:\s+([0-9a-f]+)\s+(0x[0-9a-f]+|\d+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S.*)$/;
const SYMTAB_HEADER = /^Symbol table '([^']+)'/;
const RELOC = /^([0-9a-f]+)\s+[0-9a-f]+\s+(R_X86_64_\w+)\s+[0-9a-f]+\s+(\S+?)(?:\s+[+-]\s+[0-9a-f]+)?$/;
const DYNAMIC = /^\s*0x[0-9a-f]+\s+\((NEEDED|RUNPATH|RPATH|SONAME)\)\s+.*\[(.*)\]$/;
const DYNAMIC_VALUE = /^\s*0x[0-9a-f]+\s+\((INIT|INIT_ARRAY|INIT_ARRAYSZ)\)\s+(0x[0-9a-f]+|\d+)/;
const RELATIVE = /^([0-9a-f]+)\s+[0-9a-f]+\s+R_X86_64_RELATIVE\s+([0-9a-f]+)$/;
const SECTION = /^\s*\[\s*\d+\]\s+(\S+)\s+\S+\s+[0-9a-f]+/;

/** A symbol name without its version (`fopen@@GLIBC_2.2.5`, `fork@GLIBC_2.2.5 (2)` → `fopen`, `fork`). */
export function bareName(name: string): string {
  const noIndex = name.replace(/\s+\(\d+\)$/, '');
  const at = noIndex.indexOf('@');
  return at > 0 ? noIndex.slice(0, at) : noIndex;
}

function emptyFacts(): ElfFacts {
  return {
    x86_64: false,
    type: '',
    needed: [],
    runpath: [],
    rpath: [],
    sections: [],
    functions: [],
    imports: [],
    slots: new Map(),
    entry: 0,
    inits: [],
  };
}

function onHeaderLine(facts: ElfFacts, line: string): boolean {
  const field = /^\s+(Class|Machine|Type|Entry point address):\s+(.*)$/.exec(line);
  if (!field) return false;
  if (field[1] === 'Entry point address') facts.entry = parseInt(field[2]!, 16);
  else if (field[1] === 'Type') facts.type = field[2]!.split(' ')[0]!;
  else if (field[1] === 'Class') facts.x86_64 = field[2] === 'ELF64';
  else facts.x86_64 = facts.x86_64 && field[2] === 'Advanced Micro Devices X86-64';
  return true;
}

function onDynamicLine(facts: ElfFacts, line: string): boolean {
  const d = DYNAMIC.exec(line);
  if (!d) return false;
  const value = d[2]!;
  if (d[1] === 'NEEDED') facts.needed.push(value);
  else if (d[1] === 'SONAME') facts.soname = value;
  else (d[1] === 'RUNPATH' ? facts.runpath : facts.rpath).push(...value.split(':').filter(Boolean));
  return true;
}

function onSymbolLine(facts: ElfFacts, line: string, table: string, imports: Set<string>): void {
  const s = SYMBOL.exec(line);
  if (!s) return;
  const [, value, size, type, bind, , ndx, rawName] = s;
  const name = bareName(rawName!);
  if (name === '') return;
  if (ndx === 'UND') {
    // weak undefined NOTYPE symbols (__gmon_start__, _ITM_*) are optional hooks, not functions the program calls
    if (table === '.dynsym' && (type === 'FUNC' || (type === 'NOTYPE' && bind === 'GLOBAL'))) imports.add(name);
    return;
  }
  if (type !== 'FUNC' && type !== 'IFUNC') return;
  const addr = parseInt(value!, 16);
  if (addr === 0) return;
  const bytes = size!.startsWith('0x') ? parseInt(size!, 16) : parseInt(size!, 10);
  facts.functions.push({ name, addr, size: bytes, bind: bind!, exported: table === '.dynsym' });
}

/** DT_INIT, and the functions the DT_INIT_ARRAY relocations point at. */
function initFunctions(dynamic: Map<string, number>, relative: Array<[number, number]>): number[] {
  const inits = dynamic.has('INIT') ? [dynamic.get('INIT')!] : [];
  const array = dynamic.get('INIT_ARRAY');
  const size = dynamic.get('INIT_ARRAYSZ') ?? 0;
  if (array !== undefined) for (const [at, to] of relative) if (at >= array && at < array + size) inits.push(to);
  return [...new Set(inits)].sort((a, b) => a - b);
}

/** Parse readelf's combined output (file header, program and section headers, dynamic section, relocations, symbols, notes). */
export function parseReadelf(text: string): ElfFacts {
  const facts = emptyFacts();
  const imports = new Set<string>();
  const dynamic = new Map<string, number>();
  const relative: Array<[number, number]> = [];
  let table = '';
  for (const line of text.split('\n')) {
    const header = SYMTAB_HEADER.exec(line);
    if (header) {
      table = header[1]!;
      continue;
    }
    if (
      line === '' ||
      /^(Relocation section|Displaying notes|Dynamic section|Section Headers|Program Headers)/.test(line)
    )
      table = '';
    if (table !== '') {
      onSymbolLine(facts, line, table, imports);
      continue;
    }
    if (onHeaderLine(facts, line) || onDynamicLine(facts, line)) continue;
    const value = DYNAMIC_VALUE.exec(line);
    if (value) dynamic.set(value[1]!, Number(value[2]!));
    const rel = RELATIVE.exec(line);
    if (rel) relative.push([parseInt(rel[1]!, 16), parseInt(rel[2]!, 16)]);
    const interp = /\[Requesting program interpreter: (.*)\]$/.exec(line);
    if (interp) facts.interp = interp[1]!;
    const build = /Build ID: ([0-9a-f]+)/.exec(line);
    if (build) facts.buildId = build[1]!;
    const section = SECTION.exec(line);
    if (section) facts.sections.push(section[1]!);
    const reloc = RELOC.exec(line);
    if (reloc) facts.slots.set(parseInt(reloc[1]!, 16), bareName(reloc[3]!));
  }
  facts.imports = [...imports].sort();
  facts.inits = initFunctions(dynamic, relative);
  return facts;
}

const GO_SECTIONS = ['.go.buildinfo', '.gopclntab', '.note.go.buildid'];
const GO_SYMBOLS = ['runtime.main', 'runtime.goexit', 'runtime.rt0_go'];

/** Why the file is a Go program (a section or a runtime symbol that only Go's toolchain makes), or undefined. */
export function goEvidence(facts: ElfFacts): string | undefined {
  const section = GO_SECTIONS.find((s) => facts.sections.includes(s));
  if (section) return `it has a ${section} section`;
  const symbol = facts.functions.find((f) => GO_SYMBOLS.includes(f.name));
  return symbol ? `it defines ${symbol.name}` : undefined;
}
