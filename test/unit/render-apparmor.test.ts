import { loadTemplate } from '../../src/util/package-files.js';
import { describe, expect, it } from 'vitest';
import type { Recording } from '../../src/recording/types.js';
import { buildPolicy } from '../../src/analyze/policy.js';
import { accessModes, renderAppArmor, resolveProcSelf } from '../../src/render/apparmor.js';
import { selectDenies, PROTECTIVE_DENIES } from '../../src/render/apparmor-denies.js';
import { aareOverlapsPattern } from '../../src/render/aare-overlap.js';
import { patternText } from '../../src/analyze/pattern.js';
import {
  APPARMOR_PARSER,
  compileProfile,
  dfaIsChain,
  dfaOf,
  expectGolden,
  loadRecording,
  makeRecording,
} from './render-helpers.js';

const TEMPLATE = loadTemplate('apparmor');

const THIS = 'test/unit/render-apparmor.test.ts';
const fixturePolicy = () => buildPolicy([loadRecording('busybox-httpd')], { name: 'busybox-httpd', runtime: 'runc' });
const policyOf = (patch: Partial<Recording>) =>
  buildPolicy([makeRecording(patch)], { name: 'app', runtime: 'none', dirThreshold: 1000 });

/** The profile with every double-quoted string removed (escapes inside them honoured). */
const outsideQuotes = (text: string) => text.replace(/"(?:[^"\\]|\\.)*"/gs, '""');
/** File rule lines: two spaces, a quoted path, modes, comma, optional comment. */
const FILE_LINE = /^ {2}"(?:[^"\\]|\\.)*" [rwalkmix]+,( {2}# [\x20-\x7e]*)?$/;

describe('accessModes and /proc/self', () => {
  it('maps accesses to AppArmor modes (w wins over a, stat needs nothing)', () => {
    expect(accessModes(['read'])).toBe('r');
    expect(accessModes(['dir-list'])).toBe('r');
    expect(accessModes(['create'])).toBe('w');
    expect(accessModes(['delete', 'metadata'])).toBe('w');
    expect(accessModes(['rename'])).toBe('rw'); // the kernel asks for read, write and delete on a rename's source
    expect(accessModes(['append'])).toBe('a');
    expect(accessModes(['write', 'append'])).toBe('w');
    expect(accessModes(['read', 'exec', 'mmap-exec'])).toBe('rmix');
    expect(accessModes(['link', 'lock'])).toBe('lk');
    expect(accessModes(['stat'])).toBe('');
  });
  it('resolves /proc/self and /proc/thread-self as AppArmor sees them', () => {
    expect(patternText(resolveProcSelf([{ lit: '/proc/self/status' }]).pattern)).toBe('/proc/@{pid}/status');
    expect(patternText(resolveProcSelf([{ lit: '/proc/thread-self/comm' }]).pattern)).toBe(
      '/proc/@{pid}/task/@{tid}/comm',
    );
    expect(patternText(resolveProcSelf([{ lit: '/proc/self' }]).pattern)).toBe('/proc/@{pid}');
    expect(resolveProcSelf([{ lit: '/proc/selfish' }]).changed).toBe(false);
  });
});

describe('protective denies', () => {
  it('overlap check agrees with AppArmor globbing on simple cases', () => {
    expect(aareOverlapsPattern('/proc/sys/[^k]**', [{ lit: '/proc/sys/net/ipv4/ip_forward' }])).toBe(true);
    expect(aareOverlapsPattern('/proc/sys/[^k]**', [{ lit: '/proc/sys/kernel/shmmax' }])).toBe(false);
    expect(aareOverlapsPattern('/proc/sys/kernel/[^s][^h][^m]**', [{ lit: '/proc/sys/kernel/shmmax' }])).toBe(false);
    expect(aareOverlapsPattern('/proc/sys/kernel/[^s][^h][^m]**', [{ lit: '/proc/sys/kernel/hostname' }])).toBe(true);
    expect(
      aareOverlapsPattern('/proc/[^1-9]/**', [{ lit: '/proc/' }, { glob: '@{pid}' }, { lit: '/oom_score_adj' }]),
    ).toBe(false);
    expect(aareOverlapsPattern('/proc/*', [{ lit: '/proc/' }, { glob: '*' }])).toBe(true);
    expect(aareOverlapsPattern('/sys/[^f]*/**', [{ lit: '/sys/fs/cgroup/x' }])).toBe(false);
    expect(aareOverlapsPattern('/sys/[^f]*/**', [{ lit: '/sys/' }, { glob: '**' }])).toBe(true);
  });

  it('leaves out exactly the denies an observed write falls inside, and says so', () => {
    const g = (path: string, modes: string) => ({ pattern: [{ lit: path }], modes, label: path });
    const { kept, omitted } = selectDenies([
      g('/proc/sys/net/ipv4/ip_forward', 'w'),
      g('/proc/sys/kernel/shmmax', 'w'),
      g('/sys/fs/cgroup/cpu.max', 'w'),
      g('/proc/kcore', 'r'),
    ]);
    expect(omitted.map((o) => [o.deny.path, o.because])).toEqual([
      ['/proc/sys/[^k]**', '/proc/sys/net/ipv4/ip_forward'],
      ['/proc/kcore', '/proc/kcore'],
    ]);
    expect(kept).toHaveLength(PROTECTIVE_DENIES.length - 2);
    expect(selectDenies([g('/proc/sys/net/ipv4/ip_forward', 'r')]).omitted).toEqual([]);
    expect(selectDenies([g('/proc/sys/net/ipv4/ip_forward', 'a')]).omitted).toHaveLength(1);
  });

  it('renders the omission as a comment and still compiles', () => {
    const r = renderAppArmor(
      policyOf({
        files: {
          '/proc/sys/net/core/somaxconn': { access: ['read', 'write'] },
          '/proc/self/oom_score_adj': { access: ['write'] },
        },
      }),
      { template: TEMPLATE },
    );
    expect(r.omittedDenies).toEqual(['deny /proc/sys/[^k]** w']);
    expect(r.text).toContain('  # left out, an observed access falls inside it: deny /proc/sys/[^k]** w,');
    expect(r.text).not.toMatch(/^ {2}deny \/proc\/sys\/\[\^k\]\*\* w,/m);
    expect(r.text).toContain('  deny /proc/[^1-9]/** w,');
    expect(r.text).toContain('  "/proc/@{pid}/oom_score_adj" w,  # AppArmor sees /proc/self as /proc/<pid>');
    if (APPARMOR_PARSER) expect(compileProfile(r.text).stderr).not.toMatch(/error/i);
  });
});

describe('renderAppArmor', () => {
  it('matches the golden profile', () => {
    expectGolden('busybox-httpd.apparmor', renderAppArmor(fixturePolicy(), { template: TEMPLATE }).text, THIS);
  });

  it('has the container profile frame and no rule outside it', () => {
    const text = renderAppArmor(fixturePolicy(), { template: TEMPLATE }).text;
    // As aa-genprof writes them: the policy ABI first, then the tunables, the base abstraction inside the profile.
    expect(text).toContain('\nabi <abi/3.0>,\n\ninclude <tunables/global>\n\nprofile busybox-httpd');
    expect(text).toContain(
      'profile busybox-httpd flags=(attach_disconnected,mediate_deleted) {\n  include <abstractions/base>\n',
    );
    for (const d of ['deny mount,', 'deny umount,', 'deny pivot_root,', 'deny ptrace (read, trace) peer=unconfined,'])
      expect(text).toContain(`  ${d}\n`);
    expect(text.trimEnd().endsWith('\n}')).toBe(true);
  });

  it.skipIf(!APPARMOR_PARSER)('compiles with apparmor_parser -Q -K', () => {
    const r = compileProfile(renderAppArmor(fixturePolicy(), { template: TEMPLATE }).text);
    expect(r.status, r.stderr).toBe(0);
  });

  it('writes network and capability rules from whitelists only, warning about the rest', () => {
    const r = renderAppArmor(
      policyOf({
        network: {
          sockets: [
            { family: 'AF_INET6', type: 'SOCK_DGRAM|SOCK_CLOEXEC', protocol: 'IPPROTO_UDP' },
            { family: 'AF_UNIX', type: 'SOCK_STREAM', protocol: '0' },
            { family: 'AF_NETLINK', type: 'SOCK_RAW', protocol: 'NETLINK_ROUTE' },
            { family: 'AF_PACKET', type: '3', protocol: '0' },
            { family: 'AF_INET,\n/** rw', type: 'SOCK_STREAM', protocol: '0' },
          ],
          bind: [],
          connect: [],
          listen: [],
        },
        identity: {
          uids: [0],
          gids: [0],
          changes: [],
          capabilities: [
            { name: 'CAP_NET_BIND_SERVICE', reasons: ['bind(80)'] },
            { name: 'CAP_BOGUS', reasons: [] },
          ],
        },
      }),
      { template: TEMPLATE },
    );
    expect(r.text).toMatch(
      /\n {2}network inet6 dgram,\n {2}network netlink raw,\n {2}network packet raw,\n {2}network unix stream,\n/,
    );
    expect(r.text).toContain('\n  capability net_bind_service,\n');
    expect(r.text).not.toMatch(/bogus/i);
    const networkLines = r.text.split('\n').filter((l) => /^\s*network/.test(l));
    expect(networkLines).toEqual([
      '  network inet6 dgram,',
      '  network netlink raw,',
      '  network packet raw,',
      '  network unix stream,',
    ]);
    expect(r.warnings.filter((w) => /not allowed/.test(w))).toHaveLength(2);
    if (APPARMOR_PARSER) expect(compileProfile(r.text).status).toBe(0);
  });

  it('allows signals and ptrace between its own processes only as observed', () => {
    const quiet = renderAppArmor(policyOf({}), { template: TEMPLATE }).text;
    expect(quiet).toContain('  signal (receive) peer=app,\n');
    expect(quiet).toContain('  deny ptrace (trace),\n');
    expect(quiet).not.toContain('ptrace (read, readby)');
    const busy = renderAppArmor(
      policyOf({
        syscalls: { x86_64: { kill: { count: 1, failed: 0 }, ptrace: { count: 1, failed: 0 } } },
        files: { '/proc/42/stat': { access: ['read'] } },
      }),
      { template: TEMPLATE },
    ).text;
    expect(busy).toContain('  signal (send, receive) peer=app,\n');
    expect(busy).toContain('  ptrace (trace, read, tracedby, readby) peer=app,\n');
    if (APPARMOR_PARSER) expect(compileProfile(busy).status).toBe(0);
  });

  it('refuses a bad profile name', () => {
    const p = { ...policyOf({}), name: 'x {\n/** rwix,\n}' };
    expect(() => renderAppArmor(p, { template: TEMPLATE })).toThrow(/profile name .* is not a valid name/);
  });
});

// The traced program chooses its file names: none of them may add a rule or widen the one it gets.
describe('hostile file names', () => {
  const names: Record<string, string> = {
    injection: 'x,\n/** rwix,',
    closer: 'a"\n}\nprofile evil {\n/** rwix,\n',
    braces: 'a{b,c}',
    quote: 'q"uote',
    hash: 'h#ash',
    variable: 'v@{HOME}',
    globstar: 'g**',
    caret: 'c^x',
    brackets: 'b[ab]',
    backslash: 'back\\slash',
    backslashEnd: 'end\\',
    nul: 'n\u0000ul',
    replacement: 'r\ufffdr',
    tab: 't\tab',
    carriage: 'c\rr',
    rlo: 'r\u202eo',
    comma: 'a, b',
  };
  const files = Object.fromEntries(
    Object.values(names).map((n) => [`/data/${n}`, { access: ['read'] as Array<'read'> }]),
  );
  const policy = policyOf({ files });
  const result = renderAppArmor(policy, { template: TEMPLATE });
  const fileLines = result.text.split('\n').filter((l) => l.startsWith('  "'));

  it('gives each file exactly one rule line, and every line is a well-formed quoted rule', () => {
    expect(fileLines).toHaveLength(Object.keys(names).length);
    for (const l of fileLines) expect(l).toMatch(FILE_LINE);
    expect(result.text.split('\n').filter((l) => /^\s*profile /.test(l))).toHaveLength(1);
  });

  it('leaves no rule text outside quotes: no /**, no rwix, no second profile', () => {
    const bare = outsideQuotes(result.text)
      .split('\n')
      .filter((l) => !/^\s*(#|deny )/.test(l));
    expect(bare.join('\n')).not.toMatch(/\/\*\*|rwix|evil|@\{HOME\}/);
  });

  it('warns where a character had to become "?"', () => {
    expect(result.warnings.some((w) => w.includes('NUL'))).toBe(true);
    expect(result.warnings.some((w) => w.includes('U+FFFD'))).toBe(true);
  });

  it.skipIf(!APPARMOR_PARSER)('compiles, and each rule grants exactly its own path', () => {
    const all = compileProfile(result.text);
    expect(all.status, all.stderr).toBe(0);
    for (const n of Object.values(names)) {
      const line = fileLines.find((l) => {
        const expected = [...Buffer.from(`/data/${n}`, 'utf8')];
        return l.length > 0 && expected.length > 0 && dfaIsChain(dfaOf(`profile t {\n${l}\n}\n`), chainFor(n));
      });
      expect(line, `no rule grants exactly /data/${JSON.stringify(n)}`).toBeDefined();
    }
  });
});

/** The bytes a rule for /data/NAME must match, with null where a character may only become one non-slash byte. */
function chainFor(name: string): Array<number | null> {
  const out: Array<number | null> = [...Buffer.from('/data/', 'utf8')];
  for (const ch of name) {
    if (ch === '\u0000' || ch === '\ufffd') out.push(null);
    else out.push(...Buffer.from(ch, 'utf8'));
  }
  return out;
}
