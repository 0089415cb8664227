// Workloads the tracer agreement tests share.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Recording } from '../../src/recording/types.js';

/** Whether `tool` is on PATH. */
export const onPath = (tool: string): boolean =>
  (process.env.PATH ?? '').split(':').some((d) => d !== '' && fs.existsSync(path.join(d, tool)));

/** A static i386 program: getpid twice through int 0x80, then exit(0). */
export function i386Program(file: string): void {
  const code = Buffer.from([
    0xb8, 20, 0, 0, 0, 0xcd, 0x80, 0xb8, 20, 0, 0, 0, 0xcd, 0x80, 0xb8, 1, 0, 0, 0, 0x31, 0xdb, 0xcd, 0x80,
  ]);
  const base = 0x08048000;
  const h = Buffer.alloc(84);
  Buffer.from([0x7f, 0x45, 0x4c, 0x46, 1, 1, 1]).copy(h, 0);
  h.writeUInt16LE(2, 16);
  h.writeUInt16LE(3, 18);
  h.writeUInt32LE(1, 20);
  h.writeUInt32LE(base + 84, 24);
  h.writeUInt32LE(52, 28);
  h.writeUInt16LE(52, 40);
  h.writeUInt16LE(32, 42);
  h.writeUInt16LE(1, 44);
  h.writeUInt32LE(1, 52);
  h.writeUInt32LE(0, 56);
  h.writeUInt32LE(base, 60);
  h.writeUInt32LE(base, 64);
  h.writeUInt32LE(84 + code.length, 68);
  h.writeUInt32LE(84 + code.length, 72);
  h.writeUInt32LE(5, 76);
  h.writeUInt32LE(0x1000, 80);
  fs.writeFileSync(file, Buffer.concat([h, code]), { mode: 0o755 });
}

/** What the agreement tests give the builder besides the log: a command run in `cwd` as root. */
export const agreementMeta = (cwd: string) => ({
  name: 'it',
  toolVersion: '0.1.0',
  tracerVersion: 'x',
  kernel: os.release(),
  target: { kind: 'command' as const, argv: ['sh'], cwd },
  initialCwd: cwd,
  initialUid: 0,
  initialGid: 0,
});

/** The facts the agreement tests compare, each as sorted text. */
export const names = (r: Recording, abi: 'x86_64' | 'i386' = 'x86_64') => Object.keys(r.syscalls[abi] ?? {}).sort();
export const files = (r: Recording) =>
  Object.entries(r.files)
    .map(([p, f]) => `${p} ${f.access.join(',')}`)
    .sort();
export const execs = (r: Recording) => r.executables.map((e) => `${e.path} ${e.argv0} ${e.parent}`).sort();
export const args = (r: Recording) =>
  Object.entries(r.syscalls.x86_64 ?? {})
    .filter(([, f]) => f.args)
    .map(([k, f]) => `${k} ${JSON.stringify(f.args)}`)
    .sort();
/** The network facts; ports the kernel picks differ between runs. */
export const net = (r: Recording) =>
  JSON.stringify({
    ...r.network,
    listen: r.network.listen.map((l) => ({ ...l, port: l.family === 'AF_INET6' ? 0 : l.port })),
  });

/** Shell file work every tracer must agree on (ends with exit 3). */
export const FILE_WORK = [
  'cat /etc/hostname >/dev/null',
  'ls -la / >/dev/null',
  'mkdir -p d1',
  'cd d1',
  'echo hi > f',
  'mv f g',
  'cat g >/dev/null',
  'ln -s g "a link"',
  'readlink "a link" >/dev/null',
  'stat ../d1 >/dev/null',
  'rm g "a link"',
  'cd ..',
  'rmdir d1',
  'id -u >/dev/null',
  'exit 3',
].join('; ');
