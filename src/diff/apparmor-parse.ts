// A line-based reader for the AppArmor profiles tracewall renders (and hand-written ones in the same style): includes,
// the profile header and flags, capability, network and file rules, deny/owner/audit qualifiers, and other rules by
// keyword. The full grammar is out of scope: nested profiles, hats, conditionals and multi-line rules are kept as
// unrecognised lines, which the diff reports instead of failing.
import { isExec, parseModes } from './apparmor-modes.js';

/** A file rule: canonical path text (quotes removed, escapes kept), owner qualifier, mode tokens. */
export interface AppArmorFileRule {
  path: string;
  owner: boolean;
  modes: string[];
}

/** What one profile file says, in comparable form. */
export interface AppArmorModel {
  /** Names of top-level profiles, in file order. */
  profiles: string[];
  flags: string[];
  includes: string[];
  /** Per qualifier (allow, deny): capability names ("" for a bare `capability,` = all). */
  capabilities: { allow: string[]; deny: string[] };
  /** Per qualifier: "family type" keys ("" = every family). */
  network: { allow: string[]; deny: string[] };
  files: { allow: AppArmorFileRule[]; deny: AppArmorFileRule[] };
  /** Other rules (signal, ptrace, mount, ...) as normalised text, per qualifier. */
  rules: { allow: string[]; deny: string[] };
  /** Normalised text of lines not understood, with the first line number each was seen on. */
  unrecognised: Array<{ text: string; line: number }>;
}

/** Rule keywords kept as normalised text and rated by keyword. */
export const OTHER_RULE_KEYWORDS: readonly string[] = [
  'signal',
  'ptrace',
  'mount',
  'remount',
  'umount',
  'pivot_root',
  'unix',
  'dbus',
  'change_profile',
  'change_hat',
  'userns',
  'io_uring',
  'mqueue',
  'link',
  'rlimit',
];

/** The text of a line without its comment: "#" at a token start outside quotes begins one. */
export function stripComment(line: string): string {
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (quoted && c === '\\') {
      i += 1;
    } else if (c === '"') {
      quoted = !quoted;
    } else if (!quoted && c === '#' && (i === 0 || /\s/.test(line[i - 1]!))) {
      return line.slice(0, i);
    }
  }
  return line;
}

/** One token: a quoted string (returned without quotes, escapes kept) or a run of non-space characters. */
function nextToken(text: string): { token: string; quoted: boolean; rest: string } | undefined {
  const s = text.trimStart();
  if (s === '') return undefined;
  if (s[0] === '"') {
    for (let i = 1; i < s.length; i++) {
      if (s[i] === '\\') i += 1;
      else if (s[i] === '"') return { token: s.slice(1, i), quoted: true, rest: s.slice(i + 1) };
    }
    return undefined;
  }
  const m = /^\S+/.exec(s)!;
  return { token: m[0], quoted: false, rest: s.slice(m[0].length) };
}

/** Whitespace collapsed and permission lists in parentheses sorted: "(send, receive)" equals "(receive send)". */
export function normaliseRule(text: string): string {
  return text
    .replace(
      /\(([^()]*)\)/g,
      (_, inner: string) =>
        `(${inner
          .split(/[\s,]+/)
          .filter(Boolean)
          .sort()
          .join(', ')})`,
    )
    .replace(/\s+/g, ' ')
    .trim();
}

function looksLikePath(token: string, quoted: boolean): boolean {
  return quoted || token.startsWith('/') || token.startsWith('@{');
}

function emptyModel(): AppArmorModel {
  return {
    profiles: [],
    flags: [],
    includes: [],
    capabilities: { allow: [], deny: [] },
    network: { allow: [], deny: [] },
    files: { allow: [], deny: [] },
    rules: { allow: [], deny: [] },
    unrecognised: [],
  };
}

/** A file rule's body ("PATH MODES [-> TARGET]" or "MODES PATH [-> TARGET]"), or undefined when it is not one. */
function fileRule(body: string, owner: boolean): AppArmorFileRule | undefined {
  const first = nextToken(body);
  if (!first) return undefined;
  const second = nextToken(first.rest);
  if (!second) return undefined;
  let path: string;
  let modesText: string;
  let rest: string;
  if (looksLikePath(first.token, first.quoted)) {
    path = first.token;
    modesText = second.token;
    rest = second.rest;
  } else if (!first.quoted && looksLikePath(second.token, second.quoted)) {
    modesText = first.token;
    path = second.token;
    rest = second.rest;
  } else {
    return undefined;
  }
  const modes = parseModes(modesText);
  if (!modes) return undefined;
  const target = /^\s*->\s*(\S+)\s*$/.exec(rest);
  if (rest.trim() !== '' && !target) return undefined;
  const tokens = target ? modes.map((m) => (isExec(m) && m !== 'x' ? `${m} -> ${target[1]}` : m)) : modes;
  return { path, owner, modes: tokens };
}

interface Qualified {
  deny: boolean;
  owner: boolean;
  body: string;
}

function qualifiers(statement: string): Qualified {
  let body = statement;
  let deny = false;
  let owner = false;
  for (;;) {
    const m = /^(audit|allow|deny|owner|quiet)\s+/.exec(body);
    if (!m) break;
    if (m[1] === 'deny') deny = true;
    if (m[1] === 'owner') owner = true;
    body = body.slice(m[0].length);
  }
  return { deny, owner, body };
}

/** Record one statement (without its trailing comma); false when it is not understood. */
function statement(model: AppArmorModel, text: string): boolean {
  const { deny, owner, body } = qualifiers(text);
  const side = deny ? 'deny' : 'allow';
  const words = body.split(/\s+/).filter(Boolean);
  const keyword = words[0] ?? '';
  if (keyword === 'capability') {
    if (owner) return false;
    if (words.length === 1) model.capabilities[side].push('');
    for (const w of words.slice(1)) {
      if (!/^[a-z_]+$/.test(w)) return false;
      model.capabilities[side].push(w);
    }
    return true;
  }
  if (keyword === 'network') {
    if (owner || words.length > 3 || words.slice(1).some((w) => !/^[a-z0-9_]+$/.test(w))) return false;
    model.network[side].push(words.slice(1).join(' '));
    return true;
  }
  if (keyword === 'file' && words.length === 1) {
    model.files[side].push({ path: '/**', owner, modes: ['file'] });
    return true;
  }
  if (OTHER_RULE_KEYWORDS.includes(keyword) || (keyword === 'set' && words[1] === 'rlimit')) {
    model.rules[side].push(normaliseRule(`${owner ? 'owner ' : ''}${body}`));
    return true;
  }
  const rule = fileRule(keyword === 'file' ? body.slice(4) : body, owner);
  if (!rule) return false;
  model.files[side].push(rule);
  return true;
}

/** The profile name and flags of a header line ("profile NAME [ATTACH] [flags=(...)] {"), or undefined. */
function header(text: string): { name: string; flags: string[] } | undefined {
  const flagsMatch = /\s+flags\s*=\s*\(([^)]*)\)\s*/.exec(text);
  const flags = flagsMatch ? flagsMatch[1]!.split(/[\s,]+/).filter(Boolean) : [];
  const rest = (flagsMatch ? text.replace(flagsMatch[0], ' ') : text).replace(/\{\s*$/, '').trim();
  const first = nextToken(rest);
  if (!first) return undefined;
  if (first.token === 'profile' && !first.quoted) {
    const name = nextToken(first.rest);
    return name ? { name: name.token, flags } : undefined;
  }
  if (looksLikePath(first.token, first.quoted)) return { name: first.token, flags };
  return undefined;
}

/** Read a profile's text into its comparable model; never throws. */
export function parseAppArmor(text: string): AppArmorModel {
  const model = emptyModel();
  const seen = new Set<string>();
  const unrecognised = (line: string, n: number): void => {
    const t = line.replace(/\s+/g, ' ').trim();
    if (!seen.has(t)) model.unrecognised.push({ text: t, line: n });
    seen.add(t);
  };
  let depth = 0;
  text
    .replace(/^\uFEFF/, '')
    .split('\n')
    .forEach((raw, i) => {
      const n = i + 1;
      const trimmed = raw.trim();
      const include = /^(?:#include|include(?:\s+if\s+exists)?)\s+(<[^>]+>|"[^"]+")\s*$/.exec(trimmed);
      if (include) {
        if (depth <= 1) model.includes.push(include[1]!);
        else unrecognised(trimmed, n);
        return;
      }
      const line = stripComment(raw).trim();
      if (line === '') return;
      if (line === '}') {
        if (depth === 0) unrecognised(line, n);
        else depth -= 1;
        return;
      }
      if (line.endsWith('{')) {
        const h = depth === 0 ? header(line) : undefined;
        if (h) {
          model.profiles.push(h.name);
          model.flags.push(...h.flags);
        } else {
          unrecognised(line, n);
        }
        depth += 1;
        return;
      }
      if (depth > 1 || !line.endsWith(',')) {
        unrecognised(line, n);
        return;
      }
      const body = line.slice(0, -1).trim();
      if (depth === 0 && /^abi\s+<[^>]+>$/.test(body)) {
        model.includes.push(body.replace(/\s+/g, ' '));
        return;
      }
      if (depth === 0 || !statement(model, body)) unrecognised(line, n);
    });
  return model;
}
