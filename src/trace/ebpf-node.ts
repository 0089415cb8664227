// The eBPF recorder's node-wide mode: one loader records every container of the node at once, each by its cgroup (v2)
// id, from the moment a task enters it; each cgroup's log is its own (a log of the one-tree modes' grammar, in
// workDir), taken (finished, its kernel state freed) or snapshotted at any moment without stopping the others. The
// kernel decides which cgroups are containers' at forks, execs and cgroup moves (never on the syscall hot path): a
// cgroup below one of the `roots` (level-1 cgroups named like kubepods.slice, machine.slice, ...), never tracewall's
// own. src/trace/ebpf/README.md ("Node mode") documents the rule and the loader's commands.
import fs from 'node:fs';
import path from 'node:path';
import { spawn } from 'node:child_process';
import readline from 'node:readline';
import { badInput, toolMissing } from '../errors.js';
import type { LostCounts, Recording } from '../recording/types.js';
import { recordingFromEbpf } from '../analyze/from-ebpf.js';
import { resolveExecs, type ExecLookup } from '../analyze/exec-resolve.js';
import { processExecLookup } from './exec-lookup.js';
import type { BpftraceMeta } from '../analyze/from-bpftrace.js';
import { clsTable, ebpfVersion, loaderPath, verifierLogPath } from './ebpf.js';

/** A level-1 cgroup containers live under: by name; their cgroups at `depth` (0: any level below it) and, when
 * `prefixes` is not empty, the level-2 cgroup on their path starts with one of them. */
export interface CgroupRoot {
  name: string;
  depth: number;
  prefixes: string[];
}

/** Where containerd, CRI-O, podman and docker put their containers, with the systemd and the cgroupfs drivers. */
export const DEFAULT_ROOTS: readonly CgroupRoot[] = [
  { name: 'kubepods.slice', depth: 0, prefixes: [] }, // kubelet, systemd driver (any runtime)
  { name: 'kubepods', depth: 0, prefixes: [] }, // kubelet, cgroupfs driver
  { name: 'machine.slice', depth: 2, prefixes: ['libpod-', 'crio-', 'docker-'] }, // podman (systemd), CRI-O
  { name: 'system.slice', depth: 2, prefixes: ['docker-', 'crio-', 'cri-containerd-'] }, // docker (systemd)
  { name: 'libpod_parent', depth: 2, prefixes: ['libpod-'] }, // podman (cgroupfs)
  { name: 'docker', depth: 2, prefixes: [] }, // docker (cgroupfs)
  { name: 'k8s.io', depth: 2, prefixes: [] }, // containerd's CRI without a kubelet's parent (cgroupfs)
];

/** A cgroup below a root that is still not a container's: podman's conmon scope (machine.slice/libpod-conmon-ID). */
const NOT_A_CONTAINER = /(^|\/)libpod-conmon-[^/]*$/;

/** What the kernel could not record: the Recording's kinds, syscalls not counted, cgroups not recorded. */
export type NodeLost = LostCounts & { counts: number; cgroups: number };

/** A container cgroup being recorded. */
export interface NodeCgroup {
  /** The cgroup's id: the inode number of its cgroup v2 directory. */
  id: number;
  /** Its path below the cgroup v2 mount ("/kubepods.slice/..."), "" when it was gone before it could be found. */
  path: string;
  /** When the recorder saw it first. */
  since: Date;
}

/** How to start the node recorder. */
export interface NodeRecorderOptions {
  /** Where the per-cgroup logs go (created; left in place, the caller removes it). */
  workDir: string;
  /** Aborting it ends the recorder as close() does (every log finished). */
  signal?: AbortSignal;
  roots?: readonly CgroupRoot[];
  /** Cgroup ids never recorded (the recorder's own cgroup is never recorded). */
  exclude?: number[];
  /** Ring buffer bytes (a power of two, ≥ 4096; default 4 MiB or TRACEWALL_EBPF_RINGBUF). */
  ringbufBytes?: number;
  /** Container cgroups recorded at once (default 4096), syscall counters over all of them (default 1,048,576). */
  maxCgroups?: number;
  maxCounts?: number;
  /** Called for each new container cgroup (after the conmon-like ones are left out). */
  onCgroup?: (c: NodeCgroup) => void;
  env?: NodeJS.ProcessEnv;
}

/** What close() leaves: every cgroup's finished log not taken before, and the run's losses. */
export interface NodeClosed {
  logs: Map<number, string>;
  lost: NodeLost;
}

/** Recording metadata for one cgroup (the tracer and its version are the recorder's). */
export type NodeRecordingMeta = Omit<BpftraceMeta, 'tracerVersion' | 'table'>;

/** The node recorder the agent and `record --node` drive. */
export interface NodeRecorder {
  readonly tracerVersion: string;
  /** The cgroup v2 mount ("/sys/fs/cgroup", or "/sys/fs/cgroup/unified" on a hybrid host). */
  readonly cgroupMount: string;
  /** The container cgroups recorded now (not taken or forgotten), by id. */
  cgroups(): NodeCgroup[];
  /** Record a cgroup already running (its processes are the application already): by id or path below the mount. */
  watch(cgroup: number | string): Promise<number>;
  /** The Recording of a cgroup so far; it keeps being recorded. Executed paths are resolved (symlinks, `#!`
   * interpreters, /proc/self/exe) with `lookup`, by default in the view of a process still in the cgroup. */
  snapshot(id: number, meta: NodeRecordingMeta, lookup?: ExecLookup): Promise<Recording | null>;
  /** The Recording of a cgroup (null when nothing of it was recorded), which is then forgotten (kernel state freed,
   * never recorded again); executed paths resolved as for snapshot. */
  take(id: number, meta: NodeRecordingMeta, lookup?: ExecLookup): Promise<Recording | null>;
  /** Stop recording a cgroup and free its state, without a Recording. */
  forget(id: number): Promise<void>;
  /** The run's losses so far (per cgroup, each Recording's `lost` says its own). */
  lost(): Promise<NodeLost>;
  /** Stop: every cgroup's log finished; the logs not taken, the losses. Idempotent. */
  close(): Promise<NodeClosed>;
  /** Resolves when the loader has ended (after close(), or on its own: `died()` then says why). */
  done: Promise<void>;
  died(): string | null;
}

/** The cgroup v2 mount point of this host (hybrid hosts mount it at /sys/fs/cgroup/unified). */
export function cgroup2Mount(mountinfo = fs.readFileSync('/proc/self/mountinfo', 'utf8')): string {
  for (const line of mountinfo.split('\n')) {
    const [pre, post] = line.split(' - ');
    if (post?.split(' ')[0] === 'cgroup2') return pre!.split(' ')[4]!.replace(/\\040/g, ' ');
  }
  throw toolMissing('no cgroup v2 hierarchy is mounted: the node mode records containers by their cgroup v2 id');
}

/** The cgroup v2 path of process `pid` ("/libpod_parent/libpod-ID"), from /proc/PID/cgroup's `0::` line. */
export function cgroupOfPid(pid: number): string {
  const text = fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8');
  const line = text.split('\n').find((l) => l.startsWith('0::'));
  if (line === undefined) throw badInput(`process ${pid} has no cgroup v2 path in /proc/${pid}/cgroup`);
  return line.slice(3);
}

/** A cgroup's id: the inode number of its directory below the mount. */
export function cgroupId(mount: string, cgroupPath: string): number {
  return Number(fs.statSync(path.join(mount, cgroupPath), { bigint: true }).ino);
}

/** The path below `mount` of cgroup `id`, searched under the roots' directories; "" when not found. */
export function findCgroupPath(mount: string, id: number, roots: readonly CgroupRoot[]): string {
  const walk = (dir: string, depth: number): string => {
    if (depth > 6) return '';
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(path.join(mount, dir), { withFileTypes: true });
    } catch {
      return '';
    }
    for (const e of entries) {
      if (!e.isDirectory()) continue;
      const rel = `${dir}/${e.name}`;
      try {
        if (fs.statSync(path.join(mount, rel)).ino === id) return rel;
      } catch {
        continue;
      }
      const below = walk(rel, depth + 1);
      if (below) return below;
    }
    return '';
  };
  for (const r of roots) {
    const found = walk(`/${r.name}`, 2);
    if (found) return found;
  }
  return '';
}

/** The container cgroups that have processes now (paths below `mount`), by the rule the kernel applies. */
export function runningContainerCgroups(mount: string, roots: readonly CgroupRoot[]): string[] {
  const out: string[] = [];
  const walk = (rel: string, level: number, r: CgroupRoot): void => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(path.join(mount, rel), { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (!e.isDirectory()) continue;
      if (level === 2 && r.prefixes.length && !r.prefixes.some((p) => e.name.startsWith(p))) continue;
      const child = `${rel}/${e.name}`;
      if ((r.depth === 0 || r.depth === level) && !NOT_A_CONTAINER.test(child) && hasProcesses(mount, child))
        out.push(child);
      if ((r.depth === 0 || level < r.depth) && level < 8) walk(child, level + 1, r);
    }
  };
  for (const r of roots) walk(`/${r.name}`, 2, r);
  return out.sort();
}

function hasProcesses(mount: string, rel: string): boolean {
  try {
    return fs.readFileSync(path.join(mount, rel, 'cgroup.procs'), 'utf8').trim() !== '';
  } catch {
    return false;
  }
}

/** The loader's --roots value. */
function rootsArg(roots: readonly CgroupRoot[]): string {
  for (const r of roots)
    if (
      !/^[^:;,\s]{1,31}$/.test(r.name) ||
      r.prefixes.some((p) => !/^[^:;,\s]{1,15}$/.test(p)) ||
      r.prefixes.length > 4
    )
      throw badInput(
        `cgroup root ${JSON.stringify(r)}: expected a name of 1-31 bytes and up to 4 prefixes of 1-15 bytes`,
      );
  return roots.map((r) => `${r.name}:${r.depth}:${r.prefixes.join(',')}`).join(';');
}

const LOST_ORDER = ['events', 'processes', 'strings', 'paths', 'counts', 'cgroups'] as const;

function lostFrom(values: number[]): NodeLost {
  const out = { events: 0, processes: 0, strings: 0, paths: 0, counts: 0, cgroups: 0 };
  LOST_ORDER.forEach((k, i) => (out[k] = values[i] ?? 0));
  return out;
}

const LOST_LINE: Record<string, (typeof LOST_ORDER)[number]> = {
  ringbuf: 'events',
  tasks: 'processes',
  strings: 'strings',
  paths: 'paths',
  counts: 'counts',
  cgroups: 'cgroups',
};

/** Start the node recorder; resolves once the program is loaded and attached (toolMissing, exit 3, when it cannot). */
export async function startNodeRecorder(o: NodeRecorderOptions): Promise<NodeRecorder> {
  const env = o.env ?? process.env;
  const tracerVersion = ebpfVersion(env);
  const mount = cgroup2Mount();
  const roots = o.roots ?? DEFAULT_ROOTS;
  fs.mkdirSync(o.workDir, { recursive: true });
  const own = cgroupId(mount, cgroupOfPid(process.pid));
  const args = ['--mode', '4', '--cls', clsTable(), '--workdir', o.workDir, '--roots', rootsArg(roots)];
  args.push('--exclude', [own, ...(o.exclude ?? [])].join(','), '--watch', String(process.pid));
  args.push('--verifier-log', verifierLogPath());
  if (o.ringbufBytes !== undefined) args.push('--ringbuf', String(o.ringbufBytes));
  if (o.maxCgroups !== undefined) args.push('--max-cgroups', String(o.maxCgroups));
  if (o.maxCounts !== undefined) args.push('--max-counts', String(o.maxCounts));
  const child = spawn(loaderPath(env), args, { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  return new NodeSession(child, { ...o, roots }, tracerVersion, mount).ready();
}

type Waiter = { verb: string; resolve: (words: string[]) => void };

/** One loader in node mode and the conversation with it (commands on stdin, answers in order on stdout). */
class NodeSession implements NodeRecorder {
  private readonly known = new Map<number, NodeCgroup>();
  private readonly waiters: Waiter[] = [];
  private readonly finished = new Map<number, string>();
  private readonly endLost: number[] = [0, 0, 0, 0, 0, 0];
  private stderr = '';
  private isReady = false;
  private closing: Promise<NodeClosed> | null = null;
  readonly done: Promise<void>;

  constructor(
    private readonly child: ReturnType<typeof spawn>,
    private readonly o: NodeRecorderOptions & { roots: readonly CgroupRoot[] },
    readonly tracerVersion: string,
    readonly cgroupMount: string,
  ) {
    child.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()));
    child.stdin!.on('error', () => undefined);
    readline.createInterface({ input: child.stdout! }).on('line', (l) => this.line(l));
    this.done = new Promise((resolve) => child.once('close', () => resolve()));
    void this.done.then(() => {
      for (const w of this.waiters.splice(0)) w.resolve([]);
    });
    o.signal?.addEventListener('abort', () => void this.close(), { once: true });
  }

  async ready(): Promise<this> {
    const until = Date.now() + 15_000;
    while (!this.isReady) {
      if (this.child.exitCode !== null || this.child.signalCode !== null || Date.now() > until) {
        if (this.child.exitCode === null) this.child.kill('SIGKILL');
        await this.done;
        throw toolMissing(`the ebpf tracer could not start its node mode: ${this.died() ?? 'no answer within 15 s'}`);
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    fs.rmSync(verifierLogPath(), { force: true });
    if (this.o.signal?.aborted) void this.close();
    return this;
  }

  died(): string | null {
    const last = this.stderr
      .trim()
      .split('\n')
      .pop()
      ?.replace(/^ERROR /, '');
    if (this.child.exitCode === null && this.child.signalCode === null) return null;
    return last || `the loader ended (${this.child.exitCode ?? this.child.signalCode})`;
  }

  private line(l: string): void {
    const w = l.split(' ');
    if (w[0] === 'READY') this.isReady = true;
    else if (w[0] === 'CG') this.cgroupSeen(Number(w[1]));
    else if (w[0] === 'FINISHED') this.finished.set(Number(w[1]), w.slice(2).join(' '));
    else if (w[0] === 'LOST' && LOST_LINE[w[1]!]) this.endLost[LOST_ORDER.indexOf(LOST_LINE[w[1]!]!)] = Number(w[2]);
    else if (this.waiters[0] && this.waiters[0].verb === w[0]) this.waiters.shift()!.resolve(w.slice(1));
  }

  private cgroupSeen(id: number): void {
    const p = findCgroupPath(this.cgroupMount, id, this.o.roots);
    if (NOT_A_CONTAINER.test(p)) {
      void this.forget(id);
      return;
    }
    const c = { id, path: p, since: new Date() };
    this.known.set(id, c);
    this.o.onCgroup?.(c);
  }

  private ask(command: string, verb: string): Promise<string[]> {
    if (this.closing || this.died() !== null) return Promise.resolve([]);
    return new Promise((resolve) => {
      this.waiters.push({ verb, resolve });
      this.child.stdin!.write(`${command}\n`);
    });
  }

  cgroups(): NodeCgroup[] {
    return [...this.known.values()].sort((a, b) => a.id - b.id);
  }

  async watch(cgroup: number | string): Promise<number> {
    const rel = typeof cgroup === 'number' ? findCgroupPath(this.cgroupMount, cgroup, this.o.roots) : cgroup;
    if (!rel) throw badInput(`cgroup ${cgroup} was not found below ${this.cgroupMount} (its container ended?)`);
    const id = typeof cgroup === 'number' ? cgroup : cgroupId(this.cgroupMount, rel);
    const dir = path.join(this.cgroupMount, rel);
    if (/\s/.test(dir)) throw badInput(`cgroup directory ${JSON.stringify(dir)}: expected no whitespace in it`);
    const r = await this.ask(`INCLUDE ${id} ${dir}`, 'INCLUDED');
    if (Number(r[1] ?? -1) < 0) throw badInput(`cgroup ${rel} could not be recorded (${r[1] ?? 'the loader ended'})`);
    if (!this.known.has(id)) this.known.set(id, { id, path: rel, since: new Date() });
    return id;
  }

  /** A lookup in the view of a process still in cgroup `id` (the container's file system), if one is. */
  private liveLookup(id: number): ExecLookup | undefined {
    const rel = this.known.get(id)?.path;
    if (!rel) return undefined;
    try {
      const pid = Number(fs.readFileSync(path.join(this.cgroupMount, rel, 'cgroup.procs'), 'utf8').split('\n')[0]);
      return pid > 0 ? processExecLookup(pid) : undefined;
    } catch {
      return undefined;
    }
  }

  private build(log: string, meta: NodeRecordingMeta, lookup: ExecLookup | undefined): Recording {
    return recordingOfLog(log, this.tracerVersion, meta, lookup);
  }

  async snapshot(id: number, meta: NodeRecordingMeta, lookup?: ExecLookup): Promise<Recording | null> {
    const file = path.join(this.o.workDir, `${id}.snapshot.log`);
    const r = await this.ask(`SNAP ${id} ${file}`, 'SNAPPED');
    if (r[1] !== file) return null;
    try {
      return this.build(file, meta, lookup ?? this.liveLookup(id));
    } finally {
      fs.rmSync(file, { force: true });
    }
  }

  async take(id: number, meta: NodeRecordingMeta, lookup?: ExecLookup): Promise<Recording | null> {
    const view = lookup ?? this.liveLookup(id); // before the take: its processes may still be there
    const r = await this.ask(`TAKE ${id}`, 'TAKEN');
    this.known.delete(id);
    const log = r[1] && r[1] !== '-' ? r.slice(1).join(' ') : this.finished.get(id);
    if (!log || !fs.existsSync(log)) return null;
    this.finished.delete(id);
    try {
      return this.build(log, meta, view);
    } finally {
      fs.rmSync(log, { force: true });
    }
  }

  async forget(id: number): Promise<void> {
    this.known.delete(id);
    await this.ask(`FORGET ${id}`, 'FORGOTTEN');
    const log = this.finished.get(id);
    if (log) fs.rmSync(log, { force: true });
    this.finished.delete(id);
  }

  async lost(): Promise<NodeLost> {
    const r = await this.ask('LOST', 'LOSTNOW');
    return lostFrom(r.length ? r.map(Number) : this.endLost);
  }

  close(): Promise<NodeClosed> {
    this.closing ??= (async () => {
      if (this.child.exitCode === null && this.child.signalCode === null) {
        this.child.kill('SIGINT');
        const timer = setTimeout(() => this.child.kill('SIGKILL'), 15_000);
        await this.done;
        clearTimeout(timer);
      }
      return { logs: new Map(this.finished), lost: lostFrom(this.endLost) };
    })();
    return this.closing;
  }
}

/** The Recording of a cgroup's log (one close() left in `closed.logs`), with the recorder's tracer version; executed
 * paths resolved with `lookup` when given (else left as the kernel saw them). */
export function recordingOfLog(
  log: string,
  tracerVersion: string,
  meta: NodeRecordingMeta,
  lookup?: ExecLookup,
): Recording {
  const rec = recordingFromEbpf(fs.readFileSync(log, 'utf8'), { ...meta, tracerVersion });
  return lookup ? resolveExecs(rec, lookup) : rec;
}
