// Analysing one executed path in the file system its run saw: follow its symlinks, tell a script, a Go program, a
// static and a dynamic ELF program apart, load a dynamic one's libraries as the loader would, and find what it reaches.
import fs from 'node:fs';
import type { ExecLookup } from '../analyze/exec-resolve.js';
import { realpathIn, type ToHost } from '../trace/exec-lookup.js';
import { parseLdCache } from './ldcache.js';
import { loadOrder, type LinkFacts } from './loader.js';
import type { ObjectSummaries } from './objects.js';
import { reachability, type LinkedObject, type Reachability } from './reachability.js';
import { isElf64X86, readHead } from './tools.js';

/** A file system as a run saw it: the host's, a bundle's root and mounts, or an image's root. */
export interface RootView {
  /** `host`, `bundle:DIR`, `docker:IMAGE` or `podman:IMAGE`. */
  label: string;
  toHost: ToHost;
  lookup: ExecLookup;
}

/** The outcome for one executed path, before it is compared with the recordings. */
export type Analysis =
  | { analysed: false; why: string; resolved?: string; interpreter?: string }
  | {
      analysed: true;
      resolved: string;
      linking: 'static' | 'dynamic';
      objects: LinkedObject[];
      /** DT_NEEDED names found nowhere in the root. */
      missing: string[];
      reach: Reachability;
    };

function hostFile(view: RootView, p: string): string | undefined {
  const real = realpathIn(p, view.toHost);
  return real === undefined ? undefined : view.toHost(real);
}

function readLdCache(view: RootView): Map<string, string[]> {
  const file = hostFile(view, '/etc/ld.so.cache');
  try {
    return file === undefined ? new Map() : parseLdCache(fs.readFileSync(file));
  } catch {
    return new Map();
  }
}

async function libraries(
  view: RootView,
  exe: LinkedObject,
  summaries: ObjectSummaries,
): Promise<{ objects: LinkedObject[]; missing: string[] }> {
  const facts = async (p: string): Promise<LinkFacts> => {
    const host = hostFile(view, p);
    const s = host === undefined ? undefined : await summaries.get(host);
    return s ?? { needed: [], runpath: [], rpath: [] };
  };
  const env = {
    probe: (p: string) => {
      const host = hostFile(view, p);
      return host !== undefined && isElf64X86(readHead(host, 20));
    },
    facts,
    cache: readLdCache(view),
  };
  const order = await loadOrder(exe.path, exe.summary, env);
  const objects = [exe];
  const missing = [...order.missing];
  for (const lib of order.libraries) {
    const host = hostFile(view, lib.path);
    const summary = host === undefined ? undefined : await summaries.get(host);
    if (summary) objects.push({ path: lib.path, summary });
    else missing.push(lib.name);
  }
  await markInterpreter(view, exe, objects, summaries);
  return { objects, missing: missing.sort() };
}

/** Mark the program interpreter among the loaded objects (ld.so is also libc's DT_NEEDED), or add it. */
async function markInterpreter(
  view: RootView,
  exe: LinkedObject,
  objects: LinkedObject[],
  summaries: ObjectSummaries,
): Promise<void> {
  const interp = exe.summary.interp;
  const host = interp === undefined ? undefined : hostFile(view, interp);
  if (interp === undefined || host === undefined) return;
  const loaded = objects.find((o, i) => i > 0 && hostFile(view, o.path) === host);
  if (loaded) {
    loaded.interpreter = true;
    return;
  }
  const summary = await summaries.get(host);
  if (summary) objects.push({ path: interp, summary, interpreter: true });
}

/** Analyse one executed path (as the recording names it) in its run's file system. */
export async function analyseExecutable(path: string, view: RootView, summaries: ObjectSummaries): Promise<Analysis> {
  const target = view.lookup(path);
  if (!target) return { analysed: false, why: `not found in the file system it ran in (${view.label}) any more` };
  const resolved = target.resolved;
  if (target.interpreter !== undefined) {
    const why = `a script: the kernel runs its #! interpreter ${target.interpreter}, which is analysed as an executable of its own`;
    return { analysed: false, why, resolved, interpreter: target.interpreter };
  }
  const host = view.toHost(resolved);
  const head = readHead(host, 64);
  if (head === undefined) return { analysed: false, why: `cannot be read at ${host}`, resolved };
  if (!isElf64X86(head)) return { analysed: false, why: 'not an x86-64 ELF program', resolved };
  const summary = await summaries.get(host);
  if (!summary) return { analysed: false, why: 'readelf or objdump could not read it', resolved };
  if (summary.go !== undefined) {
    const why = `a Go program (${summary.go}): Go makes syscalls from its own runtime, which this analysis does not follow`;
    return { analysed: false, why, resolved };
  }
  const exe: LinkedObject = { path: resolved, summary };
  if (summary.needed.length === 0 && summary.interp === undefined) {
    return { analysed: true, resolved, linking: 'static', objects: [exe], missing: [], reach: reachability([exe]) };
  }
  const { objects, missing } = await libraries(view, exe, summaries);
  return { analysed: true, resolved, linking: 'dynamic', objects, missing, reach: reachability(objects) };
}
