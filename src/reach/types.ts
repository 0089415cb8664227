// The values reachability passes between its steps: one object file's code as a graph of functions, and the report.
import type { RiskLevel } from '../validate/risk-catalogue.js';
import type { ElfFacts } from './readelf.js';

/** A call whose first argument (%edi) is known: how a generic syscall(2)-style wrapper's number is found. */
export interface ArgCall {
  /** The called function: a region index in the same file, or an imported symbol's name. */
  to: number | string;
  /** The constant first argument(s), or null when it is not a constant. */
  arg0: number[] | null;
}

/**
 * One stretch of code that starts at a symbol or a call target: a function, as near as a stripped file allows. Its
 * syscall instructions, the functions it calls, jumps to or falls into, and the imported symbols it calls.
 */
export interface CodeRegion {
  /** The symbol at its start, `symbol+0xOFF` inside a symbol, or its address (`0x1a2b0`). */
  name: string;
  start: number;
  /** Syscall numbers of its own `syscall` instructions where the number is a constant. */
  syscalls: number[];
  /** How many of its `syscall` instructions take the number from somewhere this analysis cannot follow. */
  unknownSites: number;
  /** True when a `syscall` instruction takes its number from the function's first argument (syscall(2)). */
  wrapper: boolean;
  /** Regions of the same file it calls, jumps to or falls through into (indices, sorted). */
  next: number[];
  /** Imported symbols it calls or jumps to through a GOT/PLT slot (sorted). */
  imports: string[];
  /** Calls made through a function pointer (not followed). */
  indirectCalls: number;
  /** Calls with their first argument, kept for calls that may reach a generic wrapper. */
  argCalls: ArgCall[];
}

/** One ELF file's code as regions, and what it defines for and needs from other objects. */
export interface CodeGraph {
  regions: CodeRegion[];
  /** Exported function name → its region indices (one per symbol version at its own address). */
  exports: Record<string, number[]>;
  /** The region of the entry point (none, or one). */
  entry: number[];
  /** The regions of the functions run when the object is loaded (DT_INIT, DT_INIT_ARRAY). */
  inits: number[];
}

/** An ELF file as reachability needs it: its linking facts and its code graph. Cached per file (build-id). */
export interface ObjectSummary extends Pick<ElfFacts, 'x86_64' | 'type' | 'interp' | 'needed' | 'runpath' | 'rpath'> {
  /** Bumped when the analysis changes, so a stale cache entry is never used. */
  analysisVersion: number;
  /** Why this is a Go program, when it is one (its code is not analysed then). */
  go?: string;
  /** Undefined function symbols it imports. */
  imports: string[];
  graph: CodeGraph;
}

/** A syscall the code can reach that no recording made. */
export interface UnobservedSyscall {
  syscall: string;
  risk: RiskLevel;
  /** Where: `FILE: FUNCTION` and, for a library, the imported function the program reaches it through. */
  evidence: string[];
}

/** The verdict on one executable of the recordings. */
export interface ExecutableReach {
  path: string;
  /** The file system it ran in: `host`, `bundle:DIR`, `docker:IMAGE` or `podman:IMAGE`. */
  root: string;
  /** Where the file was found and analysed, when that differs from `path` (a symlink target, an image's root). */
  resolved?: string;
  analysed: boolean;
  /** How it was analysed (files, imports, limits), or why it could not be. */
  why: string;
  /** How many distinct syscalls the analysis found reachable, observed or not. */
  reachable: number;
  reachableNotObserved: UnobservedSyscall[];
}

/** The whole report. */
export interface ReachReport {
  /** The recordings' names, sorted. */
  recordings: string[];
  /** How many distinct x86_64 syscalls the recordings made together. */
  observed: number;
  executables: ExecutableReach[];
}
