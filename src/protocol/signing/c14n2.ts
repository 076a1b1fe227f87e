// XML Canonicalization 2.0 exactly as lxml writes it with
// etree.tostring(el, method='c14n2', with_comments=False, strip_text=True), which is what
// Libervia signs (XEP-0475). No maintained Node library implements C14N 2.0, and "the same
// bytes as lxml" is the only definition a signature can rely on, so this follows lxml's
// C14NWriterTarget step by step, its quirks included: a namespace is declared where it is first
// used (with the prefix of its nearest declaration in the source), attributes are sorted by their
// {uri}name, text runs are trimmed at both ends with Python's str.strip() unless xml:space is
// "preserve". Our parser keeps namespace declarations as attributes (xmlns: false), so namespaces
// are resolved here.
import type { Element } from '../xml.js';

const XML_NS = 'http://www.w3.org/XML/1998/namespace';

/** A namespace binding as lxml keeps them: [uri, prefix], '' for the default namespace. */
type Binding = readonly [uri: string, prefix: string];

/** Why an element cannot be canonicalised (lxml would not have parsed it). */
export class C14nError extends Error {}

/** The canonical form of an element (a string: encode it as UTF-8 for the bytes). */
export function canonicalize(element: Element): string {
  const writer = new C14nWriter();
  writer.element(element, inheritedBindings(element));
  return writer.output.join('');
}

/** The namespace declarations of the element's ancestors, outermost first (an element taken from a parsed stanza). */
function inheritedBindings(element: Element): Binding[][] {
  const levels: Binding[][] = [];
  for (
    let parent = element.parent as Element | null | undefined;
    parent;
    parent = parent.parent as Element | null | undefined
  ) {
    levels.unshift(declarations(parent));
  }
  return levels;
}

function declarations(element: Element): Binding[] {
  const bindings: Binding[] = [];
  for (const [name, value] of Object.entries(element.attrs)) {
    if (value === undefined || value === null) continue;
    if (name === 'xmlns') bindings.push([String(value), '']);
    else if (name.startsWith('xmlns:')) bindings.push([String(value), name.slice(6)]);
  }
  return bindings;
}

class EndTag {
  constructor(readonly element: Element) {}
}

interface Resolved {
  /** lxml's key for the name: {uri}local, or local when in no namespace. */
  clark: string;
  uri: string;
  local: string;
}

class C14nWriter {
  readonly output: string[] = [];
  /** Namespaces declared in the output so far, one level per open element. */
  private readonly declared: Binding[][] = [[[XML_NS, 'xml']]];
  /** Namespaces declared in the source, one level per open element. */
  private readonly source: Binding[][] = [];
  private readonly preserveSpace: boolean[] = [false];

  /** Walks without recursion: the tree may be as deep as the parser allows. */
  element(root: Element, inherited: Binding[][]): void {
    this.source.push(...inherited);
    const pending: Array<Element | string | EndTag> = [root];
    for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
      if (typeof next === 'string') {
        this.text(next);
      } else if (next instanceof EndTag) {
        this.end(next.element);
      } else {
        this.start(next);
        pending.push(new EndTag(next));
        for (const child of childRuns(next).reverse()) pending.push(child);
      }
    }
  }

  private start(element: Element): void {
    this.source.push(declarations(element));
    const newNamespaces: Binding[] = [];
    this.declared.push(newNamespaces);

    const tag = this.resolve(element.name, true);
    const attributes = new Map<string, { resolved: Resolved; value: string }>();
    for (const [name, value] of Object.entries(element.attrs)) {
      if (value === undefined || value === null || name === 'xmlns' || name.startsWith('xmlns:')) continue;
      const resolved = this.resolve(name, false);
      if (attributes.has(resolved.clark))
        throw new C14nError(`attribute ${resolved.clark} appears twice on <${element.name}>`);
      attributes.set(resolved.clark, { resolved, value: String(value) });
    }

    const names = new Map<string, Resolved>([
      [tag.clark, tag],
      ...[...attributes].map(([clark, { resolved }]) => [clark, resolved] as const),
    ]);
    const qnames = new Map<string, string>();
    for (const [clark, resolved] of [...names].sort(([a], [b]) => compareSplit(a, b)))
      qnames.set(clark, this.qname(resolved));

    const written: Array<[string, string]> = newNamespaces
      .map(([uri, prefix]): [string, string] => [prefix ? `xmlns:${prefix}` : 'xmlns', uri])
      .sort(comparePairs);
    for (const [clark, { resolved, value }] of [...attributes].sort(([a], [b]) => compareCodePoints(a, b))) {
      written.push([resolved.uri ? qnames.get(clark)! : resolved.local, value]);
    }

    const space = attributes.get(`{${XML_NS}}space`)?.value;
    this.preserveSpace.push(
      space ? space === 'preserve' : this.preserveSpace[this.preserveSpace.length - 1]!,
    );
    this.output.push(
      `<${qnames.get(tag.clark)!}${written.map(([name, value]) => ` ${name}="${escapeAttribute(value)}"`).join('')}>`,
    );
  }

  private end(element: Element): void {
    this.output.push(`</${this.qname(this.resolve(element.name, true))}>`);
    this.preserveSpace.pop();
    this.declared.pop();
    this.source.pop();
  }

  private text(run: string): void {
    const data = this.preserveSpace[this.preserveSpace.length - 1] ? run : pythonStrip(run);
    if (data) this.output.push(escapeText(data));
  }

  /** The namespace of a name as written in the source (prefixes looked up nearest first). */
  private resolve(name: string, isElement: boolean): Resolved {
    const colon = name.indexOf(':');
    if (colon < 0) {
      const uri = isElement ? (this.lookup('') ?? '') : '';
      return { clark: uri ? `{${uri}}${name}` : name, uri, local: name };
    }
    const prefix = name.slice(0, colon);
    const local = name.slice(colon + 1);
    const uri = prefix === 'xml' ? XML_NS : this.lookup(prefix);
    if (uri === undefined || uri === '')
      throw new C14nError(`the prefix "${prefix}" of <${name}> is not declared`);
    return { clark: `{${uri}}${local}`, uri, local };
  }

  private lookup(prefix: string): string | undefined {
    for (let level = this.source.length - 1; level >= 0; level--) {
      for (const [uri, p] of this.source[level]!) if (p === prefix) return uri;
    }
    return undefined;
  }

  /** lxml's _qname: the prefix already declared in the output for the URI, or a new declaration here. */
  private qname({ uri, local }: Resolved): string {
    const seen = new Set<string>();
    for (let level = this.declared.length - 1; level >= 0; level--) {
      for (const [u, prefix] of this.declared[level]!) {
        if (u === uri && !seen.has(prefix)) return prefix ? `${prefix}:${local}` : local;
        seen.add(prefix);
      }
    }
    if (!uri && !seen.has('')) return local;
    for (let level = this.source.length - 1; level >= 0; level--) {
      for (const [u, prefix] of this.source[level]!) {
        if (u === uri) {
          this.declared[this.declared.length - 1]!.push([uri, prefix]);
          return prefix ? `${prefix}:${local}` : local;
        }
      }
    }
    if (!uri) return local;
    throw new C14nError(`the namespace "${uri}" of <${local}> is not declared`);
  }
}

/** The children of an element with adjacent text merged into one run, as lxml hands them over. */
function childRuns(element: Element): Array<Element | string> {
  const runs: Array<Element | string> = [];
  for (const child of element.children as Array<Element | string>) {
    const last = runs[runs.length - 1];
    if (typeof child === 'string' && typeof last === 'string') runs[runs.length - 1] = last + child;
    else runs.push(child);
  }
  return runs;
}

// Python's str.isspace(), which str.strip() trims: it differs from JavaScript's trim() (U+FEFF, U+0085, U+001C-U+001F).
const PY_SPACE =
  '\\t\\n\\x0b\\x0c\\r\\x1c-\\x1f \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000';
const PY_STRIP = new RegExp(`^[${PY_SPACE}]+|[${PY_SPACE}]+$`, 'g');

function pythonStrip(text: string): string {
  return text.replace(PY_STRIP, '');
}

function escapeText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/\r/g, '&#xD;');
}

function escapeAttribute(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/"/g, '&quot;')
    .replace(/\t/g, '&#x9;')
    .replace(/\n/g, '&#xA;')
    .replace(/\r/g, '&#xD;');
}

/** Python's string order (by code point), not JavaScript's (by UTF-16 unit). */
function compareCodePoints(a: string, b: string): number {
  const left = [...a];
  const right = [...b];
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    const difference = left[i]!.codePointAt(0)! - right[i]!.codePointAt(0)!;
    if (difference !== 0) return difference;
  }
  return left.length - right.length;
}

/** lxml's order for assigning prefixes: the names as lists split at the first '}'. */
function compareSplit(a: string, b: string): number {
  const left = splitOnce(a);
  const right = splitOnce(b);
  for (let i = 0; i < Math.min(left.length, right.length); i++) {
    const difference = compareCodePoints(left[i]!, right[i]!);
    if (difference !== 0) return difference;
  }
  return left.length - right.length;
}

function splitOnce(name: string): string[] {
  const at = name.indexOf('}');
  return at < 0 ? [name] : [name.slice(0, at), name.slice(at + 1)];
}

function comparePairs(a: [string, string], b: [string, string]): number {
  return compareCodePoints(a[0], b[0]) || compareCodePoints(a[1], b[1]);
}
