// The validate verb's API: recognise a file's kind from its content and check it. Each export is documented where it is defined.
export { validateFile, validateFiles, type ValidateOptions } from './validate-file.js';
export { detectKind } from './detect.js';
export { validateSeccomp } from './seccomp.js';
export { formatFindings, exitCodeFor } from './format.js';
export { SYSCALL_RISK, RISK_LEVELS, riskOf, type RiskLevel, type SyscallRisk } from './risk-catalogue.js';
export type { Finding, Severity, FileKind, ValidationResult } from './types.js';
