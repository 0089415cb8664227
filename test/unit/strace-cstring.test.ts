import { describe, expect, it } from 'vitest';
import { decodeQuoted, findStringEnd, unescapeRange } from '../../src/parse/cstring.js';
import { decodeDecoration, decorationEnd, splitHostPort } from '../../src/parse/decoration.js';

describe('decodeQuoted', () => {
  it('decodes strace escapes', () => {
    const s = String.raw`"a\nb\tc\"d\\e\001f\x41\v\f\r"`;
    const d = decodeQuoted(s, 0);
    expect(d.text).toBe('a\nb\tc"d\\e\u0001fA\v\f\r');
    expect(d.end).toBe(s.length);
    expect(d.truncated).toBe(false);
    expect(d.invalidUtf8).toBe(false);
  });

  it('keeps octal escapes of at most three digits', () => {
    expect(decodeQuoted(String.raw`"\0001"`, 0).text).toBe('\u00001');
    expect(decodeQuoted(String.raw`"\1234"`, 0).text).toBe('S4');
  });

  it('decodes UTF-8 byte escapes and flags invalid bytes with U+FFFD', () => {
    expect(decodeQuoted(String.raw`"caf\303\251"`, 0)).toMatchObject({ text: 'café', invalidUtf8: false });
    const bad = decodeQuoted(String.raw`"bad\377\376x"`, 0);
    expect(bad.invalidUtf8).toBe(true);
    expect(bad.text).toBe('bad\uFFFD\uFFFDx');
  });

  it('marks strings strace cut short', () => {
    const d = decodeQuoted('"abc"..., 4096', 0);
    expect(d).toMatchObject({ text: 'abc', truncated: true, end: 8 });
  });

  it('runs an unterminated string to the end without throwing', () => {
    expect(decodeQuoted('"abc', 0)).toMatchObject({ text: 'abc', truncated: true, end: 4 });
  });

  it('finds the closing quote past escaped quotes and backslashes', () => {
    expect(findStringEnd(String.raw`"a\"b\\"c`, 0)).toBe(7);
    expect(findStringEnd(String.raw`"\\\""x"`, 0)).toBe(5);
  });

  it('leaves an unknown escape as a backslash', () => {
    expect(unescapeRange(String.raw`a\qb`, 0, 4).text).toBe('a\\qb');
  });
});

describe('fd decorations', () => {
  it('finds the end of path, device and socket decorations', () => {
    const path = '3</tmp/a\\76b>, x';
    expect(decorationEnd(path, 1)).toBe(12);
    const dev = '0</dev/null<char 1:3>>)';
    expect(decorationEnd(dev, 1)).toBe(dev.length - 2);
    const tcp = '5<TCP:[127.0.0.1:1->127.0.0.1:2]>, 1';
    expect(decorationEnd(tcp, 1)).toBe(tcp.indexOf(']>') + 1);
    const unix = '7<UNIX-STREAM:[59386,"/tmp/x>\\"y"]>';
    expect(decorationEnd(unix, 1)).toBe(unix.length - 1);
    expect(decorationEnd('3</tmp/unclosed', 1)).toBe(-1);
  });

  it('reads paths, devices and sockets', () => {
    expect(decodeDecoration('/tmp/a\\76b')).toEqual({
      kind: 'path',
      path: '/tmp/a>b',
      invalidUtf8: false,
      device: null,
    });
    expect(decodeDecoration('/dev/null<char 1:3>')).toEqual({
      kind: 'path',
      path: '/dev/null',
      invalidUtf8: false,
      device: 'char 1:3',
    });
    expect(decodeDecoration('TCP:[127.0.0.1:80]')).toMatchObject({
      kind: 'socket',
      proto: 'TCP',
      local: '127.0.0.1:80',
      remote: null,
    });
    expect(decodeDecoration('TCP:[1.2.3.4:5->6.7.8.9:10]')).toMatchObject({ local: '1.2.3.4:5', remote: '6.7.8.9:10' });
    expect(decodeDecoration('UDPv6:[[::1]:37680]')).toMatchObject({ proto: 'UDPv6', local: '[::1]:37680' });
    expect(decodeDecoration('UNIX-STREAM:[59386,"/run/a\\"b"]')).toMatchObject({ unixPath: '/run/a"b' });
    expect(decodeDecoration('UNIX:[61443,@"abs\\nname"]')).toMatchObject({ unixPath: '@abs\nname' });
    expect(decodeDecoration('UNIX-STREAM:[61450->61451]')).toMatchObject({ local: null, unixPath: null });
    expect(decodeDecoration('pipe:[100817]')).toEqual({ kind: 'other', text: 'pipe:[100817]' });
    expect(decodeDecoration('anon_inode:[eventfd]')).toEqual({ kind: 'other', text: 'anon_inode:[eventfd]' });
  });

  it('splits host and port', () => {
    expect(splitHostPort('127.0.0.1:80')).toEqual({ address: '127.0.0.1', port: 80 });
    expect(splitHostPort('[::1]:8080')).toEqual({ address: '::1', port: 8080 });
    expect(splitHostPort('59365')).toBeNull();
    expect(splitHostPort('1.2.3.4:99999')).toBeNull();
  });
});
