// Which pods the agent records: Kubernetes' equality-based label selectors (`k=v`, `k==v`, `k!=v`, `k`, `!k`, joined by
// commas, all must hold) and a set of namespaces. Pure: parsing and matching values.
import { badInput } from '../errors.js';

/** One requirement of an equality-based selector. */
export type Requirement =
  | { op: 'eq'; key: string; value: string }
  | { op: 'ne'; key: string; value: string }
  | { op: 'exists'; key: string }
  | { op: 'absent'; key: string };

/** A selector: every requirement must hold (none: every pod). */
export type Selector = readonly Requirement[];

/** A label name: an optional DNS subdomain prefix and "/", then 1-63 of [A-Za-z0-9-_.] starting and ending alphanumeric. */
const NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const PREFIX = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** A label value: empty, or as a name (without a prefix). */
const VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;

function checkKey(key: string, text: string): string {
  const slash = key.indexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  const prefixOk = prefix === undefined || (prefix.length <= 253 && PREFIX.test(prefix));
  if (!prefixOk || !NAME.test(name))
    throw badInput(
      `label selector ${JSON.stringify(text)}: ${JSON.stringify(key)} is not a label key (expected [PREFIX/]NAME: NAME 1-63 characters of A-Z a-z 0-9 - _ . starting and ending with a letter or digit, PREFIX a DNS subdomain)`,
    );
  return key;
}

function checkValue(value: string, key: string, text: string): string {
  if (!VALUE.test(value))
    throw badInput(
      `label selector ${JSON.stringify(text)}: ${JSON.stringify(value)} (the value for ${key}) is not a label value (expected at most 63 characters of A-Z a-z 0-9 - _ . starting and ending with a letter or digit, or nothing)`,
    );
  return value;
}

/** One comma-separated term. */
function parseTerm(term: string, text: string): Requirement {
  const m = /^([^=!]+?)\s*(==|!=|=)\s*(.*)$/.exec(term);
  if (m) {
    const key = checkKey(m[1]!.trim(), text);
    const value = checkValue(m[3]!.trim(), key, text);
    return m[2] === '!=' ? { op: 'ne', key, value } : { op: 'eq', key, value };
  }
  if (term.startsWith('!')) return { op: 'absent', key: checkKey(term.slice(1).trim(), text) };
  if (/[()]|\s(in|notin)\s/.test(` ${term} `))
    throw badInput(
      `label selector ${JSON.stringify(text)}: set-based requirements (in, notin) are not supported; use k=v, k!=v, k or !k joined by commas`,
    );
  return { op: 'exists', key: checkKey(term, text) };
}

/** Parse an equality-based selector ("app=web,tier!=cache,canary,!legacy"); badInput naming the text otherwise. */
export function parseSelector(text: string): Selector {
  if (text.trim() === '') return [];
  return text.split(',').map((raw) => {
    const term = raw.trim();
    if (term === '')
      throw badInput(`label selector ${JSON.stringify(text)}: an empty requirement (two commas, or one at an end)`);
    return parseTerm(term, text);
  });
}

/** Whether `labels` meet every requirement of `selector`. */
export function matchesSelector(selector: Selector, labels: Readonly<Record<string, string>>): boolean {
  return selector.every((r) => {
    const has = Object.prototype.hasOwnProperty.call(labels, r.key);
    switch (r.op) {
      case 'eq':
        return has && labels[r.key] === r.value;
      case 'ne':
        return !has || labels[r.key] !== r.value;
      case 'exists':
        return has;
      case 'absent':
        return !has;
    }
  });
}

/** The selector as text, in the order given ("app=web,!legacy"). */
export function selectorText(selector: Selector): string {
  return selector
    .map((r) =>
      r.op === 'eq'
        ? `${r.key}=${r.value}`
        : r.op === 'ne'
          ? `${r.key}!=${r.value}`
          : r.op === 'exists'
            ? r.key
            : `!${r.key}`,
    )
    .join(',');
}

/** A namespace name (a DNS label); badInput naming it otherwise. */
export function checkNamespace(ns: string): string {
  if (/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(ns)) return ns;
  throw badInput(
    `namespace ${JSON.stringify(ns)} is not a Kubernetes namespace name (expected 1-63 characters of a-z 0-9 - starting and ending with a letter or digit)`,
  );
}

/** Which pods to record: those in one of `namespaces` (every namespace when empty) whose labels meet `selector`. */
export interface PodFilter {
  namespaces: readonly string[];
  selector: Selector;
}

/** Whether the pod in `namespace` with `labels` is one `filter` selects. */
export function podSelected(filter: PodFilter, namespace: string, labels: Readonly<Record<string, string>>): boolean {
  if (filter.namespaces.length > 0 && !filter.namespaces.includes(namespace)) return false;
  return matchesSelector(filter.selector, labels);
}
