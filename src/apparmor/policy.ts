// An AppArmor policy file read as apparmor_parser reads it: includes spliced in where they stand (read through a function
// the caller passes, so this module touches no files), variables collected, profiles with their flags, rules, child
// profiles and hats, and qualifier blocks (`audit { ... }`) applied to the rules inside them.
import { excerpt, lexPolicy, PolicySyntaxError, type LexItem, type Where } from './lexer.js';
import { parseRule, readQualifiers, ruleTokens, type AaRule, type Qualifiers } from './rules.js';
import { assign } from './variables.js';

/** An include as written: `<magic/path>` (relative to the include directories) or `"path"`. */
export interface IncludeRef {
  ref: string;
  magic: boolean;
  from: Where;
}

/** What an include names: one file, or a directory's files (sorted); or why it was not found. */
export type IncludeResult = { files: Array<{ file: string; text: string }> } | { missing: string };

/** Reads includes for the parser (the CLI reads /etc/apparmor.d; tests pass texts). */
export type IncludeReader = (ref: IncludeRef) => IncludeResult;

/** A profile, child profile or hat. */
export interface AaProfile {
  name: string;
  /** The attachment glob: the name itself when it starts with "/", or the path after the name. */
  attach?: string;
  flags: string[];
  hat: boolean;
  where: Where;
  rules: AaRule[];
  children: AaProfile[];
}

/** Everything a policy file (with its includes) defines. */
export interface AaPolicy {
  profiles: AaProfile[];
  variables: Map<string, string[]>;
  aliases: Array<{ from: string; to: string; where: Where }>;
  /** Every file read, in the order first read (the main file first). */
  files: string[];
}

type Frame = { kind: 'profile'; profile: AaProfile } | { kind: 'block'; q: Qualifiers };

const NO_QUALIFIERS: Qualifiers = { deny: false, audit: false, owner: false };
const MAX_INCLUDE_DEPTH = 32;

/** Name, attachment and flags of a profile or hat head, or undefined when the head is a qualifier block. */
function profileHead(head: string, where: Where): Omit<AaProfile, 'rules' | 'children' | 'where'> | undefined {
  let text = head;
  let flags: string[] = [];
  const f = /(?:^|\s)(?:flags\s*=\s*)?\(([^()]*)\)\s*$/.exec(text);
  if (f) {
    flags = f[1]!.split(/[\s,]+/).filter(Boolean);
    text = text.slice(0, f.index).trim();
  }
  text = text.replace(/\s+xattrs\s*=\s*\([^()]*\)/, '').trim();
  const tokens = ruleTokens(text);
  const first = tokens[0];
  if (!first) throw new PolicySyntaxError(where, 'a block with no head');
  if (!first.quoted && (first.text === 'profile' || first.text === 'hat')) {
    const name = tokens[1];
    if (!name || tokens.length > 3) throw new PolicySyntaxError(where, `not a profile head: ${excerpt(head)}`);
    const attach = tokens[2]?.text ?? (name.text.startsWith('/') ? name.text : undefined);
    return { name: name.text, flags, hat: first.text === 'hat', ...(attach ? { attach } : {}) };
  }
  if (!first.quoted && first.text.startsWith('^') && tokens.length === 1)
    return { name: first.text.slice(1), flags, hat: true };
  if ((first.quoted || first.text.startsWith('/') || first.text.startsWith('@{')) && tokens.length === 1)
    return { name: first.text, flags, hat: false, attach: first.text };
  const { rest } = readQualifiers(head, NO_QUALIFIERS);
  if (rest === '' && !f) return undefined;
  if (/^(if|else)\b/.test(head)) throw new PolicySyntaxError(where, 'conditional blocks (if/else) are not supported');
  throw new PolicySyntaxError(where, `not a profile, hat or qualifier block head: ${excerpt(head)}`);
}

class PolicyReader {
  readonly policy: AaPolicy = { profiles: [], variables: new Map(), aliases: [], files: [] };
  private readonly frames: Frame[] = [];
  private readonly including: string[] = [];
  constructor(private readonly read: IncludeReader) {}

  private profile(): { profile: AaProfile; q: Qualifiers } | undefined {
    let q = NO_QUALIFIERS;
    for (let i = this.frames.length - 1; i >= 0; i--) {
      const f = this.frames[i]!;
      if (f.kind === 'profile') return { profile: f.profile, q };
      q = { deny: q.deny || f.q.deny, audit: q.audit || f.q.audit, owner: q.owner || f.q.owner };
    }
    return undefined;
  }

  private open(head: string, where: Where): void {
    const h = profileHead(head, where);
    if (!h) {
      if (!this.profile()) throw new PolicySyntaxError(where, 'a qualifier block outside a profile');
      this.frames.push({ kind: 'block', q: readQualifiers(head, NO_QUALIFIERS).q });
      return;
    }
    const profile: AaProfile = { ...h, where, rules: [], children: [] };
    const parent = this.profile();
    if (parent) parent.profile.children.push(profile);
    else if (h.hat) throw new PolicySyntaxError(where, `hat ${h.name} outside a profile`);
    else this.policy.profiles.push(profile);
    this.frames.push({ kind: 'profile', profile });
  }

  private rule(text: string, where: Where): void {
    const at = this.profile();
    if (!at) {
      const alias = /^alias\s+(\S+)\s+->\s+(\S+)$/.exec(text);
      if (alias) this.policy.aliases.push({ from: alias[1]!, to: alias[2]!, where });
      else if (!/^abi\s+(<[^>]*>|"[^"]*")$/.test(text))
        throw new PolicySyntaxError(where, `a rule outside a profile: ${excerpt(text)}`);
      return;
    }
    at.profile.rules.push(parseRule(text, at.q, where));
  }

  private include(item: LexItem & { kind: 'include' }): void {
    const result = this.read({ ref: item.ref, magic: item.magic, from: item.where });
    const shown = item.magic ? `<${item.ref}>` : `"${item.ref}"`;
    if ('missing' in result) {
      if (item.ifExists) return;
      throw new PolicySyntaxError(item.where, `include ${shown} not found: ${result.missing}`);
    }
    if (this.including.length >= MAX_INCLUDE_DEPTH)
      throw new PolicySyntaxError(item.where, `includes nested more than ${MAX_INCLUDE_DEPTH} deep at ${shown}`);
    for (const f of result.files) {
      if (this.including.includes(f.file))
        throw new PolicySyntaxError(item.where, `include ${shown} includes itself (${f.file})`);
      this.file(f.text, f.file);
    }
  }

  /** Read one file's statements into the policy, at the current nesting. */
  file(text: string, file: string): void {
    if (!this.policy.files.includes(file)) this.policy.files.push(file);
    this.including.push(file);
    const depth = this.frames.length;
    for (const item of lexPolicy(text, file)) {
      if (item.kind === 'include') this.include(item);
      else if (item.kind === 'assign') assign(this.policy.variables, item.name, item.values, item.append);
      else if (item.kind === 'open') this.open(item.head, item.where);
      else if (item.kind === 'rule') this.rule(item.text, item.where);
      else if (this.frames.length <= depth) throw new PolicySyntaxError(item.where, 'a "}" that closes no block');
      else this.frames.pop();
    }
    if (this.frames.length > depth) {
      const open = this.frames[this.frames.length - 1]!;
      const where = open.kind === 'profile' ? open.profile.where : { file, line: text.split('\n').length };
      throw new PolicySyntaxError(where, 'a block that is never closed (missing "}")');
    }
    this.including.pop();
  }
}

/** Read a policy file and everything it includes; throws PolicySyntaxError naming the file and line. */
export function readPolicy(text: string, file: string, read: IncludeReader): AaPolicy {
  const reader = new PolicyReader(read);
  reader.file(text, file);
  return reader.policy;
}
