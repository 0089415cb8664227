// The rules a provenance section must keep beyond its schema: every fact attributed, only to listed runs, and nothing else.
import type { EndpointFact, Recording, SocketFact } from './types.js';
import { ABIS } from './types.js';

const sockKey = (s: SocketFact) => `${s.family} ${s.type} ${s.protocol}`;
const endKey = (e: EndpointFact) => `${e.family} ${JSON.stringify(e.address)} ${e.port}`;

function sameKeys(what: string, facts: Iterable<string>, attributed: Iterable<string>, out: string[]): void {
  const f = new Set(facts);
  const a = new Set(attributed);
  for (const k of f) if (!a.has(k)) out.push(`${what} ${k} has no provenance`);
  for (const k of a) if (!f.has(k)) out.push(`provenance names ${what} ${k}, which the recording does not have`);
}

/** What is wrong with a recording's provenance (empty when nothing is); the recording already passed the schema. */
export function provenanceProblems(r: Recording): string[] {
  const out: string[] = [];
  const p = r.provenance;
  if (r.target.kind === 'merge' && !p)
    return ['a merged recording (target kind "merge") must have a "provenance" section'];
  if (!p) return out;
  if (r.target.kind !== 'merge')
    return [
      `"provenance" belongs to merged recordings only (target kind "merge"), not to target kind ${JSON.stringify(r.target.kind)}`,
    ];

  const names = new Set<string>();
  for (const s of p.sources) {
    if (names.has(s.name)) out.push(`provenance lists the run ${JSON.stringify(s.name)} twice`);
    names.add(s.name);
  }
  const known = (where: string, runs: Iterable<string>) => {
    for (const run of runs)
      if (!names.has(run))
        out.push(`${where} names the run ${JSON.stringify(run)}, which is not among provenance.sources`);
  };

  for (const abi of ABIS) {
    const facts = r.syscalls[abi] ?? {};
    const prov = p.syscalls[abi] ?? {};
    sameKeys(`syscall (${abi})`, Object.keys(facts), Object.keys(prov), out);
    for (const [name, byRun] of Object.entries(prov))
      known(`provenance of syscall ${name} (${abi})`, Object.keys(byRun));
  }

  sameKeys('file', Object.keys(r.files), Object.keys(p.files), out);
  for (const [path, byRun] of Object.entries(p.files)) {
    known(`provenance of file ${JSON.stringify(path)}`, Object.keys(byRun));
    const fact = r.files[path];
    if (!fact) continue;
    const union = new Set(Object.values(byRun).flat());
    const facts = new Set(fact.access);
    if (union.size !== facts.size || [...union].some((a) => !facts.has(a))) {
      out.push(
        `file ${JSON.stringify(path)}: the runs' accesses (${[...union].sort().join(', ')}) are not the recording's (${[...facts].sort().join(', ')})`,
      );
    }
  }

  sameKeys(
    'executable',
    r.executables.map((e) => JSON.stringify(e.path)),
    Object.keys(p.executables).map((k) => JSON.stringify(k)),
    out,
  );
  for (const [path, runs] of Object.entries(p.executables))
    known(`provenance of executable ${JSON.stringify(path)}`, runs);
  sameKeys(
    'capability',
    r.identity.capabilities.map((c) => c.name),
    Object.keys(p.capabilities),
    out,
  );
  for (const [cap, runs] of Object.entries(p.capabilities)) known(`provenance of ${cap}`, runs);

  sameKeys('socket', r.network.sockets.map(sockKey), p.network.sockets.map(sockKey), out);
  for (const s of p.network.sockets) known(`provenance of socket ${sockKey(s)}`, s.recordings);
  for (const verb of ['bind', 'connect', 'listen'] as const) {
    sameKeys(verb, r.network[verb].map(endKey), p.network[verb].map(endKey), out);
    for (const e of p.network[verb]) known(`provenance of ${verb} ${endKey(e)}`, e.recordings);
  }
  return out;
}
