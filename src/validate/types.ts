// Shared shapes of the validate verb: what a file was recognised as, and what was found in it.

/** How serious a finding is; "skipped" means a check could not run (e.g. a missing system tool) and says why. */
export type Severity = 'error' | 'warning' | 'info' | 'skipped';

/** One observation about a file; `where` is a JSON pointer (/syscalls/3/names/0) or a line reference. */
export interface Finding {
  severity: Severity;
  message: string;
  where?: string;
}

/** What a file's content says it is. */
export type FileKind = 'recording' | 'seccomp-docker' | 'seccomp-oci' | 'oci-config' | 'apparmor' | 'k8s' | 'unknown';

/** The outcome of validating one file. */
export interface ValidationResult {
  file: string;
  kind: FileKind;
  findings: Finding[];
}

/** Shorthand constructor that leaves `where` out when there is none. */
export function finding(severity: Severity, message: string, where?: string): Finding {
  return where === undefined || where === '' ? { severity, message } : { severity, message, where };
}
