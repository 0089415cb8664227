// bpftrace support: IPv6 addresses from the log's numbers, the argv hash the kernel compares, BTF member offsets.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ipv6, bytesOf64 } from '../../src/parse/bpftrace-effects.js';
import { argvHash } from '../../src/trace/bpftrace-argv.js';
import { memberOffset, offsetsFromBtf, parseBtf } from '../../src/trace/bpftrace-btf.js';

describe('IPv6 addresses in bpftrace records', () => {
  it('prints them as inet_ntop does', () => {
    const b = (s: string) => [...Buffer.from(s.replace(/:/g, ''), 'hex')];
    expect(ipv6(b('0000:0000:0000:0000:0000:0000:0000:0001'))).toBe('::1');
    expect(ipv6(b('fe80:0000:0000:0000:0001:0000:0000:0002'))).toBe('fe80::1:0:0:2');
    expect(ipv6(b('0000:0000:0000:0000:0000:ffff:7f00:0001'))).toBe('::ffff:127.0.0.1');
    expect(ipv6(bytesOf64(0n, 72057594037927936n))).toBe('::1');
  });
});

describe('argvHash', () => {
  it('matches what the kernel program computed for the same argv (measured with bpftrace 0.17)', () => {
    // words of exactly 8 bytes, an empty argument, one longer than 512 bytes and UTF-8
    expect(argvHash(['/bin/true', 'exactly8', '', 'x'.repeat(600), 'ü'])).toEqual({
      argc: 5,
      low: 3808776861,
      high: 2629416302,
    });
  });

  it('tells argument boundaries apart and counts at most 64 arguments', () => {
    expect(argvHash(['ab', 'c'])).not.toEqual(argvHash(['a', 'bc']));
    expect(argvHash(Array.from({ length: 70 }, () => 'a')).argc).toBe(64);
  });
});

describe('BTF member offsets', () => {
  // A hand-made BTF blob: struct mount { int pad[8] (as 4 ints); union { struct { int mnt; } } } with an anonymous member.
  function blob(): Buffer {
    const strs = ['', 'mount', 'mnt', 'a', 'b', 'int'];
    const strBuf = Buffer.from(strs.join('\0') + '\0', 'latin1');
    const off = (s: string) => strs.slice(0, strs.indexOf(s)).reduce((n, x) => n + x.length + 1, 0);
    const types: Buffer[] = [];
    const t = (name: number, info: number, size: number, extra: number[] = []) => {
      const b = Buffer.alloc(12 + extra.length * 4);
      b.writeUInt32LE(name, 0);
      b.writeUInt32LE(info, 4);
      b.writeUInt32LE(size, 8);
      extra.forEach((v, i) => b.writeUInt32LE(v, 12 + i * 4));
      types.push(b);
    };
    t(off('int'), 1 << 24, 4, [32]); // 1: int
    t(0, (4 << 24) | 1, 4, [off('mnt'), 1, 0]); // 2: anonymous struct { int mnt; }
    t(off('mount'), (4 << 24) | 3, 40, [off('a'), 1, 0, off('b'), 1, 32, 0, 2, 256]); // 3: struct mount { a; b; <anon> at 32 bytes }
    const typeBuf = Buffer.concat(types);
    const hdr = Buffer.alloc(24);
    hdr.writeUInt16LE(0xeb9f, 0);
    hdr.writeUInt8(1, 2);
    hdr.writeUInt32LE(24, 4);
    hdr.writeUInt32LE(0, 8);
    hdr.writeUInt32LE(typeBuf.length, 12);
    hdr.writeUInt32LE(typeBuf.length, 16);
    hdr.writeUInt32LE(strBuf.length, 20);
    return Buffer.concat([hdr, typeBuf, strBuf]);
  }

  it('finds members, including those of anonymous structs and unions', () => {
    const types = parseBtf(blob());
    expect(memberOffset(types, 'mount', 'b')).toBe(4);
    expect(memberOffset(types, 'mount', 'mnt')).toBe(32);
    expect(memberOffset(types, 'mount', 'nope')).toBeNull();
    expect(offsetsFromBtf(blob())).toBe('struct file has no member f_path');
    expect(() => parseBtf(Buffer.from('not btf at all, really not'))).toThrow(/bad magic/);
  });

  it.skipIf(!fs.existsSync('/sys/kernel/btf/vmlinux'))("reads this kernel's struct file and struct mount", () => {
    const r = offsetsFromBtf(fs.readFileSync('/sys/kernel/btf/vmlinux'));
    expect(typeof r).toBe('object');
    if (typeof r === 'object') expect(r.mountMnt).toBeGreaterThan(r.mountParent);
  });
});
