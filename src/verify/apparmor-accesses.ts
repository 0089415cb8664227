// What AppArmor would be asked, from recordings: each path with the permissions its accesses need (directories with
// their trailing "/", /proc/self as /proc/<pid>), each executed path, capability and socket, with the programs, recording
// files and runs behind it.
import type { FileAccess, Recording } from '../recording/types.js';
import type { Perm } from '../apparmor/perms.js';
import { byCodeUnit } from '../util/json.js';
import type { AppArmorDenial } from './apparmor-types.js';
import { addressFamilyName, addressFamilyValue, parseNumber } from '../render/seccomp-args.js';

/** A recording and how to name it in the report (its file). */
export interface LabelledRecording {
  label: string;
  recording: Recording;
}

/** Who is behind an access. */
export interface Origin {
  recordings: Set<string>;
  runs: Set<string>;
  programs: Set<string>;
  /** False when some recording ran several programs and does not say which one made this access. */
  programsKnown: boolean;
}

/** A path and what its accesses need. */
export interface PathNeed {
  path: string;
  /** The paths AppArmor would see for it (several pids for /proc/self/...). */
  seenAs: string[];
  note?: string;
  needs: Map<Perm, Set<FileAccess>>;
  origin: Origin;
  execOrigin?: Origin;
}

/** A capability or a socket kind and what needed it. */
export interface OtherNeed {
  key: string;
  needs: Set<string>;
  origin: Origin;
}

/** Every access of the recordings, keyed and sorted by the caller. */
export interface Accesses {
  paths: Map<string, PathNeed>;
  capabilities: Map<string, OtherNeed>;
  sockets: Map<string, OtherNeed & { domain: string; type?: string }>;
}

/** The permission each recorded access needs under AppArmor ("stat" needs none: getattr is not mediated by 3.0 policy). */
export const ACCESS_NEEDS: Readonly<Record<FileAccess, readonly Perm[]>> = {
  read: ['r'],
  'dir-list': ['r'],
  write: ['w'],
  append: ['a'],
  create: ['w'],
  delete: ['w'],
  metadata: ['w'],
  // the kernel asks for read, write and delete on the source of a rename (apparmor_path_rename)
  rename: ['r', 'w'],
  link: ['l'],
  lock: ['k'],
  'mmap-exec': ['m'],
  exec: ['x'],
  stat: [],
};

/** Who runs a recording's first program: tracewall or the container runtime. */
export const STARTER = '(the first program: started by tracewall or the container runtime)';
const SAMPLE_IDS = ['1', '4242', '4194304'];

function origin(): Origin {
  return { recordings: new Set(), runs: new Set(), programs: new Set(), programsKnown: true };
}

function addOrigin(o: Origin, label: string, programs: Iterable<string>, known: boolean, runs: Iterable<string>): void {
  o.recordings.add(label);
  for (const p of programs) o.programs.add(p);
  for (const r of runs) o.runs.add(r);
  o.programsKnown &&= known;
}

/** An origin as report fields, sorted. */
export function originFields(o: Origin): Pick<AppArmorDenial, 'programs' | 'programsKnown' | 'recordings' | 'runs'> {
  return {
    programs: [...o.programs].sort(byCodeUnit),
    programsKnown: o.programsKnown,
    recordings: [...o.recordings].sort(byCodeUnit),
    runs: [...o.runs].sort(byCodeUnit),
  };
}

/**
 * The bytes the kernel would match for a recorded path: UTF-8, except that a character standing for bytes the recording
 * could not keep (U+FFFD for invalid UTF-8, a lone surrogate, NUL) is one byte of no printable value, as the renderer's
 * `?` for it assumes.
 */
export function pathBytes(path: string): Uint8Array {
  const out: number[] = [];
  for (const ch of path) {
    const cp = ch.codePointAt(0)!;
    if (cp === 0 || cp === 0xfffd || (cp >= 0xd800 && cp <= 0xdfff)) out.push(0xff);
    else out.push(...Buffer.from(ch, 'utf8'));
  }
  return Uint8Array.from(out);
}

/** How AppArmor sees a recorded path: /proc/self and /proc/thread-self resolved, tried with several ids. */
function seenAs(path: string): { seen: string[]; note?: string } {
  const m = /^\/proc\/(self|thread-self)(\/[\s\S]*)?$/.exec(path);
  if (!m) return { seen: [path] };
  const rest = m[2] ?? '';
  const seen = SAMPLE_IDS.map((id) => (m[1] === 'self' ? `/proc/${id}${rest}` : `/proc/${id}/task/${id}${rest}`));
  return {
    seen,
    note: `AppArmor sees /proc/${m[1]} as ${m[1] === 'self' ? '/proc/<pid>' : '/proc/<pid>/task/<tid>'} (checked for pids ${SAMPLE_IDS.join(', ')})`,
  };
}

/** Recorded paths with a trailing "/" where they are directories: listed, or holding another recorded path. */
function directoryPaths(recordings: readonly LabelledRecording[]): Map<string, string> {
  const all = new Set(recordings.flatMap((r) => Object.keys(r.recording.files)));
  const parents = new Set<string>();
  for (const p of all)
    for (let at = p.indexOf('/', 1); at > 0; at = p.indexOf('/', at + 1)) parents.add(p.slice(0, at));
  const listed = new Set(
    recordings.flatMap((r) =>
      Object.entries(r.recording.files)
        .filter(([, f]) => f.access.includes('dir-list'))
        .map(([p]) => p),
    ),
  );
  return new Map([...all].map((p) => [p, !p.endsWith('/') && (parents.has(p) || listed.has(p)) ? `${p}/` : p]));
}

/** The programs a recording ran, named by path and, where it differs, the argv[0] they ran as (busybox applets). */
function programsOf(r: Recording): string[] {
  const names = new Map<string, Set<string>>();
  for (const e of r.executables) {
    const set = names.get(e.path) ?? new Set<string>();
    if (e.argv0 !== '' && e.argv0 !== e.path && e.argv0 !== e.path.split('/').pop()) set.add(e.argv0);
    names.set(e.path, set);
  }
  return [...names].map(([p, as]) => (as.size > 0 ? `${p} (as ${[...as].sort(byCodeUnit).join(', ')})` : p));
}

function execOrigin(need: PathNeed, r: LabelledRecording, original: string): void {
  const facts = r.recording.executables.filter((e) => e.path === original);
  need.execOrigin ??= origin();
  const runs =
    r.recording.provenance?.executables[original] ?? Object.keys(r.recording.provenance?.files[original] ?? {});
  if (facts.length > 0)
    addOrigin(
      need.execOrigin,
      r.label,
      facts.map((e) => e.parent || STARTER),
      true,
      runs,
    );
  else addOrigin(need.execOrigin, r.label, programsOf(r.recording), false, runs);
}

function addFiles(out: Accesses, r: LabelledRecording, dirs: Map<string, string>): void {
  const programs = programsOf(r.recording);
  const entries: Array<[string, FileAccess[]]> = Object.entries(r.recording.files).map(([p, f]) => [p, f.access]);
  for (const e of r.recording.executables) if (!r.recording.files[e.path]) entries.push([e.path, ['exec']]);
  for (const [original, access] of entries) {
    const path = dirs.get(original) ?? original;
    let need = out.paths.get(path);
    if (!need) {
      const s = seenAs(path);
      need = { path, seenAs: s.seen, needs: new Map(), origin: origin(), ...(s.note ? { note: s.note } : {}) };
      out.paths.set(path, need);
    }
    for (const a of access) {
      for (const perm of ACCESS_NEEDS[a]) {
        const set = need.needs.get(perm) ?? new Set<FileAccess>();
        set.add(a);
        need.needs.set(perm, set);
      }
    }
    const runs = Object.keys(r.recording.provenance?.files[original] ?? {});
    addOrigin(need.origin, r.label, programs, programs.length === 1, runs);
    if (access.includes('exec')) execOrigin(need, r, original);
  }
}

/** AppArmor's name of a socket family (AF_INET → inet), or the recorded text when it has none. */
export function domainName(family: string): string {
  const value = addressFamilyValue(family.replace(/^PF_/, 'AF_'));
  const name = value === undefined ? family : addressFamilyName(value);
  const lower = name.replace(/^AF_/, '').toLowerCase();
  return ({ local: 'unix', file: 'unix', route: 'netlink' } as Record<string, string>)[lower] ?? lower;
}

const TYPES: Readonly<Record<number, string>> = {
  1: 'stream',
  2: 'dgram',
  3: 'raw',
  4: 'rdm',
  5: 'seqpacket',
  10: 'packet',
};
const TYPE_NAMES: Readonly<Record<string, number>> = {
  SOCK_STREAM: 1,
  SOCK_DGRAM: 2,
  SOCK_RAW: 3,
  SOCK_RDM: 4,
  SOCK_SEQPACKET: 5,
  SOCK_PACKET: 10,
};

/** AppArmor's name of a socket type (SOCK_STREAM|SOCK_CLOEXEC → stream), or undefined when unknown. */
export function typeName(type: string): string | undefined {
  for (const part of type.split('|').map((t) => t.trim())) {
    const n = TYPE_NAMES[part] ?? parseNumber(part);
    if (n !== undefined && TYPES[n & 0xf]) return TYPES[n & 0xf];
  }
  return undefined;
}

function addOthers(out: Accesses, r: LabelledRecording): void {
  const programs = programsOf(r.recording);
  const known = programs.length === 1;
  for (const c of r.recording.identity.capabilities) {
    const key = c.name.replace(/^CAP_/, '').toLowerCase();
    const need = out.capabilities.get(key) ?? { key, needs: new Set<string>(), origin: origin() };
    c.reasons.forEach((x) => need.needs.add(x));
    addOrigin(need.origin, r.label, programs, known, r.recording.provenance?.capabilities[c.name] ?? []);
    out.capabilities.set(key, need);
  }
  for (const s of r.recording.network.sockets) {
    const domain = domainName(s.family);
    const type = typeName(s.type);
    const key = type ? `${domain} ${type}` : domain;
    const need = out.sockets.get(key) ?? {
      key,
      domain,
      ...(type ? { type } : {}),
      needs: new Set<string>(),
      origin: origin(),
    };
    need.needs.add(`${s.family} ${s.type} ${s.protocol}`);
    const prov = r.recording.provenance?.network.sockets.find(
      (p) => p.family === s.family && p.type === s.type && p.protocol === s.protocol,
    );
    addOrigin(need.origin, r.label, programs, known, prov?.recordings ?? []);
    out.sockets.set(key, need);
  }
}

/** Every access of the recordings that AppArmor mediates. */
export function collectAccesses(recordings: readonly LabelledRecording[]): Accesses {
  const out: Accesses = { paths: new Map(), capabilities: new Map(), sockets: new Map() };
  const dirs = directoryPaths(recordings);
  for (const r of recordings) {
    addFiles(out, r, dirs);
    addOthers(out, r);
  }
  return out;
}
