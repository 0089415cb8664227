// One executable's entry of the report: the analysis compared with the syscalls the recordings made, and a `why` that
// says how it was analysed and what the analysis could not see.
import path from 'node:path';
import type { Analysis } from './executable.js';
import { programFindings } from './findings.js';
import type { ExecutableReach } from './types.js';

/** Programs that run code the analysis cannot see: interpreters and JITs (scripts, bytecode, native extensions). */
const INTERPRETER =
  /^(python|pypy|node|nodejs|deno|bun|java|ruby|perl|php|lua|luajit|erl|beam|dotnet|mono|bash|dash|zsh|ksh|sh|tclsh|wish)[0-9.]*$/;

/** Names an interpreter or JIT by its file name, or undefined. */
export function interpreterNote(file: string): string | undefined {
  const base = path.posix.basename(file);
  return INTERPRETER.test(base)
    ? `${base} is an interpreter: the code it loads (scripts, modules, native extensions opened with dlopen, JIT code) is not analysed`
    : undefined;
}

function listed(items: readonly string[], max = 3): string {
  return items.length <= max ? items.join(', ') : `${items.slice(0, max).join(', ')} and ${items.length - max} more`;
}

function whyAnalysed(a: Extract<Analysis, { analysed: true }>, unknown: readonly string[]): string {
  const parts: string[] = [];
  const regions = a.objects[0]!.summary.graph.regions.length;
  if (a.linking === 'static')
    parts.push(`statically linked: all of its code (${regions} functions) is taken as reachable`);
  else {
    const libs = a.objects.slice(1).map((o) => path.posix.basename(o.path));
    parts.push(
      `dynamically linked: its own code, the ${a.objects[0]!.summary.imports.length} functions it imports and the start-up code, followed through the calls of ${libs.length} libraries (${listed(libs, 6)})`,
    );
  }
  if (a.reach.indirectCallers > 0)
    parts.push(
      `calls through function pointers (in ${a.reach.indirectCallers} reachable functions) reach only the functions whose address reachable code takes, not those in tables (stdio, C++ vtables)`,
    );
  if (unknown.length > 0)
    parts.push(
      `${unknown.length} ${unknown.length === 1 ? 'place makes' : 'places make'} a syscall whose number is not a constant, so may make any (${listed(unknown, 2)})`,
    );
  if (a.missing.length > 0) parts.push(`libraries not found in its root, so not analysed: ${a.missing.join(', ')}`);
  if (a.reach.unresolved.length > 0) parts.push(`imports no loaded library defines: ${listed(a.reach.unresolved, 5)}`);
  const note = interpreterNote(a.resolved);
  if (note) parts.push(note);
  return parts.join('; ');
}

/** The report entry of one executable. */
export function executableReach(
  execPath: string,
  root: string,
  a: Analysis,
  observed: ReadonlySet<string>,
): ExecutableReach {
  const base = {
    path: execPath,
    root,
    ...(a.resolved !== undefined && a.resolved !== execPath ? { resolved: a.resolved } : {}),
  };
  if (!a.analysed) return { ...base, analysed: false, why: a.why, reachable: 0, reachableNotObserved: [] };
  const f = programFindings(a.objects, a.reach, observed);
  return {
    ...base,
    analysed: true,
    why: whyAnalysed(a, f.unknown),
    reachable: f.reachable.length,
    reachableNotObserved: f.unobserved,
  };
}
