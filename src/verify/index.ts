// The verify verb's API: run a bundle under a seccomp profile and report what it denies. Each export is documented where it is defined.
export { verifyBundle, type VerifyOptions } from './run.js';
export { verifyEngine, capabilitiesFromArgs, type EngineVerifyOptions } from './engine-verify.js';
export { verifyExitCode, workloadFailed } from './exit-code.js';
export { formatVerifyText } from './format-text.js';
export { formatVerifyJson, VERIFY_REPORT_VERSION } from './format-json.js';
export { toLogProfile, type LogTransform } from './log-profile.js';
export { toEnforceProfile } from './enforce-profile.js';
export { resolveProfile, type ContainerFacts } from './docker-resolve.js';
export { outcomeOf, actionText, type Outcome } from './profile-outcome.js';
export { aggregate, type Aggregate } from './aggregate.js';
export { parseSeccompLine } from './audit-line.js';
export { abiOf, nameOf, actionOf } from './audit-arch.js';
export { originOf } from './origin.js';
export { findLogSource, hostProbe, type SourceProbe } from './find-source.js';
export { inAuditSession } from './audit-session.js';
export type * from './types.js';
