// `reach` over recordings: every program the runs executed, analysed in the file system its run saw, compared with the
// union of the syscalls all runs made.
import { placeholderNumber } from '../syscalls/index.js';
import type { Recording, RunTarget } from '../recording/types.js';
import { analyseExecutable } from './executable.js';
import { nameOf } from './findings.js';
import { ObjectSummaries } from './objects.js';
import { executableReach } from './report.js';
import { requireBinutils } from './tools.js';
import type { ExecutableReach, ReachReport } from './types.js';
import { openView, viewLabel } from './views.js';

/** The x86_64 syscall names the recordings made together (strace's `syscall_0xNNN` mapped to a name where known). */
export function observedSyscalls(recordings: readonly Recording[]): Set<string> {
  const names = new Set<string>();
  for (const r of recordings) {
    for (const name of Object.keys(r.syscalls.x86_64 ?? {})) {
      const nr = placeholderNumber(name);
      names.add(nr === undefined ? name : nameOf(nr));
    }
  }
  return names;
}

const SELF_EXE = /^\/proc\/(?:self|\d+)\/exe$/;

/** Each executed path with the target of a run that executed it (for a merged recording: each of its runs). */
export function executedPrograms(rec: Recording): Array<{ path: string; target: RunTarget }> {
  const out: Array<{ path: string; target: RunTarget }> = [];
  // /proc/self/exe re-runs the caller's own binary (busybox applets do): that binary is the program
  const paths = rec.executables.map((e) => (SELF_EXE.test(e.path) ? e.parent : e.path));
  if (rec.target.kind === 'process') paths.push(rec.target.exe);
  for (const p of paths) {
    if (rec.target.kind !== 'merge') {
      out.push({ path: p, target: rec.target });
      continue;
    }
    const runs = rec.provenance?.executables[p] ?? [];
    for (const s of rec.provenance?.sources ?? []) if (runs.includes(s.name)) out.push({ path: p, target: s.target });
  }
  return out.filter((e) => e.path !== '');
}

/** Group executed paths by the file system they ran in. */
function byView(recordings: readonly Recording[]): Map<string, { target: RunTarget; paths: Set<string> }> {
  const groups = new Map<string, { target: RunTarget; paths: Set<string> }>();
  for (const rec of recordings) {
    for (const { path, target } of executedPrograms(rec)) {
      const label = viewLabel(target);
      let g = groups.get(label);
      if (!g) groups.set(label, (g = { target, paths: new Set() }));
      g.paths.add(path);
    }
  }
  return groups;
}

async function analyseGroup(
  label: string,
  group: { target: RunTarget; paths: Set<string> },
  summaries: ObjectSummaries,
  observed: ReadonlySet<string>,
): Promise<ExecutableReach[]> {
  const opened = await openView(group.target);
  const out: ExecutableReach[] = [];
  try {
    const queue = [...group.paths].sort();
    const done = new Set<string>();
    while (queue.length > 0) {
      const p = queue.shift()!;
      if (done.has(p)) continue;
      done.add(p);
      if (typeof opened.view === 'string') {
        out.push({ path: p, root: label, analysed: false, why: opened.view, reachable: 0, reachableNotObserved: [] });
        continue;
      }
      const a = await analyseExecutable(p, opened.view, summaries);
      if (!a.analysed && a.interpreter !== undefined) queue.push(a.interpreter);
      out.push(executableReach(p, label, a, observed));
    }
  } finally {
    await opened.release();
  }
  return out;
}

/** The report over recordings; `cacheDir` holds the per-file code graphs. Missing binutils: exit 3. */
export async function reachReport(
  recordings: ReadonlyArray<{ name: string; recording: Recording }>,
  cacheDir: string,
): Promise<ReachReport> {
  const recs = recordings.map((r) => r.recording);
  const observed = observedSyscalls(recs);
  const groups = byView(recs);
  if (groups.size > 0) await requireBinutils();
  const summaries = new ObjectSummaries(cacheDir);
  const executables: ExecutableReach[] = [];
  for (const label of [...groups.keys()].sort()) {
    executables.push(...(await analyseGroup(label, groups.get(label)!, summaries, observed)));
  }
  executables.sort((a, b) =>
    a.path < b.path ? -1 : a.path > b.path ? 1 : a.root < b.root ? -1 : a.root > b.root ? 1 : 0,
  );
  return {
    recordings: recordings.map((r) => r.name).sort(),
    observed: observed.size,
    executables,
  };
}
