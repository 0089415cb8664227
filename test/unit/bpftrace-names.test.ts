// Numbers from the bpftrace log named as strace names them; the argv hash the kernel compares; BTF member offsets.
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  cloneFlagsName,
  familyName,
  ioctlName,
  modeName,
  openFlagsName,
  personalityName,
  prctlName,
  protocolName,
  socketTypeName,
} from '../../src/parse/bpftrace-names.js';
import { ipv6, bytesOf64 } from '../../src/analyze/from-bpftrace-args.js';
import { argvHash } from '../../src/trace/bpftrace-argv.js';
import { memberOffset, offsetsFromBtf, parseBtf } from '../../src/trace/bpftrace-btf.js';

describe('strace names for bpftrace numbers', () => {
  it('names families, socket types and protocols', () => {
    expect([familyName(1), familyName(2), familyName(10), familyName(16), familyName(17), familyName(999)]).toEqual([
      'AF_UNIX',
      'AF_INET',
      'AF_INET6',
      'AF_NETLINK',
      'AF_PACKET',
      '999',
    ]);
    expect(socketTypeName(0x80801)).toBe('SOCK_STREAM|SOCK_CLOEXEC|SOCK_NONBLOCK');
    expect([
      protocolName(2, 0),
      protocolName(10, 17),
      protocolName(16, 0),
      protocolName(17, 0x0300),
      protocolName(1, 0),
    ]).toEqual(['IPPROTO_IP', 'IPPROTO_UDP', 'NETLINK_ROUTE', 'htons(ETH_P_ALL)', '0']);
  });

  it('names clone and open flags, prctl options, ioctl requests, personalities and modes', () => {
    expect(cloneFlagsName(0x1200011n, true)).toBe('CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD');
    expect(cloneFlagsName(0x10000000n, false)).toBe('CLONE_NEWUSER');
    expect(cloneFlagsName(0n, false)).toBe('0');
    expect(openFlagsName(0o2000000 | 0o1000 | 0o100 | 1)).toBe('O_WRONLY|O_CLOEXEC|O_TRUNC|O_CREAT');
    expect(openFlagsName(0o20200000 | 2)).toBe('O_RDWR|O_TMPFILE');
    expect([prctlName(15), prctlName(38), prctlName(12345)]).toEqual(['PR_SET_NAME', 'PR_SET_NO_NEW_PRIVS', '12345']);
    expect([ioctlName(0x5401), ioctlName(0x5413), ioctlName(0xc0de)]).toEqual(['TCGETS', 'TIOCGWINSZ', '0xc0de']);
    expect([personalityName(0), personalityName(0x0040000), personalityName(-1)]).toEqual([
      'PER_LINUX',
      'PER_LINUX|ADDR_NO_RANDOMIZE',
      '0xffffffff',
    ]);
    expect(modeName(0o20666)).toBe('S_IFCHR|0666');
  });

  it('prints IPv6 addresses as inet_ntop does', () => {
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
