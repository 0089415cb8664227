// One AppArmor rule statement (without its trailing ",") read into a typed rule: file, link, capability and network
// rules in full (with their qualifiers); other rule kinds (signal, ptrace, mount, unix, dbus, ...) by keyword only.
import { isExec, parseModes } from '../diff/apparmor-modes.js';
import { OTHER_RULE_KEYWORDS } from '../diff/apparmor-parse.js';
import { excerpt, PolicySyntaxError, type Where } from './lexer.js';

/** Qualifiers of a rule; a qualifier block's apply to every rule inside it. */
export interface Qualifiers {
  deny: boolean;
  audit: boolean;
  owner: boolean;
}

/** A rule as written (paths with variables not yet expanded, quotes removed, escapes kept). */
export type AaRule =
  | { kind: 'file'; q: Qualifiers; path: string; modes: string[]; target?: string; where: Where }
  | { kind: 'file-all'; q: Qualifiers; where: Where }
  | { kind: 'link'; q: Qualifiers; subset: boolean; link: string; target: string; where: Where }
  | { kind: 'capability'; q: Qualifiers; names: string[]; where: Where }
  | { kind: 'network'; q: Qualifiers; domain?: string; type?: string; protocol?: string; where: Where }
  | { kind: 'other'; q: Qualifiers; keyword: string; text: string; where: Where };

/** Rule keywords read by keyword only (their permissions are not file, capability or network ones). */
const OTHER = new Set([...OTHER_RULE_KEYWORDS, 'set', 'alias', 'abi']);
const NETWORK_TYPES = new Set(['stream', 'dgram', 'seqpacket', 'rdm', 'raw', 'packet']);
const NETWORK_PROTOCOLS = new Set(['tcp', 'udp', 'icmp']);

/** The qualifier words at the start of a statement, and the rest. */
export function readQualifiers(text: string, base: Qualifiers): { q: Qualifiers; rest: string } {
  const q = { ...base };
  let rest = text;
  for (;;) {
    const m = /^(audit|allow|deny|owner|quiet)(?:\s+|$)/.exec(rest);
    if (!m) return { q, rest };
    if (m[1] === 'deny') q.deny = true;
    if (m[1] === 'audit') q.audit = true;
    if (m[1] === 'owner') q.owner = true;
    rest = rest.slice(m[0].length);
  }
}

/** Tokens of a rule body: quoted strings (unquoted, escapes kept) and runs of non-space characters. */
export function ruleTokens(text: string): Array<{ text: string; quoted: boolean }> {
  const out: Array<{ text: string; quoted: boolean }> = [];
  const re = /"((?:[^"\\]|\\[\s\S])*)"|((?:[^\s"\\]|\\.)+)/g;
  for (const m of text.matchAll(re))
    out.push(m[1] !== undefined ? { text: m[1], quoted: true } : { text: m[2]!, quoted: false });
  return out;
}

function isPathToken(t: { text: string; quoted: boolean }): boolean {
  return t.quoted || t.text.startsWith('/') || t.text.startsWith('@{') || t.text.startsWith('{');
}

/** Checks apparmor.d(5) puts on a mode list: one exec transition, "x" only in deny rules, "w" and "a" not together. */
function checkModes(modes: string[], q: Qualifiers, where: Where): void {
  const exec = modes.filter(isExec);
  if (exec.length > 1) throw new PolicySyntaxError(where, `more than one exec mode in one rule: ${exec.join(' ')}`);
  if (q.deny && exec.some((m) => m !== 'x'))
    throw new PolicySyntaxError(where, `a deny rule takes "x", not "${exec[0]}"`);
  if (!q.deny && exec.includes('x'))
    throw new PolicySyntaxError(where, 'a bare "x" is only allowed in deny rules (use ix, px, cx, ux, ...)');
  if (modes.includes('w') && modes.includes('a'))
    throw new PolicySyntaxError(where, 'modes "w" and "a" conflict in one rule');
}

function fileRule(body: string, q: Qualifiers, where: Where): AaRule {
  const tokens = ruleTokens(body);
  const arrow = tokens.findIndex((t) => !t.quoted && t.text === '->');
  const main = arrow >= 0 ? tokens.slice(0, arrow) : tokens;
  const after = arrow >= 0 ? tokens.slice(arrow + 1) : [];
  const [a, b] = main;
  if (main.length !== 2 || !a || !b || (arrow >= 0 && after.length !== 1))
    throw new PolicySyntaxError(where, `not a rule apparmor_parser knows: ${excerpt(body)}`);
  const [pathTok, modeTok] = isPathToken(a) ? [a, b] : [b, a];
  const modes = modeTok.quoted ? undefined : parseModes(modeTok.text);
  if (!isPathToken(pathTok) || !modes)
    throw new PolicySyntaxError(where, `not a file rule (expected PATH MODES or MODES PATH): ${excerpt(body)}`);
  checkModes(modes, q, where);
  // "-> TARGET" names an exec transition's profile, or (with "l") the files a link may point to
  if (arrow >= 0 && !modes.includes('l') && !modes.some((m) => isExec(m) && m !== 'x' && m !== 'ix'))
    throw new PolicySyntaxError(where, `"->" needs a px, cx or fallback exec mode, or "l": ${excerpt(body)}`);
  return { kind: 'file', q, path: pathTok.text, modes, ...(arrow >= 0 ? { target: after[0]!.text } : {}), where };
}

function linkRule(body: string, q: Qualifiers, where: Where): AaRule {
  const tokens = ruleTokens(body).slice(1);
  const subset = tokens[0]?.text === 'subset' && !tokens[0].quoted;
  const rest = subset ? tokens.slice(1) : tokens;
  if (rest.length !== 3 || rest[1]!.text !== '->' || !isPathToken(rest[0]!) || !isPathToken(rest[2]!))
    throw new PolicySyntaxError(where, `not a link rule (expected link [subset] LINK -> TARGET): ${excerpt(body)}`);
  return { kind: 'link', q, subset, link: rest[0]!.text, target: rest[2]!.text, where };
}

function networkRule(words: string[], q: Qualifiers, where: Where): AaRule {
  const rest = words.slice(1);
  if (rest.length > 3 || rest.some((w) => !/^[a-z0-9_]+$/.test(w)))
    throw new PolicySyntaxError(
      where,
      `not a network rule (expected network [DOMAIN] [TYPE|PROTOCOL]): ${words.join(' ')}`,
    );
  const rule: AaRule & { kind: 'network' } = { kind: 'network', q, where };
  const list = [...rest];
  // the first word is the domain, unless it can only be a type or protocol ("packet" is both: the domain wins)
  const first = list[0];
  if (first !== undefined && (first === 'packet' || (!NETWORK_TYPES.has(first) && !NETWORK_PROTOCOLS.has(first)))) {
    rule.domain = first;
    list.shift();
  }
  for (const w of list) {
    if (NETWORK_TYPES.has(w) && rule.type === undefined && rule.protocol === undefined) rule.type = w;
    else if (NETWORK_PROTOCOLS.has(w) && rule.type === undefined && rule.protocol === undefined) rule.protocol = w;
    else throw new PolicySyntaxError(where, `network rule word ${JSON.stringify(w)} is not a type or protocol here`);
  }
  return rule;
}

/** Read one rule statement (text without the trailing ","), with the qualifiers of enclosing blocks. */
export function parseRule(text: string, base: Qualifiers, where: Where): AaRule {
  const { q, rest } = readQualifiers(text, base);
  const words = rest.split(/\s+/).filter(Boolean);
  const keyword = words[0] ?? '';
  if (keyword === 'capability') {
    if (words.slice(1).some((w) => !/^[a-z_]+$/.test(w)))
      throw new PolicySyntaxError(where, `not a capability rule: ${excerpt(rest)}`);
    return { kind: 'capability', q, names: words.slice(1), where };
  }
  if (keyword === 'network') return networkRule(words, q, where);
  if (keyword === 'file' && words.length === 1) return { kind: 'file-all', q, where };
  if (keyword === 'link') return linkRule(rest, q, where);
  if (OTHER.has(keyword)) return { kind: 'other', q, keyword, text: rest, where };
  if (keyword === '') throw new PolicySyntaxError(where, 'qualifiers with no rule');
  return fileRule(keyword === 'file' ? rest.slice(4) : rest, q, where);
}
