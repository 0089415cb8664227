// The report of `verify --apparmor`: every access of the recordings that the profile would deny, and who made it.

/** Why an access is listed: denied outright, or denied depending on what the recording cannot know. */
export type DenialCondition =
  /** No rule allows it, or a deny rule takes it away. */
  | 'denied'
  /** Only an `owner` rule allows it: denied unless the process's fsuid owns the file. */
  | 'unless-owner'
  /** Allowed, but an `owner` deny rule matches: denied if the process owns the file. */
  | 'if-owner'
  /** A px/cx transition whose target profile is not in this policy: denied unless that profile is loaded. */
  | 'needs-profile';

/** One denied access (or, for files, the denied modes of one path). */
export interface AppArmorDenial {
  kind: 'file' | 'exec' | 'capability' | 'network';
  /** file/exec: the path as recorded; capability: its name (e.g. net_raw); network: "DOMAIN TYPE". */
  subject: string;
  /** The modes it lacks: file letters (r w a l k m), "x" for exec, "capability" or "network". */
  mode: string;
  condition: DenialCondition;
  /** What the recording did that needs it: file accesses, a capability's reasons, a socket's triple. */
  needs: string[];
  /** The deny rules that matched ("file:line: rule"). */
  deniedBy: string[];
  /** Extra facts: how AppArmor sees the path, the exec rule that matched, the missing target profile. */
  notes: string[];
  /** The programs that did it, where the recording says; otherwise every program the recordings ran. */
  programs: string[];
  programsKnown: boolean;
  /** Recording files that hold the access, and (merged recordings) the runs that made it. */
  recordings: string[];
  runs: string[];
}

/** How many accesses of each kind were checked. */
export interface AppArmorChecked {
  paths: number;
  execs: number;
  capabilities: number;
  sockets: number;
}

/** The whole report. */
export interface AppArmorVerifyReport {
  profile: { file: string; name: string; flags: string[]; includes: string[] };
  recordings: Array<{ file: string; name: string }>;
  checked: AppArmorChecked;
  denials: AppArmorDenial[];
  warnings: string[];
}
