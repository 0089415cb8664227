// Hardening 1: hostile trace content. A real traced program creates files (and re-executes itself with argv) whose
// names hold every character that could break an AppArmor rule, YAML or JSON; record → generate must give a profile
// that compiles and grants each file exactly its own path, YAML and JSON that parse back to the same names, and
// output that `tracewall validate` accepts. Property tests do the same for arbitrary bytes and arbitrary strings.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import YAML from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeQuoted } from '../../src/parse/cstring.js';
import { quotePattern } from '../../src/render/apparmor-escape.js';
import { renderProfiles } from '../../src/cli/profiles.js';
import type { Recording } from '../../src/recording/types.js';
import { compileProfile, dfaIsChain, dfaOf, makeRecording } from '../unit/render-helpers.js';
import {
  APPARMOR_PARSER,
  NO_DIST,
  ROOT,
  announce,
  decodedText,
  expectedChain,
  fcSeed,
  compileC,
  messageLines,
  rmrf,
  ruleToken,
  runCli,
  skipUnless,
  which,
} from './helpers.js';

/** A program that creates every NUL-separated path listed in a file, then runs itself again with them as argv. */
const HOSTILE_C = String.raw`
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
int main(int argc, char **argv) {
  if (argc >= 2 && strcmp(argv[1], "--child") == 0) return 0;
  if (argc < 2) return 2;
  static char buf[1 << 20];
  int nf = open(argv[1], O_RDONLY);
  if (nf < 0) { perror("names"); return 2; }
  ssize_t len = read(nf, buf, sizeof buf - 1);
  close(nf);
  if (len <= 0) return 2;
  char *names[256];
  int n = 0;
  for (char *p = buf; p < buf + len && n < 250; p += strlen(p) + 1) names[n++] = p;
  int bad = 0;
  for (int i = 0; i < n; i++) {
    int fd = open(names[i], O_CREAT | O_WRONLY | O_TRUNC, 0644);
    if (fd < 0) { perror(names[i]); bad = 1; continue; }
    if (write(fd, "x", 1) != 1) bad = 1;
    close(fd);
  }
  /* argv[0] and the other arguments of the child are the hostile names themselves */
  char *cargv[260];
  cargv[0] = names[0];
  cargv[1] = "--child";
  for (int i = 0; i < n; i++) cargv[i + 2] = names[i];
  cargv[n + 2] = NULL;
  pid_t pid = fork();
  if (pid == 0) { execv(argv[0], cargv); _exit(127); }
  int st = 0;
  waitpid(pid, &st, 0);
  return bad ? 1 : (WIFEXITED(st) ? WEXITSTATUS(st) : 3);
}
`;

const b = (s: string): Buffer => Buffer.from(s, 'utf8');

/** One hostile file: the name's bytes (created in its own directory dNN so no directory generalisation applies). */
interface Case {
  label: string;
  /** Path below the case directory, as bytes (may hold "/" for the long and ".." cases). */
  rel: Buffer;
  /** What the rule must match, below the case directory, when it differs from rel (".." resolved). */
  resolved?: Buffer;
}

const LONG_SEGMENT = 'z'.repeat(200); // not hex, not "random": no generalisation step may touch it

const CASES: Case[] = [
  { label: 'newline', rel: b('new\nline') },
  { label: 'comma', rel: b('com,ma') },
  { label: 'quotes', rel: b(`q"uo'te`) },
  { label: 'braces', rel: b('br{a,b}ce') },
  { label: 'hash', rel: b('ha#sh') },
  { label: 'variable @{', rel: b('var@{HOME}') },
  { label: 'double star', rel: b('star**') },
  { label: 'caret', rel: b('ca^ret') },
  { label: 'brackets and ?', rel: b('br[ab]?') },
  { label: 'backslash', rel: b('back\\slash') },
  { label: 'trailing backslash', rel: b('trail\\') },
  { label: 'backslash quote', rel: b('bs\\"q') },
  { label: 'tab', rel: b('ta\tb') },
  { label: 'carriage return', rel: b('cr\rx') },
  { label: 'bidi override U+202E', rel: b('bidi\u202eevil') },
  { label: 'rule injection', rel: b('x",\n/** rwix,\n"') },
  { label: 'shell and space', rel: b('sp $(id) `x` ;|&') },
  { label: 'invalid UTF-8 ff fe', rel: Buffer.from([0x62, 0x61, 0x64, 0xff, 0xfe, 0x2e]) },
  { label: 'truncated UTF-8 e2 80', rel: Buffer.from([0x74, 0x72, 0x75, 0x6e, 0xe2, 0x80, 0x78]) },
  { label: 'overlong slash c0 af', rel: Buffer.from([0x6f, 0x76, 0xc0, 0xaf, 0x6c]) },
  { label: '.. components', rel: b('sub/../dotdot'), resolved: b('dotdot') },
  { label: 'three dots', rel: b('...') },
];

/** Characters a YAML emitter must quote; no control characters or ":" (those cannot be a mountPath at all). */
const YAML_HOSTILE_DIR = `- &a *b !t %d |> 'q"c,{x}#@{y}**^\\ $\u202e`;

const work = path.join(os.tmpdir(), `tracewall-hostile-${process.pid}`);
// Outside the scratch roots (/tmp, /run, ...): a write here becomes an emptyDir mountPath in the YAML.
const yamlBase = path.join(ROOT, 'node_modules', '.cache', `tracewall-hostile-${process.pid}`);

const why = skipUnless(
  [!NO_DIST, NO_DIST ?? ''],
  [process.platform === 'linux', 'hostile-name recording needs Linux'],
  [which('strace') !== undefined, 'strace is not installed (apt-get install strace)'],
  [which('gcc') !== undefined, 'gcc is not installed (apt-get install gcc libc6-dev)'],
);

describe.skipIf(why)('hostile names recorded from a real program', () => {
  const caseDir = (i: number): string => path.join(work, `d${String(i).padStart(2, '0')}`);
  const fullPath = (i: number, rel: Buffer): Buffer => Buffer.concat([b(caseDir(i) + '/'), rel]);
  const longRel = (): Buffer => {
    // About 4000 bytes in all: nested 200-byte directories, then the file.
    const parts: string[] = [];
    while (caseDir(CASES.length).length + parts.join('/').length < 3780) parts.push(LONG_SEGMENT);
    return b(`${parts.join('/')}/long-file`);
  };
  const allCases = (): Case[] => [...CASES, { label: '4000-byte path', rel: longRel() }];
  const hostileArgv = [
    'arg\nwith newline',
    'a,b',
    '"quoted"',
    '{x,y}',
    '#c',
    '@{HOME}',
    '**',
    '^',
    'tr\\',
    't\tb',
    'cr\r',
    '\u202e',
    'x",\n/** rwix,\n"',
  ];
  let bin = '';
  let namesFile = '';
  let recFile = '';
  let outDir = '';
  let recorded: { code: number | null; stderr: string } = { code: null, stderr: '' };
  const yamlFile = (): string => path.join(yamlBase, YAML_HOSTILE_DIR, 'f');

  beforeAll(async () => {
    rmrf(work);
    fs.mkdirSync(path.join(work, 'bin'), { recursive: true });
    bin = path.join(work, 'bin', 'hostile');
    const err = compileC(HOSTILE_C, bin);
    if (err) throw new Error(err);
    const entries: Buffer[] = [];
    allCases().forEach((c, i) => {
      fs.mkdirSync(caseDir(i));
      // Parent directories are made before tracing, so only the file itself is in the recording.
      // (no normalisation: "sub/../x" needs "sub" itself to exist)
      const dirs = c.rel.toString('latin1').split('/').slice(0, -1);
      const upTo = dirs.indexOf('..');
      const parent = (upTo < 0 ? dirs : dirs.slice(0, upTo)).join('/');
      if (parent !== '') fs.mkdirSync(`${caseDir(i)}/${parent}`, { recursive: true });
      entries.push(fullPath(i, c.rel));
    });
    fs.mkdirSync(path.dirname(yamlFile()), { recursive: true });
    entries.push(b(yamlFile()));
    namesFile = path.join(work, 'bin', 'names');
    fs.writeFileSync(namesFile, Buffer.concat(entries.flatMap((e) => [e, Buffer.from([0])])));
    recFile = path.join(work, 'hostile.recording.json');
    outDir = path.join(work, 'out');
    fs.mkdirSync(outDir);
    const r = await runCli(['record', '-o', recFile, '--name', 'hostile', '--', bin, namesFile, ...hostileArgv], {
      cwd: work,
    });
    recorded = { code: r.code, stderr: r.stderr };
  });

  afterAll(() => {
    rmrf(work);
    rmrf(yamlBase);
  });

  it('records the run (exit 0) and says so without raw control characters on the terminal', () => {
    expect(recorded.code, recorded.stderr).toBe(0);
    for (const line of messageLines(recorded.stderr))
      expect(line).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f\u202e]/);
    expect(recorded.stderr).toMatch(/not valid UTF-8/);
  });

  it('the recording JSON holds every name exactly once, decoded, with ".." resolved; argv round-trips', () => {
    const rec = JSON.parse(fs.readFileSync(recFile, 'utf8')) as Recording;
    const keys = Object.keys(rec.files);
    allCases().forEach((c, i) => {
      const want = decodedText(fullPath(i, c.resolved ?? c.rel));
      expect(rec.files[want]?.access, `${c.label}: ${JSON.stringify(want)} in ${JSON.stringify(keys)}`).toEqual(
        expect.arrayContaining(['create', 'write']),
      );
      expect(
        keys.filter((k) => k.startsWith(`${caseDir(i)}/`)),
        c.label,
      ).toEqual([want]);
    });
    expect(keys.filter((k) => k.includes('/../') || k.endsWith('/..'))).toEqual([]);
    expect(rec.target).toMatchObject({ kind: 'command', argv: [bin, namesFile, ...hostileArgv] });
    // The child ran with argv[0] = the first hostile name (a newline in it).
    expect(rec.executables.map((e) => e.argv0)).toContain(decodedText(fullPath(0, CASES[0]!.rel)));
  });

  describe('generate', () => {
    let gen: { code: number | null; stderr: string } = { code: null, stderr: '' };
    let apparmor = '';
    beforeAll(async () => {
      const r = await runCli(['generate', '-o', outDir, '--name', 'hostile', recFile], { cwd: work });
      gen = { code: r.code, stderr: r.stderr };
      if (r.code === 0) apparmor = fs.readFileSync(path.join(outDir, 'hostile.apparmor'), 'utf8');
    });

    it('writes the three files, and warns about the widened invalid bytes', () => {
      expect(gen.code, gen.stderr).toBe(0);
      expect(gen.stderr).toMatch(/U\+FFFD/);
      for (const line of messageLines(gen.stderr)) expect(line).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f\u202e]/);
    });

    it('every line of the AppArmor profile is a whole comment, include, rule or brace: no name split a line', () => {
      for (const line of apparmor.split('\n')) {
        const ok =
          /^\s*(#.*)?$/.test(line) ||
          /^\s*include\s+<[a-z/]+>\s*$/.test(line) ||
          /,\s*(#.*)?$/.test(line) ||
          /\{\s*(#.*)?$/.test(line) ||
          /^\s*\}\s*$/.test(line);
        expect(ok, `line ${JSON.stringify(line)}`).toBe(true);
      }
      expect(apparmor.match(/^profile /gm)).toHaveLength(1);
    });

    it.skipIf(
      announce(
        APPARMOR_PARSER ? undefined : 'apparmor_parser is not installed (apt-get install apparmor): compile checks',
      ),
    )('the profile compiles with apparmor_parser -Q -K', () => {
      const r = compileProfile(apparmor);
      expect(r.status, r.stderr).toBe(0);
    });

    it.skipIf(
      announce(APPARMOR_PARSER ? undefined : 'apparmor_parser is not installed (apt-get install apparmor): DFA checks'),
    )('each hostile file has exactly one rule, and that rule matches only its own path', () => {
      const lines = apparmor.split('\n');
      allCases().forEach((c, i) => {
        const mine = lines.filter((l) => l.includes(`${caseDir(i)}/`));
        expect(mine, c.label).toHaveLength(1);
        const token = ruleToken(mine[0]!);
        expect(token, `${c.label}: ${mine[0]}`).toBeDefined();
        const full = fullPath(i, c.resolved ?? c.rel);
        const dfa = dfaOf(`profile t {\n  ${token} r,\n}\n# "\n`);
        expect(dfaIsChain(dfa, expectedChain(full)), `${c.label}: ${token}`).toBe(true);
      });
      // Nothing else in the profile names the case directories (no rule was split or duplicated).
      expect(lines.filter((l) => l.includes(`${work}/d`))).toHaveLength(allCases().length);
    });

    it('the YAML parses back: one document, the hostile directory as its exact mountPath, a comment-only header', () => {
      const text = fs.readFileSync(path.join(outDir, 'hostile.k8s.yaml'), 'utf8');
      const docs = YAML.parseAllDocuments(text);
      expect(docs).toHaveLength(1);
      expect(docs[0]!.errors).toEqual([]);
      const pod = docs[0]!.toJS() as { spec: { containers: Array<{ volumeMounts?: Array<{ mountPath: string }> }> } };
      expect(pod.spec.containers).toHaveLength(1);
      const mounts = pod.spec.containers[0]!.volumeMounts!.map((m) => m.mountPath);
      // Under /tmp, /run or /var/tmp the whole directory is the emptyDir (the checkout may itself live under /tmp in CI).
      const dir = path.dirname(yamlFile());
      const scratch = ['/tmp', '/run', '/var/tmp', '/var/run'].find((d) => dir === d || dir.startsWith(d + '/'));
      expect(mounts).toContain(scratch ?? dir);
      if (scratch)
        console.warn(`note: the hostile directory lies under ${scratch}, so its exact mountPath is not checked here`);
      const header = text
        .slice(0, text.indexOf('apiVersion:'))
        .split('\n')
        .filter((l) => l !== '');
      for (const l of header) expect(l.startsWith('#'), l).toBe(true);
    });

    it('the JSON outputs parse, and `tracewall validate` accepts all four files', async () => {
      JSON.parse(fs.readFileSync(path.join(outDir, 'hostile.seccomp.json'), 'utf8'));
      const files = ['hostile.seccomp.json', 'hostile.apparmor', 'hostile.k8s.yaml'].map((f) => path.join(outDir, f));
      const r = await runCli(['validate', recFile, ...files]);
      expect(r.code, r.stdout + r.stderr).toBe(0);
      expect(r.stdout).toMatch(/validate: 4 files, 0 errors/);
    });
  });
});

/** A byte string as strace prints it inside quotes: printable ASCII raw (but " and \), the rest escaped. */
function straceEscape(bytes: Uint8Array, hex: boolean): string {
  let out = '';
  for (const x of bytes) {
    if (x === 0x22 || x === 0x5c) out += `\\${String.fromCharCode(x)}`;
    else if (x === 0x0a) out += '\\n';
    else if (x === 0x09) out += '\\t';
    else if (x >= 0x20 && x < 0x7f) out += String.fromCharCode(x);
    else out += hex ? `\\x${x.toString(16).padStart(2, '0')}` : `\\${x.toString(8).padStart(3, '0')}`;
  }
  return out;
}

const componentBytes = fc
  .uint8Array({ minLength: 1, maxLength: 24 })
  // A component holds no "/" or NUL, is not "." or "..", and (a documented limit) holds no literal U+FFFD, which a
  // Recording cannot tell apart from an invalid byte.
  .map((a) => a.filter((x) => x !== 0x2f && x !== 0))
  .filter(
    (a) =>
      a.length > 0 &&
      !['.', '..'].includes(Buffer.from(a).toString('latin1')) &&
      !Buffer.from(a).includes(Buffer.from([0xef, 0xbf, 0xbd])),
  );

describe.skipIf(
  announce(
    APPARMOR_PARSER
      ? undefined
      : 'apparmor_parser is not installed (apt-get install apparmor): byte-string property test',
  ),
)('property: arbitrary bytes as path components', () => {
  it('strace escape → decode → AppArmor quote: compiles, and the rule accepts exactly those bytes (50 runs, batched compile)', () => {
    const quoted: string[] = [];
    fc.assert(
      fc.property(fc.array(componentBytes, { minLength: 1, maxLength: 4 }), fc.boolean(), (comps, hex) => {
        const bytes = Buffer.concat(comps.flatMap((c) => [Buffer.from('/'), Buffer.from(c)]));
        const shown = `"${straceEscape(bytes, hex)}"`;
        const decoded = decodeQuoted(shown, 0);
        expect(decoded.text).toBe(decodedText(bytes));
        const q = quotePattern([{ lit: decoded.text }]);
        if ('refused' in q) throw new Error(`refused ${JSON.stringify(decoded.text)}: ${q.refused}`);
        expect(q.text).not.toMatch(/[\u0000-\u001f\u007f]/);
        quoted.push(q.text);
        const dfa = dfaOf(`profile t {\n  ${q.text} r,\n}\n# "\n`);
        expect(dfaIsChain(dfa, expectedChain(bytes)), q.text).toBe(true);
      }),
      { numRuns: 50, seed: fcSeed('hostile bytes') },
    );
    // All of them in one profile, one rule each.
    const r = compileProfile(`profile batch {\n${quoted.map((q) => `  ${q} rw,`).join('\n')}\n}\n`);
    expect(r.status, r.stderr).toBe(0);
  });
});

describe('property: arbitrary strings as file and directory names in a Recording', () => {
  // Any UTF-16 string, control characters, lone surrogates and all (what a hand-edited or hostile recording may hold).
  const unit = fc.oneof(
    fc.constantFrom(
      '\n',
      '\r',
      '\t',
      '"',
      '\\',
      ',',
      '#',
      '{',
      '}',
      '@',
      '*',
      '^',
      ':',
      '-',
      '&',
      '!',
      '|',
      '>',
      '\u202e',
      '\u0000',
      '\ud800',
      '\ufffd',
    ),
    fc.integer({ min: 0, max: 0x7f }).map((c) => String.fromCharCode(c)),
    fc.integer({ min: 0, max: 0x10ffff }).map((c) => String.fromCodePoint(c)),
  );
  const segment = fc
    .string({ unit, minLength: 1, maxLength: 12 })
    .filter((s) => !s.includes('/') && s !== '.' && s !== '..');

  it('render: AppArmor compiles with one rule per file, YAML and JSON parse back, mountPaths are the real directories (30 runs)', () => {
    fc.assert(
      fc.property(fc.uniqueArray(segment, { minLength: 1, maxLength: 6 }), (names) => {
        const files: Recording['files'] = {};
        names.forEach((n, i) => {
          files[`/srv/h${i}/${n}`] = { access: ['read'] };
          files[`/srv/w${i}/${n}/f`] = { access: ['write', 'create'] };
        });
        const rec = makeRecording({ name: 'prop', files });
        const out = renderProfiles([rec], { format: 'docker', defaultAction: 'errno', apparmorAnnotation: true });
        const byName = Object.fromEntries(out.files.map((f) => [f.file, f.data]));
        JSON.parse(byName['prop.seccomp.json']!);
        const docs = YAML.parseAllDocuments(byName['prop.k8s.yaml']!);
        expect(docs).toHaveLength(1);
        expect(docs[0]!.errors).toEqual([]);
        const pod = docs[0]!.toJS() as { spec: { containers: Array<{ volumeMounts?: Array<{ mountPath: string }> }> } };
        expect(pod.spec.containers).toHaveLength(1);
        const dirs = new Set(names.map((n, i) => `/srv/w${i}/${n}`));
        for (const m of pod.spec.containers[0]!.volumeMounts ?? [])
          expect(dirs.has(m.mountPath), m.mountPath).toBe(true);
        const apparmor = byName['prop.apparmor']!;
        const ruleLines = apparmor.split('\n').filter((l) => /^\s*"\/srv\//.test(l));
        expect(ruleLines).toHaveLength(names.length * 2);
        if (APPARMOR_PARSER) {
          const r = compileProfile(apparmor);
          expect(r.status, `${r.stderr}\n${apparmor}`).toBe(0);
        }
      }),
      { numRuns: 30, seed: fcSeed('hostile strings') },
    );
  });
});
