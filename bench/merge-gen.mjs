// Makes a fleet's recordings from the ten real ones in bench/merge-base/ (recorded by bench/merge-record.sh): each
// workload becomes N pods, varied the way pods of one Deployment differ, and written as the node agent writes them
// (DIR/NAMESPACE/POD/CONTAINER.recording.json, through the project's own writer, so each is schema-checked).
// Deterministic: the same seed gives the same bytes. Needs a build (npm run build).
//
//   node bench/merge-gen.mjs OUT_DIR [--pods 100] [--seed 11]
//
// What differs per pod: the pod name and uid, the container id, the node (kernel), start and end times, pids under
// /proc, mktemp names under /tmp, the projected service-account volume's timestamped directory, the peer address a
// client connects to, syscall counts, and (for a few pods) a rarely taken path: one more syscall and file.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const { readRecording, writeRecording } = await import(path.join(here, '..', 'dist', 'recording', 'io.js'));

/** mulberry32: a small seeded generator, enough for varied test data. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const POD_ALPHABET = 'bcdfghjklmnpqrstvwxz2456789';
const TEMP_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const HEX = '0123456789abcdef';
const pick = (rnd, list) => list[Math.floor(rnd() * list.length)];
const chars = (rnd, alphabet, n) => Array.from({ length: n }, () => pick(rnd, alphabet)).join('');
const NODES = ['6.18.44-fc-v1045', '6.18.44-fc-v1051', '6.12.57-cloud-amd64'];
const NAMESPACES = ['shop', 'shop', 'batch', 'ops'];
const RARE = [
  { syscall: 'sched_yield', file: '/etc/resolv.conf', access: ['read'] },
  { syscall: 'madvise', file: '/etc/nsswitch.conf', access: ['read'] },
  { syscall: 'restart_syscall', file: '/etc/services', access: ['read'] },
];

/** A temp name "/tmp/web-Wt8GIw" keeps its prefix and gets new random letters; a pid under /proc a new number. */
function pathVarier(rnd, workdir) {
  const temps = new Map();
  const pids = new Map();
  return (p) => {
    let out = p.startsWith(`${workdir}/`) || p === workdir ? `/app${p.slice(workdir.length)}` : p;
    out = out.replace(/^\/tmp\/([a-z]+)-([A-Za-z0-9]{6})/, (_, stem, rand) => {
      if (!temps.has(rand)) temps.set(rand, chars(rnd, TEMP_ALPHABET, 6));
      return `/tmp/${stem}-${temps.get(rand)}`;
    });
    return out.replace(/^\/proc\/([1-9][0-9]*)(?=\/|$)/, (_, pid) => {
      if (!pids.has(pid)) pids.set(pid, String(2 + Math.floor(rnd() * 4194300)));
      return `/proc/${pids.get(pid)}`;
    });
  };
}

/** The projected service-account volume: stable names, and the kubelet's timestamped directory of this pod. */
function serviceAccountFiles(started) {
  const root = '/var/run/secrets/kubernetes.io/serviceaccount';
  const stamp = started.replace(/[-:T]/g, '_').replace(/\.(\d+)Z$/, (_, ms) => `.${ms}${'0'.repeat(6)}`);
  return {
    [`${root}/`]: { access: ['stat'] },
    [`${root}/token`]: { access: ['read'] },
    [`${root}/ca.crt`]: { access: ['read'] },
    [`${root}/namespace`]: { access: ['read'] },
    [`${root}/..${stamp}/token`]: { access: ['read', 'stat'] },
  };
}

const scaled = (rnd, n) => Math.max(n === 0 ? 0 : 1, Math.round(n * (0.5 + rnd() * 2.5)));

function variedSyscalls(rnd, base, rare) {
  const out = {};
  for (const [abi, calls] of Object.entries(base)) {
    out[abi] = {};
    for (const [name, f] of Object.entries(calls)) {
      const count = scaled(rnd, f.count);
      out[abi][name] = { ...f, count, failed: Math.min(count, scaled(rnd, f.failed)) };
    }
  }
  if (rare) out.x86_64[rare.syscall] ??= { count: 1 + Math.floor(rnd() * 3), failed: 0 };
  return out;
}

/** One pod of `workload` (the i-th of its Deployment), from its real recording `base`. */
function pod(base, workload, i, rnd) {
  const namespace = NAMESPACES[workload.index % NAMESPACES.length];
  const revision = i < 70 ? workload.hashes[0] : workload.hashes[1];
  const podName = `${workload.name}-${revision}-${chars(rnd, POD_ALPHABET, 5)}`;
  const t0 =
    Date.parse('2026-12-01T00:00:00.000Z') + workload.index * 3_600_000 + i * 61_000 + Math.floor(rnd() * 9000);
  const startedAt = new Date(t0).toISOString();
  const endedAt = new Date(
    t0 + Date.parse(base.endedAt) - Date.parse(base.startedAt) + Math.floor(rnd() * 400),
  ).toISOString();
  const vary = pathVarier(rnd, base.target.cwd);
  const rare = rnd() < 0.04 ? pick(rnd, RARE) : undefined;
  const files = {};
  for (const [p, f] of Object.entries(base.files)) files[vary(p)] = f;
  if (workload.index % 3 === 0) Object.assign(files, serviceAccountFiles(startedAt));
  if (rare) files[rare.file] = { access: rare.access };
  const peer = `10.244.${1 + Math.floor(rnd() * 3)}.${2 + Math.floor(rnd() * 250)}`;
  const connect = base.network.connect.map((e) =>
    e.family === 'AF_INET' && e.address === '127.0.0.1' && workload.index % 2 === 1 ? { ...e, address: peer } : e,
  );
  const uid = 1000 + workload.index * 10 + (i < 70 ? 0 : 1);
  return {
    ...base,
    name: `${namespace}-${podName}-${workload.name}`,
    kernel: pick(rnd, NODES),
    target: {
      kind: 'cri',
      endpoint: 'unix:///run/containerd/containerd.sock',
      criRuntime: 'containerd 1.6.20',
      runtimeHandler: 'tracewall-record',
      pod: {
        namespace,
        name: podName,
        uid: [8, 4, 4, 4, 12].map((n) => chars(rnd, HEX, n)).join('-'),
        labels: { app: workload.name, 'pod-template-hash': revision },
      },
      container: workload.name,
      containerId: chars(rnd, HEX, 64),
      image: `registry.example/${workload.name}:1.${i < 70 ? 4 : 5}.0`,
      runtime: 'runc',
      runtimeVersion: '1.1.5',
      argv: base.target.argv.map(vary),
      cwd: '/app',
      noNewPrivileges: true,
    },
    startedAt,
    endedAt,
    syscalls: variedSyscalls(rnd, base.syscalls, rare),
    files,
    executables: base.executables.map((e) => ({ ...e, path: vary(e.path), parent: vary(e.parent) })),
    network: { ...base.network, connect },
    identity: { ...base.identity, uids: [uid], gids: [uid] },
  };
}

/** Writes pods × the workloads of bench/merge-base/ under `out`; returns the files written, in a stable order. */
export function generateFleet(out, { pods = 100, seed = 11 } = {}) {
  const baseDir = path.join(here, 'merge-base');
  const names = fs
    .readdirSync(baseDir)
    .filter((f) => f.endsWith('.recording.json'))
    .sort();
  const rnd = prng(seed);
  const files = [];
  names.forEach((file, index) => {
    const base = readRecording(path.join(baseDir, file));
    const workload = { name: base.name, index, hashes: [chars(rnd, POD_ALPHABET, 9), chars(rnd, POD_ALPHABET, 9)] };
    for (let i = 0; i < pods; i++) {
      const r = pod(base, workload, i, rnd);
      const target = path.join(out, r.target.pod.namespace, r.target.pod.name, `${r.target.container}.recording.json`);
      fs.mkdirSync(path.dirname(target), { recursive: true });
      writeRecording(target, r);
      files.push(target);
    }
  });
  return files;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const out = args[0];
  const flag = (name, dflt) => {
    const at = args.indexOf(name);
    return at < 0 ? dflt : Number(args[at + 1]);
  };
  if (!out) {
    process.stderr.write('usage: node bench/merge-gen.mjs OUT_DIR [--pods 100] [--seed 11]\n');
    process.exitCode = 2;
  } else {
    const files = generateFleet(out, { pods: flag('--pods', 100), seed: flag('--seed', 11) });
    process.stderr.write(`merge-gen: wrote ${files.length} recordings under ${out}\n`);
  }
}
