// The I/O of reachability: running binutils' objdump and readelf on a file, and reading the first bytes of files.
import fs from 'node:fs';
import { execa } from 'execa';
import { toolMissing } from '../errors.js';

/** The binutils programs reachability runs. */
export type Binutil = 'objdump' | 'readelf';

/** Arguments: readelf's file header, program and section headers, dynamic section, relocations, symbols, notes. */
const ARGS: Readonly<Record<Binutil, readonly string[]>> = {
  readelf: ['-W', '-h', '-l', '-S', '-d', '-r', '-s', '-n'],
  objdump: ['-d', '-w', '--no-show-raw-insn'],
};

function missing(tool: Binutil): Error {
  return toolMissing(
    `${tool} is not installed or not on PATH: install the Debian package binutils (apt-get install binutils)`,
  );
}

/** Run a binutils program on a file; its output, or undefined when it refused the file. Missing binutils: exit 3. */
export async function binutil(tool: Binutil, file: string): Promise<string | undefined> {
  const r = await execa(tool, [...ARGS[tool], file], {
    reject: false,
    stdin: 'ignore',
    maxBuffer: 1 << 30,
    env: { LC_ALL: 'C' },
  });
  if ((r as { code?: string }).code === 'ENOENT' || r.exitCode === 127) throw missing(tool);
  return r.exitCode === 0 ? String(r.stdout) : undefined;
}

/** Fail early, with exit 3, when objdump or readelf is missing. */
export async function requireBinutils(): Promise<void> {
  for (const tool of ['objdump', 'readelf'] as const) {
    const r = await execa(tool, ['--version'], { reject: false, stdin: 'ignore' });
    if ((r as { code?: string }).code === 'ENOENT' || r.exitCode !== 0) throw missing(tool);
  }
}

/** The first `n` bytes of a file, or undefined when it cannot be read (missing, a directory, no permission). */
export function readHead(file: string, n: number): Buffer | undefined {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const buf = Buffer.alloc(n);
    return buf.subarray(0, fs.readSync(fd, buf, 0, n, 0));
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/** True when the file starts like a 64-bit little-endian x86-64 ELF object (what the loader accepts here). */
export function isElf64X86(head: Buffer | undefined): boolean {
  return (
    head !== undefined &&
    head.length >= 20 &&
    head.readUInt32BE(0) === 0x7f454c46 &&
    head[4] === 2 &&
    head[5] === 1 &&
    head.readUInt16LE(18) === 62
  );
}
