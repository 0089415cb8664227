// The real AppArmor matcher as a test oracle: apparmor_parser compiles a profile into the DFA the kernel would load, and
// `-D dfa-states` prints it; walking a path through that DFA gives the permissions the kernel would grant. The file
// permissions of a state are the "other" (any owner) bits 14..27 and the owner bits 0..13 of its allow mask (deny is
// already taken out): x 0x1, w 0x2, r 0x4, a 0x8, l 0x10, k 0x20, m 0x40.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { findApparmorParser } from '../../src/validate/apparmor.js';
import type { Perm } from '../../src/apparmor/perms.js';

interface DfaState {
  allow: number;
  edges: Map<number, number>;
  /** The transition for bytes not listed: its target and the bytes excluded from it (they go nowhere). */
  otherwise?: { to: number; except: Set<number> };
}

/** One profile's file DFA. */
export interface Dfa {
  states: Map<number, DfaState>;
}

/** The bytes of a dump's class label body ("\x0/" → NUL and "/"). */
function classBytes(body: string): Set<number> {
  const out = new Set<number>();
  for (let i = 0; i < body.length; i++) {
    if (body[i] === '\\' && body[i + 1] === 'x') {
      const m = /^[0-9a-fA-F]{1,2}/.exec(body.slice(i + 2))!;
      out.add(parseInt(m[0], 16));
      i += 1 + m[0].length;
    } else if (body[i] === '\\') {
      out.add(body.charCodeAt(++i));
    } else {
      out.add(body.charCodeAt(i));
    }
  }
  return out;
}

/** Parse the first DFA of a `-D dfa-states` dump: its accepting states with their masks, then every state's moves. */
export function parseDfaDump(dump: string): Dfa {
  const states = new Map<number, DfaState>();
  const lines = dump.split('\n');
  const head = lines.findIndex((l) => /^\{1\} <==/.test(l));
  if (head < 0) return { states }; // a profile without file rules has no file DFA: it grants nothing
  const state = (n: number): DfaState => {
    let st = states.get(n);
    if (!st) states.set(n, (st = { allow: 0, edges: new Map() }));
    return st;
  };
  let i = head + 1;
  for (; i < lines.length && lines[i] !== ''; i++) {
    const acc = /^\{(\d+)\} \(0x ([0-9a-f]+)\//.exec(lines[i]!);
    if (acc) state(Number(acc[1])).allow = parseInt(acc[2]!, 16);
  }
  let cur: DfaState | undefined;
  for (const line of lines.slice(i)) {
    if (/<==/.test(line)) break; // the next profile's DFA
    const st = /^\{(\d+)\} perms:/.exec(line);
    if (st) {
      cur = state(Number(st[1]));
      continue;
    }
    const tr = /^ {4}(.*) -> \{(\d+)\}/.exec(line);
    if (!tr || !cur) continue;
    const label = tr[1]!;
    const to = Number(tr[2]);
    const hex = /(?:^|\s)0x([0-9a-f]+)$/.exec(label);
    const cls = /^\[(\^?)(.*)\]$/.exec(label);
    if (hex && !cls) cur.edges.set(parseInt(hex[1]!, 16), to);
    else if (cls) cur.otherwise = { to, except: cls[1] ? classBytes(cls[2]!) : new Set() };
    else throw new Error(`unknown transition label ${JSON.stringify(label)}`);
  }
  return { states };
}

/** The allow mask of the state a path ends in (0 when it falls off the DFA). */
export function dfaAllow(dfa: Dfa, p: string | Uint8Array): number {
  let s = 1;
  for (const b of typeof p === 'string' ? Buffer.from(p, 'utf8') : p) {
    const st = dfa.states.get(s);
    if (!st) return 0;
    const next = st.edges.get(b) ?? (st.otherwise && !st.otherwise.except.has(b) ? st.otherwise.to : undefined);
    if (next === undefined) return 0;
    s = next;
  }
  return dfa.states.get(s)?.allow ?? 0;
}

const BITS: ReadonlyArray<[number, Perm]> = [
  [0x4, 'r'],
  [0x2, 'w'],
  [0x8, 'a'],
  [0x10, 'l'],
  [0x20, 'k'],
  [0x40, 'm'],
  [0x1, 'x'],
];

/** The permissions of an allow mask: for any owner ("other" bits) and for the file's owner. */
export function maskPerms(allow: number): { other: Set<Perm>; owner: Set<Perm> } {
  const decode = (bits: number) => new Set(BITS.filter(([b]) => bits & b).map(([, p]) => p));
  return { other: decode((allow >>> 14) & 0x3fff), owner: decode(allow & 0x3fff) };
}

/** apparmor_parser, or undefined (tests then skip with a printed reason). */
export const PARSER = findApparmorParser();
if (!PARSER)
  console.warn('skipped: checks against apparmor_parser\'s DFA: apparmor_parser not found (Debian package "apparmor")');

/** Compile profile text (includes from `includeDir`) and return its file DFA. */
export function compileDfa(text: string, includeDir = '/etc/apparmor.d'): Dfa {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-aa-dfa-'));
  try {
    const file = path.join(dir, 'profile');
    fs.writeFileSync(file, text);
    // the dump goes to stderr
    const run = spawnSync(PARSER!, ['-Q', '-K', '-I', includeDir, '-D', 'dfa-states', file], {
      encoding: 'utf8',
      maxBuffer: 256 * 1024 * 1024,
    });
    if (run.status !== 0) throw new Error(`apparmor_parser refused the profile: ${run.stderr.slice(0, 2000)}`);
    const out = run.stderr;
    return parseDfaDump(out);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Whether apparmor_parser compiles the text (and its stderr when not). */
export function parserAccepts(text: string, includeDir = '/etc/apparmor.d'): { ok: boolean; stderr: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-aa-ok-'));
  try {
    const file = path.join(dir, 'profile');
    fs.writeFileSync(file, text);
    const run = spawnSync(PARSER!, ['-Q', '-K', '-I', includeDir, file], { encoding: 'utf8' });
    return { ok: run.status === 0, stderr: run.stderr };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
