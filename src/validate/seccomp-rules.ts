// What the validator's semantic checks share about a profile's rules (the rules themselves are read by the one
// seccomp model, src/model/seccomp-profile.ts).
import { pointerSegment } from './ajv-findings.js';

/** Docker architecture names (Go GOARCH names plus the x86/x32 aliases moby's own profile uses). */
export const DOCKER_ARCHES: ReadonlySet<string> = new Set([
  'amd64',
  '386',
  'x86',
  'x32',
  'arm',
  'arm64',
  'ppc',
  'ppc64',
  'ppc64le',
  's390',
  's390x',
  'mips',
  'mipsle',
  'mips64',
  'mips64le',
  'mips64n32',
  'mips64len32',
  'riscv64',
  'loong64',
  'loongarch64',
  'parisc',
  'parisc64',
  'sh',
]);

/** JSON pointer of a member of an object at `prefix`. */
export function memberPointer(prefix: string, key: string): string {
  return `${prefix}/${pointerSegment(key)}`;
}
