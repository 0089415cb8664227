// One ELF file on the host as reachability needs it: readelf's facts and, unless it is Go, objdump's code graph; from
// the cache when this file was analysed before.
import { buildCodeGraph } from './code-graph.js';
import { ANALYSIS_VERSION, cacheFile, readCached, writeCached } from './cache.js';
import { goEvidence, parseReadelf } from './readelf.js';
import { binutil } from './tools.js';
import type { ObjectSummary } from './types.js';

/** Summarise an ELF file; undefined when readelf does not take it for one. */
export async function summariseObject(hostPath: string, cacheDir: string): Promise<ObjectSummary | undefined> {
  const text = await binutil('readelf', hostPath);
  if (text === undefined) return undefined;
  const facts = parseReadelf(text);
  const file = cacheFile(cacheDir, hostPath, facts.buildId);
  const cached = readCached(file);
  if (cached) return cached;
  const go = goEvidence(facts);
  const wanted = go === undefined && facts.x86_64;
  const listing = wanted ? await binutil('objdump', hostPath) : undefined;
  if (wanted && listing === undefined) return undefined;
  const summary: ObjectSummary = {
    analysisVersion: ANALYSIS_VERSION,
    x86_64: facts.x86_64,
    type: facts.type,
    needed: facts.needed,
    runpath: facts.runpath,
    rpath: facts.rpath,
    imports: facts.imports,
    graph: listing === undefined ? { regions: [], exports: {}, entry: [], inits: [] } : buildCodeGraph(listing, facts),
  };
  if (facts.interp !== undefined) summary.interp = facts.interp;
  if (go !== undefined) summary.go = go;
  writeCached(file, summary);
  return summary;
}

/** Summaries of host files, each computed once per run. */
export class ObjectSummaries {
  private readonly memo = new Map<string, Promise<ObjectSummary | undefined>>();
  constructor(private readonly cacheDir: string) {}

  /** The summary of a host file. */
  get(hostPath: string): Promise<ObjectSummary | undefined> {
    let p = this.memo.get(hostPath);
    if (!p) this.memo.set(hostPath, (p = summariseObject(hostPath, this.cacheDir)));
    return p;
  }
}
