// The per-file cache of code graphs (disassembling libc takes seconds): one JSON file per ELF file, keyed by its
// build-id and size (or, without a build-id, its path, size and mtime) and by a fingerprint of the analysis code itself,
// so a changed file or a changed analysis (even one not yet released) never reads a stale entry. A cache that cannot be
// read or written is skipped, never an error.
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeFileAtomic } from '../util/atomic.js';
import type { ObjectSummary } from './types.js';

/** Bump whenever the analysis would give another result for the same file. */
export const ANALYSIS_VERSION = 1;

/** The cache directory: $TRACEWALL_CACHE_DIR, else $XDG_CACHE_HOME/tracewall, else ~/.cache/tracewall. */
export function cacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.TRACEWALL_CACHE_DIR) return env.TRACEWALL_CACHE_DIR;
  return path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'tracewall');
}

let fingerprint: string | undefined;

/** A hash of this directory's code (the analysis that writes the cache), computed once. */
export function analysisFingerprint(): string {
  if (fingerprint === undefined) {
    const dir = path.dirname(fileURLToPath(import.meta.url));
    const hash = crypto.createHash('sha256').update(`v${ANALYSIS_VERSION}`);
    for (const f of fs.readdirSync(dir).sort()) {
      if (/\.(js|ts)$/.test(f)) hash.update(`\0${f}\0`).update(fs.readFileSync(path.join(dir, f)));
    }
    fingerprint = hash.digest('hex').slice(0, 16);
  }
  return fingerprint;
}

/** The cache file of an ELF file on the host. */
export function cacheFile(dir: string, hostPath: string, buildId: string | undefined): string | undefined {
  let st: fs.Stats;
  try {
    st = fs.statSync(hostPath);
  } catch {
    return undefined;
  }
  const key = buildId
    ? `${buildId}-${st.size}`
    : crypto.createHash('sha256').update(`${hostPath}\0${st.size}\0${st.mtimeMs}`).digest('hex');
  return path.join(dir, 'reach', `${analysisFingerprint()}-${key}.json`);
}

/** A cached summary, or undefined when there is none (or it is unreadable or of another analysis version). */
export function readCached(file: string | undefined): ObjectSummary | undefined {
  if (file === undefined) return undefined;
  try {
    const value = JSON.parse(fs.readFileSync(file, 'utf8')) as ObjectSummary;
    return value.analysisVersion === ANALYSIS_VERSION && Array.isArray(value.graph?.regions) ? value : undefined;
  } catch {
    return undefined;
  }
}

/** Store a summary; a cache directory that cannot be written is left alone. */
export function writeCached(file: string | undefined, summary: ObjectSummary): void {
  if (file === undefined) return;
  try {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    writeFileAtomic(file, JSON.stringify(summary));
  } catch {
    // a read-only or full cache only costs time
  }
}
