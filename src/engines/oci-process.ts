// The container's process as an engine configured it, from the config.json it handed the runtime: the one OCI config
// reader (src/parse/oci-config.ts) does the reading.
import { parseOciConfig, type OciProcess } from '../parse/oci-config.js';

export type { OciProcess };

/** Parse an OCI config.json's `process` (and mounts); `where` names the file in messages. */
export function ociProcess(text: string, where: string): OciProcess {
  return parseOciConfig(text, where).process;
}
