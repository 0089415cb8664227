// Shared test helpers for the policy and render tests: recordings built in code, golden files, apparmor_parser.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { expect } from 'vitest';
import type { Recording } from '../../src/recording/types.js';
import { parseRecording, serializeRecording } from '../../src/recording/io.js';
import { fromRoot } from '../../src/util/paths.js';

/** A recording fixture from test/fixtures/recordings, schema-checked. */
export function loadRecording(name: string): Recording {
  const file = fromRoot('test', 'fixtures', 'recordings', `${name}.json`);
  return parseRecording(JSON.parse(fs.readFileSync(file, 'utf8')), file);
}

/** A small valid recording; `patch` overrides any top-level field. The result is checked with serializeRecording. */
export function makeRecording(patch: Partial<Recording> = {}): Recording {
  const r: Recording = {
    schemaVersion: 1,
    name: 'rec',
    tool: { name: 'tracewall', version: '0.1.0' },
    tracer: { name: 'strace', version: '6.1' },
    kernel: '6.1.0',
    arch: 'x86_64',
    target: { kind: 'command', argv: ['/bin/true'], cwd: '/' },
    startedAt: '',
    endedAt: '',
    termination: { kind: 'exit', code: 0 },
    warnings: [],
    syscalls: { x86_64: { read: { count: 1, failed: 0 } } },
    files: {},
    executables: [],
    network: { sockets: [], bind: [], connect: [], listen: [] },
    identity: { uids: [1000], gids: [1000], changes: [], capabilities: [] },
    ...patch,
  };
  serializeRecording(r);
  return r;
}

/** Compare with test/golden/NAME; UPDATE_GOLDEN=1 rewrites it. */
export function expectGolden(name: string, actual: string, testFile: string): void {
  const file = fromRoot('test', 'golden', name);
  if (process.env.UPDATE_GOLDEN === '1') {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, actual);
    return;
  }
  const how = `golden file test/golden/${name} differs (or is missing); if the change is intended, run UPDATE_GOLDEN=1 npx vitest run ${testFile}`;
  expect(fs.existsSync(file), how).toBe(true);
  expect(actual, how).toBe(fs.readFileSync(file, 'utf8'));
}

/** apparmor_parser's path, or undefined when it is not installed. */
export const APPARMOR_PARSER: string | undefined = [
  '/usr/sbin/apparmor_parser',
  '/sbin/apparmor_parser',
  '/usr/bin/apparmor_parser',
].find((p) => fs.existsSync(p));
if (!APPARMOR_PARSER)
  console.log('apparmor_parser not found: AppArmor compile checks are skipped (install the apparmor package)');

/** Compile a profile without loading it (`-Q -K`, plus extra flags); returns the exit status and output. */
export function compileProfile(text: string, extra: string[] = []): { status: number; stdout: string; stderr: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tracewall-aa-'));
  const file = path.join(dir, 'profile');
  try {
    fs.writeFileSync(file, text);
    const r = spawnSync(APPARMOR_PARSER!, ['-Q', '-K', ...extra, file], { encoding: 'latin1' });
    return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The DFA apparmor_parser builds for a profile, from `-D dfa-states`: per state its transitions (a byte, or a class
 * written as text), and which states accept.
 */
export function dfaOf(text: string): {
  accept: Set<number>;
  edges: Map<number, Array<{ byte?: number; cls?: string; to: number }>>;
} {
  const r = compileProfile(text, ['-D', 'dfa-states']);
  if (r.status !== 0) throw new Error(`apparmor_parser failed: ${r.stderr}`);
  const lines = (r.stdout + r.stderr).split('\n');
  const accept = new Set<number>();
  const edges = new Map<number, Array<{ byte?: number; cls?: string; to: number }>>();
  let header = true;
  let state = 0;
  for (const line of lines) {
    if (header) {
      const m = /^\{(\d+)\} \(0x/.exec(line);
      if (m) accept.add(Number(m[1]));
      if (/^\{\d+\} perms:/.test(line)) header = false;
      else continue;
    }
    const s = /^\{(\d+)\} perms:/.exec(line);
    if (s) {
      state = Number(s[1]);
      edges.set(state, edges.get(state) ?? []);
      continue;
    }
    const byte = /^\s+.* 0x([0-9a-f]+) -> \{(\d+)\}/.exec(line);
    const cls = /^\s+(\[.*\]) -> \{(\d+)\}/.exec(line);
    if (cls) edges.get(state)!.push({ cls: cls[1]!, to: Number(cls[2]) });
    else if (byte) edges.get(state)!.push({ byte: Number.parseInt(byte[1]!, 16), to: Number(byte[2]) });
    else if (/->/.test(line)) edges.get(state)!.push({ cls: line.trim(), to: -1 });
  }
  return { accept, edges };
}

/**
 * Walk a DFA that must be one straight chain from state 1: each step one transition, either the expected byte or (for
 * `null`) a single non-slash class. True when it ends in the only accepting state with nothing after it.
 */
export function dfaIsChain(dfa: ReturnType<typeof dfaOf>, expected: Array<number | null>): boolean {
  let state = 1;
  for (const want of expected) {
    const out = dfa.edges.get(state) ?? [];
    if (out.length !== 1) return false;
    const e = out[0]!;
    if (want === null ? e.cls !== '[^\\x0/]' : e.byte !== want) return false;
    state = e.to;
  }
  return dfa.accept.size === 1 && dfa.accept.has(state) && (dfa.edges.get(state) ?? []).length === 0;
}
