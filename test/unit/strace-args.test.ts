import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseArgs, field, flagSet, valueText, asString } from '../../src/parse/args.js';

describe('parseArgs', () => {
  it('splits strings, fds and flags', () => {
    const a = parseArgs(String.raw`AT_FDCWD</tmp/x>, "/etc/pa\"ss,wd", O_RDONLY|O_CLOEXEC`);
    expect(a).toHaveLength(3);
    expect(a[0]!.value).toMatchObject({ t: 'fd', fd: 'AT_FDCWD', info: { kind: 'path', path: '/tmp/x' } });
    expect(asString(a[1]!.value)?.text).toBe('/etc/pa"ss,wd');
    expect(flagSet(a[2]!.value)).toEqual(['O_RDONLY', 'O_CLOEXEC']);
  });

  it('reads sockaddr structs with calls inside', () => {
    const a = parseArgs('3<TCP:[59365]>, {sa_family=AF_INET, sin_port=htons(80), sin_addr=inet_addr("127.0.0.1")}, 16');
    const sa = a[1]!.value;
    expect(sa.t).toBe('struct');
    if (sa.t !== 'struct') return;
    expect(valueText(field(sa.fields, 'sa_family'))).toBe('AF_INET');
    expect(field(sa.fields, 'sin_port')).toEqual({
      t: 'call',
      name: 'htons',
      args: [{ key: null, value: { t: 'word', text: '80' } }],
    });
    const v6 = parseArgs(
      '6<UDPv6:[1]>, {sa_family=AF_INET6, sin6_port=htons(9), sin6_flowinfo=htonl(0), inet_pton(AF_INET6, "::1", &sin6_addr), sin6_scope_id=0}, 28',
    );
    const s6 = v6[1]!.value;
    expect(s6.t === 'struct' && s6.fields[3]!.value).toMatchObject({ t: 'call', name: 'inet_pton' });
  });

  it('reads abstract unix names and keyed top-level lists', () => {
    const a = parseArgs(String.raw`9<UNIX:[61443]>, {sa_family=AF_UNIX, sun_path=@"abs\nname"}, 11`);
    const sa = a[1]!.value;
    expect(sa.t === 'struct' && field(sa.fields, 'sun_path')).toMatchObject({
      t: 'str',
      text: 'abs\nname',
      abstract: true,
    });
    const c = parseArgs(
      'child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7f5db024aa10',
    );
    expect(c.map((x) => x.key)).toEqual(['child_stack', 'flags', 'child_tidptr']);
  });

  it('reads clone3 structs with a `=>` result and wait statuses with ==', () => {
    const a = parseArgs('{flags=CLONE_VM|CLONE_THREAD, child_tid=0x7f, exit_signal=0} => {parent_tid=[11401]}, 88');
    expect(a).toHaveLength(2);
    expect(a[0]!.value.t).toBe('seq');
    const w = parseArgs('-1, [{WIFEXITED(s) && WEXITSTATUS(s) == 3}], 0, NULL');
    expect(w).toHaveLength(4);
    expect(w[1]!.value.t).toBe('array');
  });

  it('reads fd arrays, device notes, deleted files and comments', () => {
    const p = parseArgs('[5<pipe:[100817]>, 6<pipe:[100817]>], 0');
    expect(p[0]!.value.t === 'array' && p[0]!.value.items).toHaveLength(2);
    const d = parseArgs('4</tmp/exp/del>(deleted), 0</dev/null<char 1:3>>');
    expect(d[0]!.value).toMatchObject({ t: 'fd', fd: '4', deleted: true, info: { path: '/tmp/exp/del' } });
    expect(d[1]!.value).toMatchObject({ t: 'fd', info: { path: '/dev/null', device: 'char 1:3' } });
    const e = parseArgs('"/usr/bin/sh", ["sh", "-c"], 0x7ffc /* 39 vars */');
    expect(e).toHaveLength(3);
    expect(valueText(e[2]!.value)).toBe('0x7ffc');
    const k = parseArgs("1 /* 5380 in strace's PID NS */, 0");
    expect(valueText(k[0]!.value)).toBe('1');
  });

  it('keeps `1<<20`-like words and signal masks as words', () => {
    const a = parseArgs('~[RTMIN RT_1], 1<<20');
    expect(a[0]!.value.t).toBe('seq');
    expect(valueText(a[1]!.value)).toBe('1<<20');
  });

  it('decodes hostile path decorations', () => {
    const a = parseArgs(String.raw`3</tmp/w/sp ace) = 3>, "x"`);
    expect(a[0]!.value).toMatchObject({ t: 'fd', info: { path: '/tmp/w/sp ace) = 3' } });
    const b = parseArgs(String.raw`3</tmp/w/bad\377\376utf>`);
    expect(b[0]!.value).toMatchObject({ t: 'fd', info: { invalidUtf8: true } });
  });

  it('never throws and always ends on arbitrary input', () => {
    fc.assert(
      fc.property(
        fc.string({
          unit: fc.constantFrom(
            '"',
            '\\',
            '<',
            '>',
            '[',
            ']',
            '{',
            '}',
            '(',
            ')',
            ',',
            ' ',
            '=',
            'a',
            '1',
            '/',
            '*',
            '@',
            '~',
            '|',
          ),
        }),
        (s) => {
          parseArgs(s);
        },
      ),
      { numRuns: 3000 },
    );
  });
});
