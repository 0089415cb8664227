// Which libraries a program loads, found the way glibc's dynamic loader finds them (without LD_LIBRARY_PATH, which a
// recording does not keep): DT_RPATH (when there is no DT_RUNPATH), DT_RUNPATH, /etc/ld.so.cache, the default
// directories, all inside the program's own root; breadth-first, each library once: the symbol lookup order.
import path from 'node:path';

/** What the loader reads of an object: its needed names and search paths. */
export interface LinkFacts {
  needed: string[];
  runpath: string[];
  rpath: string[];
}

/** A library found for a DT_NEEDED name: its path in the program's root. */
export interface FoundLibrary {
  name: string;
  path: string;
}

/** Ways to look inside the root: `probe` says whether a path there is a loadable x86-64 ELF object. */
export interface LoaderEnv {
  probe: (pathInRoot: string) => boolean;
  facts: (pathInRoot: string) => Promise<LinkFacts>;
  cache: ReadonlyMap<string, readonly string[]>;
}

/** glibc's trusted directories on Debian x86-64 (multiarch first, then the lib64 and plain ones). */
export const DEFAULT_DIRS = [
  '/lib/x86_64-linux-gnu',
  '/usr/lib/x86_64-linux-gnu',
  '/lib64',
  '/usr/lib64',
  '/lib',
  '/usr/lib',
];

/** Expand `$ORIGIN`/`${ORIGIN}` (the object's own directory) and `$LIB` (the multiarch lib directory). */
export function expandDst(dir: string, objectPath: string): string {
  return dir
    .replace(/\$\{ORIGIN\}|\$ORIGIN/g, path.posix.dirname(objectPath))
    .replace(/\$\{LIB\}|\$LIB/g, 'lib/x86_64-linux-gnu')
    .replace(/\$\{PLATFORM\}|\$PLATFORM/g, 'x86_64');
}

function searchDirs(obj: LinkFacts, objPath: string, exe: LinkFacts, exePath: string): string[] {
  const dirs: string[] = [];
  if (obj.runpath.length === 0) {
    dirs.push(...obj.rpath.map((d) => expandDst(d, objPath)));
    if (obj !== exe) dirs.push(...exe.rpath.map((d) => expandDst(d, exePath)));
  }
  dirs.push(...obj.runpath.map((d) => expandDst(d, objPath)));
  return dirs;
}

function findOne(name: string, dirs: string[], env: LoaderEnv): string | undefined {
  if (name.includes('/')) return env.probe(name) ? name : undefined;
  for (const d of dirs) {
    const p = path.posix.join(d, name);
    if (env.probe(p)) return p;
  }
  for (const p of env.cache.get(name) ?? []) if (env.probe(p)) return p;
  for (const d of DEFAULT_DIRS) {
    const p = path.posix.join(d, name);
    if (env.probe(p)) return p;
  }
  return undefined;
}

/** The libraries a program loads in lookup order, and the needed names found nowhere in its root. */
export async function loadOrder(
  exePath: string,
  exe: LinkFacts,
  env: LoaderEnv,
): Promise<{ libraries: FoundLibrary[]; missing: string[] }> {
  const libraries: FoundLibrary[] = [];
  const missing: string[] = [];
  const seenNames = new Set<string>();
  const seenPaths = new Set<string>([exePath]);
  const queue: Array<{ path: string; facts: LinkFacts }> = [{ path: exePath, facts: exe }];
  while (queue.length > 0) {
    const obj = queue.shift()!;
    for (const name of obj.facts.needed) {
      if (seenNames.has(name)) continue;
      seenNames.add(name);
      const found = findOne(name, searchDirs(obj.facts, obj.path, exe, exePath), env);
      if (found === undefined) {
        missing.push(name);
        continue;
      }
      if (seenPaths.has(found)) continue;
      seenPaths.add(found);
      libraries.push({ name, path: found });
      queue.push({ path: found, facts: await env.facts(found) });
    }
  }
  return { libraries, missing: missing.sort() };
}
