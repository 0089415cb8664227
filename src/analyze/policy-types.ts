// The Policy: recordings merged and generalised, the one model every renderer takes. Rules remember which recordings needed them.
import type { Abi, FileAccess, SocketFact, EndpointFact } from '../recording/types.js';

/** Which recordings (by name) needed a rule, and how often it was seen in total. */
export interface Provenance {
  recordings: string[];
  count: number;
}

/** One piece of a path pattern: literal text (escaped by each renderer) or a glob the generaliser chose. */
export type PathPart = { lit: string } | { glob: '*' | '**' | '?' | '@{pid}' | '@{tid}' };

/** A file rule: a path pattern, the accesses granted, and why. */
export interface FileRule {
  /** The pattern; a single literal part for an exact path. */
  pattern: PathPart[];
  access: FileAccess[];
  provenance: Provenance;
  /** Set when the pattern is broader than one observed path: the paths it stands for and the generalisation step used. */
  generalized?: { step: string; from: string[] };
}

export interface SyscallRule {
  provenance: Provenance;
  /** Argument values observed, merged over recordings (same keys as SyscallFact.args). */
  args?: Record<string, string[]>;
}

/** The runtime whose post-filter syscalls form the labelled runtime layer. */
export interface RuntimeLayer {
  name: 'crun' | 'runc' | 'none';
  version: string;
  syscalls: string[];
  /** Where the list came from (measured on which machine/version). */
  source: string;
}

export interface Policy {
  name: string;
  /** Names of the recordings merged, in input order. */
  sources: string[];
  syscalls: Partial<Record<Abi, Record<string, SyscallRule>>>;
  files: FileRule[];
  executables: Array<{ path: string; provenance: Provenance }>;
  network: { sockets: SocketFact[]; bind: EndpointFact[]; connect: EndpointFact[]; listen: EndpointFact[] };
  capabilities: Array<{ name: string; reasons: string[]; provenance: Provenance }>;
  identity: { uids: number[]; gids: number[]; needsRoot: boolean };
  runtime: RuntimeLayer;
  warnings: string[];
}
