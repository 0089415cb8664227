// Workloads the tracer agreement tests share.
import fs from 'node:fs';
import path from 'node:path';

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
