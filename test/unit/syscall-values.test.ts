// The one value table: argument values named as strace names them, and names turned back into values, both ways.
import { describe, expect, it } from 'vitest';
import {
  cloneFlagSetName,
  cloneFlagsValue,
  familyName,
  familyValue,
  idName,
  idValue,
  ioctlName,
  ioctlValue,
  nstypeName,
  nstypeValue,
  openFlagsName,
  openFlagsValue,
  personalityName,
  personalityValue,
  prctlName,
  prctlValue,
  protocolName,
  protocolValue,
  socketBaseTypeName,
  socketTypeName,
  socketTypeValue,
} from '../../src/syscalls/values.js';

describe('values → names', () => {
  it('names families, socket types and protocols', () => {
    expect([1, 2, 10, 16, 17, 999].map(familyName)).toEqual([
      'AF_UNIX',
      'AF_INET',
      'AF_INET6',
      'AF_NETLINK',
      'AF_PACKET',
      '999',
    ]);
    expect(socketTypeName(0x80801)).toBe('SOCK_STREAM|SOCK_CLOEXEC|SOCK_NONBLOCK');
    expect(socketBaseTypeName(0x80801)).toBe('SOCK_STREAM');
    expect([
      protocolName(2, 0),
      protocolName(10, 17),
      protocolName(16, 0),
      protocolName(17, 0x0300),
      protocolName(1, 0),
    ]).toEqual(['IPPROTO_IP', 'IPPROTO_UDP', 'NETLINK_ROUTE', 'htons(ETH_P_ALL)', '0']);
  });

  it('names clone and open flags, prctl options, ioctl requests, personalities and namespaces', () => {
    expect(cloneFlagSetName(0x1200000n)).toBe('CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID');
    expect(cloneFlagSetName(0x10000000n)).toBe('CLONE_NEWUSER');
    expect(cloneFlagSetName(0n)).toBe('0');
    expect(openFlagsName(0o2000000 | 0o1000 | 0o100 | 1)).toBe('O_WRONLY|O_CLOEXEC|O_TRUNC|O_CREAT');
    expect(openFlagsName(0o20200000 | 2)).toBe('O_RDWR|O_TMPFILE');
    expect([prctlName(15), prctlName(38), prctlName(12345)]).toEqual(['PR_SET_NAME', 'PR_SET_NO_NEW_PRIVS', '12345']);
    expect([ioctlName(0x5401), ioctlName(0x5413), ioctlName(0xc0de)]).toEqual(['TCGETS', 'TIOCGWINSZ', '0xc0de']);
    expect([personalityName(0), personalityName(0x0040000), personalityName(-1)]).toEqual([
      'PER_LINUX',
      'PER_LINUX|ADDR_NO_RANDOMIZE',
      '0xffffffff',
    ]);
    expect([nstypeName(0), nstypeName(0x40000000)]).toEqual(['0', 'CLONE_NEWNET']);
    expect([idName(0), idName(0xffffffff), idName(-1)]).toEqual(['0', '-1', '-1']);
  });
});

describe('names → values (what strace printed)', () => {
  it('reads each kind back', () => {
    expect(['AF_UNIX', 'AF_LOCAL', 'PF_INET6', '16', 'AF_NOPE'].map(familyValue)).toEqual([1, 1, 10, 16, undefined]);
    expect(socketTypeValue('SOCK_DGRAM|SOCK_CLOEXEC')).toBe(0x80002);
    expect(socketTypeValue('SOCK_MADEUP')).toBeUndefined();
    expect(['IPPROTO_TCP', 'htons(ETH_P_ALL)', '0', 'NETLINK_ROUTE'].map(protocolValue)).toEqual([6, 0x0300, 0, 0]);
    expect(cloneFlagsValue('CLONE_VM|CLONE_VFORK|SIGCHLD')).toBe(0x4100n);
    expect(cloneFlagsValue('CLONE_VM|CLONE_WEIRD')).toBeUndefined();
    expect(openFlagsValue('O_RDONLY|O_CLOEXEC|O_DIRECTORY')).toBe(0o2200000);
    expect(openFlagsValue('O_RDWR|O_TMPFILE')).toBe(0o20200002);
    expect(prctlValue('PR_SET_NAME')).toBe(15);
    expect(ioctlValue('FIONBIO')).toBe(0x5421);
    expect(ioctlValue('SNDCTL_MADE_UP')).toBeUndefined();
    expect(personalityValue('PER_LINUX32|UNAME26')).toBe(0x20008);
    expect(personalityValue('0xffffffff')).toBe(0xffffffff);
    expect(nstypeValue('CLONE_NEWNS')).toBe(0x20000);
    expect(['1000', '-1', 'x'].map(idValue)).toEqual([1000, 0xffffffff, undefined]);
  });

  it('round-trips every name of the tables', () => {
    for (const v of [0, 1, 2, 10, 16, 17, 38]) expect(familyValue(familyName(v))).toBe(v);
    for (const v of [15, 16, 22, 38, 0x59616d61]) expect(prctlValue(prctlName(v))).toBe(v);
    for (const v of [0x5401, 0x5421, 0x80045430]) expect(ioctlValue(ioctlName(v))).toBe(v);
    for (const v of [0, 8, 0x0040008, 0xffffffff]) expect(personalityValue(personalityName(v))).toBe(v);
    for (const v of [0x10000000n, 0x7e020000n, 0x3d0f00n]) expect(cloneFlagsValue(cloneFlagSetName(v))).toBe(v);
    for (const v of [0, 1, 0o1101, 0o2200000]) expect(openFlagsValue(openFlagsName(v))).toBe(v);
  });
});
