import { describe, expect, it } from 'vitest';
import xml from '@xmpp/xml';
import {
  canonicalXml,
  MAX_XML_DEPTH,
  nestingDepth,
  parseXmlElement,
  serializeForEncryption,
} from '../../../src/protocol/xml.js';
import { OxpsError } from '../../../src/errors.js';
import { thrown } from '../../helpers/thrown.js';

/** Calls parseXmlElement, expecting it to refuse the input; returns the error. */
function refused(text: string, what = 'the test payload'): OxpsError {
  const error = thrown(OxpsError, () => parseXmlElement(text, what));
  expect(error.code).toBe('INPUT_INVALID');
  expect(error.message).toContain(what);
  return error;
}

const BILLION_LAUGHS = `<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<lolz>&lol9;</lolz>`;

describe('parseXmlElement', () => {
  it('parses one element with attributes, children, text and namespaces', () => {
    const element = parseXmlElement(
      `<entry xmlns='http://www.w3.org/2005/Atom' xml:lang="en"><title type='text'>Hi &amp; &lt;bye&gt; &#233;&#x1F389;</title><empty/></entry>`,
      'entry',
    );
    expect(element.name).toBe('entry');
    expect(element.attrs).toEqual({ xmlns: 'http://www.w3.org/2005/Atom', 'xml:lang': 'en' });
    expect(element.getChildText('title')).toBe('Hi & <bye> é🎉');
    expect(element.getChild('title')?.attrs.type).toBe('text');
    expect(element.getChild('empty')).toBeDefined();
    expect(element.getChild('title')?.parent).toBe(element);
  });

  it('accepts an XML declaration, comments and surrounding whitespace', () => {
    const element = parseXmlElement(
      `<?xml version="1.0" encoding="UTF-8"?>\n<!-- a comment -->\n<a>x</a>\n  `,
      'doc',
    );
    expect(element.name).toBe('a');
    expect(element.text()).toBe('x');
  });

  it('keeps CDATA content as text', () => {
    expect(parseXmlElement('<a><![CDATA[<not-a-tag> & stuff]]></a>', 'doc').text()).toBe(
      '<not-a-tag> & stuff',
    );
  });

  it('refuses a DOCTYPE without internal subset', () => {
    expect(refused('<!DOCTYPE a><a/>').message).toMatch(/DOCTYPE/);
  });

  it('refuses a DOCTYPE with an internal-subset entity declaration, and does not expand it', () => {
    const error = refused(`<!DOCTYPE a [<!ENTITY e "expanded">]><a>&e;</a>`);
    expect(error.message).toMatch(/DOCTYPE/);
    expect(error.message).not.toContain('expanded');
  });

  it('refuses the "billion laughs" document quickly', () => {
    const started = Date.now();
    expect(refused(BILLION_LAUGHS).message).toMatch(/DOCTYPE/);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('refuses an external entity (XXE) without reading the file', () => {
    const error = refused(
      `<?xml version="1.0"?><!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><foo>&xxe;</foo>`,
    );
    expect(error.message).toMatch(/DOCTYPE/);
    expect(error.message).not.toMatch(/root:/);
  });

  it('refuses an external DTD reference', () => {
    expect(refused(`<!DOCTYPE foo SYSTEM "http://example.invalid/evil.dtd"><foo/>`).message).toMatch(
      /DOCTYPE/,
    );
  });

  it('refuses a DOCTYPE that comes after the root element', () => {
    refused(`<a/><!DOCTYPE a>`);
  });

  it('refuses undeclared entities', () => {
    refused('<a>&nbsp;</a>');
    refused(`<a title='&foo;'/>`);
  });

  it('refuses two root elements', () => {
    refused('<a/><b/>');
    refused('<a>1</a>\n<a>2</a>');
  });

  it('refuses text after the root element', () => {
    refused('<a/>trailing');
  });

  it('refuses processing instructions other than the XML declaration', () => {
    expect(refused('<?xml-stylesheet href="evil.xsl"?><a/>').message).toMatch(/processing instruction/);
    expect(refused('<a><?php echo 1; ?></a>').message).toMatch(/<\?php\?> is not allowed/);
  });

  it('refuses an empty document and a document with only whitespace or a comment', () => {
    expect(refused('').message).toMatch(/no element found|end|root/i);
    refused('   \n ');
    refused('<!-- nothing -->');
  });

  it('refuses unclosed, mismatched and otherwise ill-formed markup', () => {
    refused('<a>');
    refused('<a></b>');
    refused('<a b="1" b="2"/>');
    refused('<a>x & y</a>');
    refused('<a b=unquoted/>');
  });

  it('names the `what` argument in the message', () => {
    const error = refused('<a>', 'the decrypted item post-one');
    expect(error.message.startsWith('the decrypted item post-one is not well-formed XML: ')).toBe(true);
    expect(error.message).not.toContain('undefined:');
  });
});

const nested = (levels: number, inner = ''): string => '<a>'.repeat(levels) + inner + '</a>'.repeat(levels);

describe('nesting depth (#12.7)', () => {
  it('#12.7 allows 64 levels: enough for an Atom entry with nested XHTML', () => {
    expect(MAX_XML_DEPTH).toBe(64);
    const element = parseXmlElement(nested(64, 'deepest'), 'payload');
    expect(nestingDepth(element)).toBe(64);
    expect(element.toString()).toBe(nested(64, 'deepest'));
    expect(canonicalXml(element)).toBe(nested(64, 'deepest'));
  });

  it('#12.7 refuses 65 levels, and 3,000 levels without exhausting the stack', () => {
    for (const levels of [65, 3000, 100_000]) {
      expect(refused(nested(levels), 'decrypted payload').message).toBe(
        'decrypted payload is nested deeper than 64 levels',
      );
    }
  });

  it('#12.7 measures depth without recursion', () => {
    let element = xml('a');
    for (let i = 1; i < 100_000; i++) element = xml('a', {}, element);
    expect(nestingDepth(element)).toBe(100_000);
    expect(nestingDepth(xml('a', {}, 'text', xml('b'), xml('c', {}, xml('d'))))).toBe(3);
  });
});

describe('canonicalXml', () => {
  it('does not depend on attribute order', () => {
    const a = parseXmlElement(`<x xmlns='urn:a' b='2' a='1'><y d="4" c='3'/></x>`, 'a');
    const b = parseXmlElement(`<x a="1" b="2" xmlns="urn:a"><y c='3' d='4'/></x>`, 'b');
    expect(canonicalXml(a)).toBe(canonicalXml(b));
    expect(canonicalXml(a)).toBe('<x a="1" b="2" xmlns="urn:a"><y c="3" d="4"></y></x>');
  });

  it('distinguishes different attribute values, text, namespaces and child order', () => {
    const base = canonicalXml(parseXmlElement(`<x xmlns='urn:a' a='1'><y/><z/>t</x>`, 'base'));
    expect(canonicalXml(parseXmlElement(`<x xmlns='urn:a' a='2'><y/><z/>t</x>`, 'v'))).not.toBe(base);
    expect(canonicalXml(parseXmlElement(`<x xmlns='urn:b' a='1'><y/><z/>t</x>`, 'ns'))).not.toBe(base);
    expect(canonicalXml(parseXmlElement(`<x xmlns='urn:a' a='1'><z/><y/>t</x>`, 'order'))).not.toBe(base);
    expect(canonicalXml(parseXmlElement(`<x xmlns='urn:a' a='1'><y/><z/>u</x>`, 'text'))).not.toBe(base);
  });

  it('escapes markup characters in text and attributes', () => {
    const element = xml('a', { q: `"<&>'` }, `<&>"`);
    expect(canonicalXml(element)).toBe(`<a q="&quot;&lt;&amp;&gt;'">&lt;&amp;&gt;"</a>`);
  });

  it('treats self-closing and empty elements alike, and drops undefined attributes', () => {
    const element = xml('a', { b: undefined as unknown as string });
    expect(canonicalXml(element)).toBe(canonicalXml(parseXmlElement('<a></a>', 'a')));
    expect(canonicalXml(parseXmlElement('<a/>', 'a'))).toBe('<a></a>');
  });
});

describe('serializeForEncryption', () => {
  const TRICKY = `Héllo "world" & 'friends' <tag> \\ back\\slash\nline two\ttabbed\r\n🎉 ½ 日本語 \u00a0nbsp`;

  function tricky() {
    return xml(
      'entry',
      { xmlns: 'http://www.w3.org/2005/Atom', 'xml:lang': 'fr' },
      xml('title', { type: 'text', note: TRICKY }, TRICKY),
      xml(
        'content',
        { type: 'xhtml' },
        xml('div', { xmlns: 'http://www.w3.org/1999/xhtml' }, xml('p', {}, '🎉 party'), ' tail é '),
      ),
      xml('empty', { a: `it's` }),
    );
  }

  it('writes printable ASCII only, without quote or backslash characters', () => {
    const text = serializeForEncryption(tricky());
    expect(text).toMatch(/^[\x20-\x7e]*$/);
    expect(text).not.toContain("'");
    expect(text).not.toContain('\\');
    expect(text).not.toMatch(/[\n\r\t]/);
  });

  it('parses back to a canonically equal element', () => {
    const element = tricky();
    const parsed = parseXmlElement(serializeForEncryption(element), 'serialized');
    expect(canonicalXml(parsed)).toBe(canonicalXml(element));
    expect(parsed.getChildText('title')).toBe(TRICKY);
    expect(parsed.getChild('title')?.attrs.note).toBe(TRICKY);
    expect(parsed.getChild('empty')?.attrs.a).toBe(`it's`);
  });

  it('keeps newlines, tabs and carriage returns in attributes (no attribute-value normalization)', () => {
    const element = xml('a', { v: 'one\ntwo\tthree\rfour' });
    const parsed = parseXmlElement(serializeForEncryption(element), 'a');
    expect(parsed.attrs.v).toBe('one\ntwo\tthree\rfour');
  });

  it('writes characters outside ASCII as single numeric references (astral ones too)', () => {
    const text = serializeForEncryption(xml('a', {}, 'é🎉'));
    expect(text).toBe('<a>&#233;&#127881;</a>');
  });

  it('round-trips what the strict parser read from a UTF-8 document', () => {
    const source = `<entry xmlns='http://www.w3.org/2005/Atom'><title type="text">Héllo "world" &amp; 'friends'</title>\n  <content>line one\nline two \\ backslash 🎉</content></entry>`;
    const parsed = parseXmlElement(source, 'source');
    const again = parseXmlElement(serializeForEncryption(parsed), 'serialized');
    expect(canonicalXml(again)).toBe(canonicalXml(parsed));
  });

  it('leaves pure printable ASCII without quotes untouched', () => {
    const element = xml('a', { b: 'c' }, 'plain text');
    expect(serializeForEncryption(element)).toBe(element.toString());
  });

  it('refuses non-ASCII element names', () => {
    const error = thrown(OxpsError, () => serializeForEncryption(xml('entry', {}, xml('café', {}, 'x'))));
    expect(error.code).toBe('INPUT_INVALID');
    expect(error.message).toContain('café');
    expect(error.hint).toMatch(/ASCII/);
  });

  it('refuses non-ASCII attribute names', () => {
    expect(() => serializeForEncryption(xml('a', { 'n\u00e4me': 'x' }))).toThrow(OxpsError);
  });

  it('refuses a non-ASCII root element name', () => {
    expect(() => serializeForEncryption(xml('日本', {}))).toThrow(/not ASCII/);
  });
});
