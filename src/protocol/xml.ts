// Strict XML for untrusted input: decrypted payloads, signcrypt content, files given by the user
// and (through src/xmpp/strictParser.ts) the XMPP stream itself. saxes is a conforming parser;
// we refuse any DOCTYPE, so no entity can ever be declared or expanded (XML bombs, XXE), and we
// refuse processing instructions other than the XML declaration. The server strips such things
// on the wire, but not inside ciphertext. Nesting is bounded too (MAX_XML_DEPTH), so that no
// walk over what we parsed (serialising, rendering text, canonicalising) can exhaust the stack.
import { SaxesParser, type SaxesTagPlain } from 'saxes';
import { Element } from '@xmpp/xml';
import { OxpsError } from '../errors.js';

export { Element };

/**
 * How deep a document (a payload, a signcrypt content, a file) may nest. An Atom entry needs 3
 * levels before its XHTML, and XHTML written by people or rendered from Markdown a dozen more;
 * libxml2 stops at 256. 64 leaves room for any real entry, and keeps the recursive walks of
 * @xmpp/xml (toString) and ours a few hundred frames deep at most.
 */
export const MAX_XML_DEPTH = 64;

export interface TreeOptions {
  /** Parse a stream (its root stays open) rather than one document. */
  fragment?: boolean;
  /** Elements nested deeper than this (the root is level 1) are refused, or cut off with `cutBeyondMaxDepth`. */
  maxDepth: number;
  /**
   * Leave out elements beyond maxDepth, their text and children included, instead of failing:
   * for the XMPP stream, where one hostile item must not end the session (readers of content
   * then find it nested too deeply: see nestingDepth).
   */
  cutBeyondMaxDepth?: boolean;
}

export class XmlTreeBuilder {
  private stack: Element[] = [];
  /** Elements open beyond maxDepth, left out of the tree. */
  private cutDepth = 0;
  /** After the first error nothing more is reported: saxes keeps parsing the rest of a chunk. */
  private failed = false;
  readonly parser: SaxesParser;

  constructor(
    private readonly on: {
      element: (element: Element, depth: number) => void;
      open?: (element: Element) => void;
      close?: (element: Element) => void;
      error: (error: Error) => void;
    },
    private readonly options: TreeOptions,
  ) {
    this.parser = new SaxesParser({ xmlns: false, fragment: options.fragment ?? false });
    this.parser.on('doctype', () => this.fail('DOCTYPE declarations are not allowed'));
    this.parser.on('processinginstruction', (pi) => {
      if (pi.target.toLowerCase() !== 'xml')
        this.fail(`processing instruction <?${pi.target}?> is not allowed`);
    });
    this.parser.on('opentag', (tag: SaxesTagPlain) => {
      if (this.failed) return;
      if (this.stack.length >= this.options.maxDepth) {
        if (!this.options.cutBeyondMaxDepth)
          this.fail(new TooDeep(`nested deeper than ${this.options.maxDepth} levels`));
        this.cutDepth++;
        return;
      }
      const element = new Element(tag.name, { ...tag.attributes });
      const parent = this.stack[this.stack.length - 1];
      if (parent) parent.append(element);
      this.stack.push(element);
      if (this.stack.length === 1) this.on.open?.(element);
    });
    this.parser.on('text', (text) => this.appendText(text));
    this.parser.on('cdata', (text) => this.appendText(text));
    this.parser.on('closetag', () => {
      if (this.failed) return;
      if (this.cutDepth > 0) {
        this.cutDepth--;
        return;
      }
      const element = this.stack.pop();
      if (!element) return;
      if (this.stack.length === 0) this.on.close?.(element);
      this.on.element(element, this.stack.length);
    });
    this.parser.on('error', (error) => {
      if (this.failed) return;
      this.failed = true;
      this.on.error(error);
    });
  }

  write(text: string): void {
    this.parser.write(text);
  }

  close(): void {
    this.parser.close();
  }

  private appendText(text: string): void {
    if (this.cutDepth === 0) this.stack[this.stack.length - 1]?.t(text);
  }

  private fail(error: Error | string): never {
    this.failed = true;
    throw typeof error === 'string' ? new Error(error) : error;
  }
}

class TooDeep extends Error {}

/** Parses a document that must hold exactly one element (and nothing else but whitespace). */
export function parseXmlElement(text: string, what: string): Element {
  let root: Element | undefined;
  let failure: Error | undefined;
  const builder = new XmlTreeBuilder(
    {
      element: (element, depth) => {
        if (depth === 0) {
          if (root) failure ??= new Error('more than one root element');
          root = element;
        }
      },
      error: (error) => {
        failure ??= error;
      },
    },
    { maxDepth: MAX_XML_DEPTH },
  );
  try {
    builder.write(text);
    builder.close();
  } catch (error) {
    failure ??= error as Error;
  }
  if (failure instanceof TooDeep) throw new OxpsError('INPUT_INVALID', `${what} is ${failure.message}`);
  if (failure || !root) {
    const reason = failure ? cleanSaxesMessage(failure.message) : 'no element found';
    throw new OxpsError('INPUT_INVALID', `${what} is not well-formed XML: ${reason}`);
  }
  return root;
}

/** How many levels an element nests (1 for an element without child elements), measured without recursion. */
export function nestingDepth(element: Element): number {
  let deepest = 0;
  const pending: Array<[Element, number]> = [[element, 1]];
  for (let next = pending.pop(); next; next = pending.pop()) {
    const [current, depth] = next;
    deepest = Math.max(deepest, depth);
    for (const child of current.children) if (typeof child !== 'string') pending.push([child, depth + 1]);
  }
  return deepest;
}

function cleanSaxesMessage(message: string): string {
  // saxes prefixes messages with "undefined:1:23: " when no file name is set
  return message.replace(/^undefined:/, 'line ');
}

/** Canonical text of an element: attributes sorted, namespace declarations kept, no whitespace changes. */
export function canonicalXml(element: Element | string): string {
  if (typeof element === 'string') return escapeText(element);
  const attrs = Object.keys(element.attrs)
    .filter((name) => element.attrs[name] !== undefined)
    .sort()
    .map((name) => ` ${name}="${escapeAttr(String(element.attrs[name]))}"`)
    .join('');
  const children = element.children.map((child) => canonicalXml(child)).join('');
  return `<${element.name}${attrs}>${children}</${element.name}>`;
}

function escapeText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function escapeAttr(text: string): string {
  return escapeText(text).replace(/"/g, '&quot;');
}

/**
 * Serializes an element for encryption so that Libervia can read it back: Libervia 0.9 formats
 * the decrypted *bytes* into a string with Python's repr (plugin_sec_oxps → xml_tools.parse), so
 * any byte outside printable ASCII, a backslash or a quote would be mangled. We write every such
 * character as a numeric character reference, which is the same XML to any conforming parser.
 */
export function serializeForEncryption(element: Element): string {
  assertAsciiNames(element);
  const text = element.toString();
  if (XML_FORBIDDEN.test(text))
    throw new OxpsError(
      'INPUT_INVALID',
      'the payload holds characters that XML does not allow',
      'remove control characters from the payload',
    );
  return text.replace(/[^\x20-\x7e]|['\\]/gu, (c) => `&#${c.codePointAt(0)};`);
}

// XML 1.0 §2.2 Char: no C0 controls but tab/LF/CR, no lone surrogates, no U+FFFE/U+FFFF.
const XML_FORBIDDEN =
  // eslint-disable-next-line no-control-regex -- the control characters are what this pattern refuses
  /[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function assertAsciiNames(element: Element): void {
  const names = [element.name, ...Object.keys(element.attrs)];
  const bad = names.find((name) => /[^\x21-\x7e]/.test(name));
  if (bad)
    throw new OxpsError(
      'INPUT_INVALID',
      `the name <${bad}> is not ASCII; peers cannot read it back once encrypted`,
      'use ASCII element and attribute names',
    );
  for (const child of element.children) if (typeof child !== 'string') assertAsciiNames(child);
}
