/**
 * nodeup.yaml's text, rendered pair by pair with a cache shared by the groups of one plan.
 *
 * The yaml library takes about 0.6 ms to stringify one group's configuration, and a plan of 200
 * groups rendered each in full although nearly all of it (assets, packages, sysctls, kube-proxy,
 * the control plane's components) is the same for every group of a role. A top-level pair's
 * text depends only on its key and value, so each distinct pair is rendered once and the text is
 * joined: exactly what `stringify(config)` gives. Where it might not (an object that appears
 * twice becomes an anchor and alias, numbered across the document; a value JSON cannot key
 * exactly), the configuration is rendered whole, as before.
 */

import { Document, stringify } from 'yaml';

/** The options nodeup.yaml has always been written with: its hash depends on them. */
const OPTIONS = { lineWidth: 0 } as const;
/** Enough for the distinct pairs of thousands of groups; past it the cache starts over. */
const MAX_PAIRS = 10_000;

export class NodeupYamlText {
  readonly #pairs = new Map<string, string>();
  /**
   * One document for every pair: `stringify` makes a new one each time, and setting up its
   * schema costs more than writing a small pair (what `stringify` does, less that).
   */
  #doc: Document | undefined;

  render(config: object): string {
    const entries = Object.entries(config).filter(([, v]) => v !== undefined);
    if (entries.length === 0 || !plainTree(config)) return stringify(config, OPTIONS);
    let text = '';
    for (const [key, value] of entries) text += this.#pair(key, value);
    return text;
  }

  #pair(key: string, value: unknown): string {
    const id = `${key}\0${JSON.stringify(value)}`;
    let pair = this.#pairs.get(id);
    if (pair === undefined) {
      pair = plainPair(key, value) ?? this.#nested(key, value) ?? this.#whole({ [key]: value });
      if (this.#pairs.size >= MAX_PAIRS) this.#pairs.clear();
      this.#pairs.set(id, pair);
    }
    return pair;
  }

  #whole(value: object): string {
    const doc = (this.#doc ??= new Document(null));
    doc.contents = doc.createNode(value);
    return doc.toString(OPTIONS);
  }

  /**
   * A pair whose value is a mapping, from the texts of its own pairs indented by the library's
   * two spaces: a group's kubelet settings differ from another's only in a node label, and were
   * rendered whole for each group. Only where indenting every line is exactly what the library
   * writes: no string with a line break (a block scalar's empty lines carry no indentation) or
   * a document marker, and a key written on its own line (not a `? ` key). Else undefined: the
   * pair is rendered whole.
   */
  #nested(key: string, value: unknown): string | undefined {
    if (value === null || typeof value !== 'object' || Array.isArray(value) || !oneLine(key) || !oneLine(value)) return undefined;
    const entries = Object.entries(value).filter(([, v]) => v !== undefined);
    if (entries.length === 0) return undefined;
    const head = this.#pair(key, {});
    if (!head.endsWith(': {}\n') || head.startsWith('? ')) return undefined;
    let text = `${head.slice(0, -' {}\n'.length)}\n`;
    for (const [k, v] of entries) text += this.#pair(k, v).replace(/^/gm, '  ').slice(0, -2);
    return text;
  }
}

/**
 * A pair of two strings that the library writes as they are (`key: value`), without asking it:
 * each group's name and configuration hash are pairs of their own, and the library's
 * document takes about 70 µs for one. Only strings no YAML 1.2 reader takes for anything but
 * a string are plain here: a letter first, then letters, digits and `. _ / -`, or `:` with no
 * space after it, and none of the words that read as null or a boolean; anything else is left to
 * the library.
 */
function plainPair(key: string, value: unknown): string | undefined {
  return typeof value === 'string' && plain(key) && plain(value) ? `${key}: ${value}\n` : undefined;
}

const PLAIN = /^[A-Za-z][A-Za-z0-9._/-]*(:[A-Za-z0-9._/-]+)*$/;
const NOT_PLAIN = /^(null|true|false|y|n|yes|no|on|off)$/i;

function plain(text: string): boolean {
  return text.length <= 128 && PLAIN.test(text) && !NOT_PLAIN.test(text);
}

/**
 * Whether no string in the value (keys included) holds a line break or starts as a document
 * marker does (`---`, `...`, `%`), which the library quotes or writes as a block at the top
 * level only.
 */
function oneLine(v: unknown): boolean {
  if (typeof v === 'string') return !/[\n\r]|^(%|---|\.\.\.)/.test(v);
  if (v === null || typeof v !== 'object') return true;
  if (Array.isArray(v)) return v.every(oneLine);
  return Object.entries(v).every(([k, x]) => oneLine(k) && oneLine(x));
}

/**
 * Whether the value is a tree of JSON values that JSON.stringify keys exactly: strings, finite
 * numbers, booleans, null, arrays without holes or undefined, and plain objects, none of them
 * reached twice (the yaml library would write an alias for the second).
 */
function plainTree(root: object): boolean {
  const seen = new Set<object>();
  const visit = (v: unknown): boolean => {
    if (v === null || typeof v === 'string' || typeof v === 'boolean') return true;
    if (typeof v === 'number') return Number.isFinite(v) && !Object.is(v, -0);
    if (typeof v !== 'object' || seen.has(v)) return false;
    seen.add(v);
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) if (!(i in v) || v[i] === undefined || !visit(v[i])) return false;
      return true;
    }
    const proto = Object.getPrototypeOf(v) as unknown;
    if (proto !== Object.prototype && proto !== null) return false;
    // An undefined member is left out by both JSON and yaml.
    return Object.values(v).every((x) => x === undefined || visit(x));
  };
  return visit(root);
}
