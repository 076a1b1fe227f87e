import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { canonicalize, C14nError } from '../../../../src/protocol/signing/c14n2.js';
import { parseXmlElement, type Element } from '../../../../src/protocol/xml.js';
import { lxmlAvailable, lxmlCanonicalize, type LxmlCase } from '../../../helpers/lxml.js';

const fixture = (name: string) =>
  readFileSync(new URL(`../../../fixtures/signing/${name}`, import.meta.url), 'utf8');

/** Documents lxml and we must canonicalise to the same bytes. */
const DOCUMENTS: string[] = [
  `<a/>`,
  `<a b='1' a='2'>text</a>`,
  `<a xmlns='urn:x'><b/><c xmlns='urn:y'><d/></c></a>`,
  `<p:a xmlns:p='urn:p'><p:b/><c/></p:a>`,
  `<a xmlns='urn:x' xmlns:p='urn:p' xmlns:unused='urn:unused'><p:b/><b/></a>`,
  `<a xmlns='urn:x'><b xmlns='urn:x'><c xmlns='urn:x'/></b></a>`,
  `<a xmlns:p='urn:p'><b xmlns:p='urn:p'><p:c xmlns:p='urn:p'/></b></a>`,
  `<a xmlns:p='urn:p' xmlns:q='urn:p'><q:b/><p:c/></a>`,
  `<a xmlns:p='urn:p'><p:b xmlns:p='urn:other'/><p:c/></a>`,
  `<a xmlns='urn:x'><b xmlns=''><c/></b></a>`,
  `<a xmlns='urn:x'><b xmlns='' attr='1'/></a>`,
  `<a xmlns:z='urn:z' xmlns:b='urn:b' xmlns:a='urn:a' z:x='1' a:y='2' b:w='3' plain='4' Alpha='5'/>`,
  `<a xmlns:p='urn:a' xmlns:q='urn:ab' p:z='1' q:c='2'/>`,
  `<a xmlns='u' xmlns:p='u' p:k='1'><b xmlns:q='v' q:x='1' y='2'/></a>`,
  `<a t='&lt;&amp;&gt;&quot;&apos;' n='line&#10;tab&#9;cr&#13;'>&lt;&amp;&gt;"'</a>`,
  `<a>  padded  <b> inner </b>  tail  </a>`,
  `<a>\n  <b>x</b>\n  <c>\n    <d/>\n  </c>\n</a>`,
  `<a xml:space='preserve'>  kept  <b> kept too </b><c xml:space='default'>  trimmed  </c></a>`,
  `<a xml:lang='fr'><b xml:lang='en'>hello</b></a>`,
  `<a><![CDATA[<not> & markup]]> after</a>`,
  `<a>before<![CDATA[ cdata ]]>after</a>`,
  `<a>é ü 中文 😀 \u00a0nbsp\u00a0</a>`,
  `<a>\u2003em spaces\u2003</a>`,
  `<a>\u0085next line\u0085</a>`,
  `<a>\ufeffbom\ufeff</a>`,
  `<a b='é😀' c='\u00a0'/>`,
  `<a>x<!-- comment -->y</a>`,
  `<a>x <!-- comment --> y</a>`,
  `<a>x&#13;y</a>`,
  `<a>one\r\ntwo</a>`,
  `<a>&#x1F600;&#233;</a>`,
  `<a b='1'   c = "2"></a>`,
  `<entry xmlns='http://www.w3.org/2005/Atom'><title type='xhtml'><div xmlns='http://www.w3.org/1999/xhtml'><p>a <b>bold</b> word</p></div></title></entry>`,
  `<a xmlns:x='urn:x'><x:b x:attr='1' attr='2'/></a>`,
  `<item xmlns='http://jabber.org/protocol/pubsub'><entry xmlns='http://www.w3.org/2005/Atom'><author><name>alice</name></author></entry></item>`,
  `<a xmlns:p='urn:p'><p:b><c xmlns='urn:p'/></p:b></a>`,
  `<a xmlns='urn:p' xmlns:p='urn:p'><p:b/><b/></a>`,
  `<a xmlns:html='http://www.w3.org/1999/xhtml'><html:p/></a>`,
  `<a xmlns:xsl='urn:other'><xsl:b/></a>`,
  `<a><b/><b/><b>  </b><b>\t</b></a>`,
];

describe('#13.3 C14N 2.0 as lxml writes it', () => {
  it.runIf(lxmlAvailable())('#13.3 canonicalises varied documents byte for byte as python3-lxml does', () => {
    const expected = lxmlCanonicalize(DOCUMENTS.map((xml) => ({ xml })));
    DOCUMENTS.forEach((xml, index) => {
      const reference = expected[index]!;
      if (!('c14n' in reference)) throw new Error(`lxml refused ${xml}: ${reference.error}`);
      expect(canonicalize(parseXmlElement(xml, 'test')), xml).toBe(reference.c14n);
    });
  });

  it.runIf(lxmlAvailable())(
    '#13.3 canonicalises elements taken from a parsed stanza (namespaces declared on ancestors)',
    () => {
      const stanza = `<iq xmlns='jabber:client' xmlns:a='urn:a' type='result'><pubsub xmlns='http://jabber.org/protocol/pubsub' xmlns:b='urn:b'><items node='n'><item id='1'><a:x b:y='1'><z/></a:x></item><item id='2'><plain>text</plain></item><item id='3'><entry xmlns='http://www.w3.org/2005/Atom'><title>t</title></entry></item></items></pubsub></iq>`;
      const paths = [[0, 0, 0, 0], [0, 0, 1, 0], [0, 0, 2, 0], [0, 0, 0], [0]];
      const expected = lxmlCanonicalize(paths.map((path): LxmlCase => ({ xml: stanza, path })));
      const root = parseXmlElement(stanza, 'test');
      paths.forEach((path, index) => {
        const reference = expected[index]!;
        if (!('c14n' in reference)) throw new Error(reference.error);
        let element: Element = root;
        for (const i of path) element = element.getChildElements()[i]!;
        expect(canonicalize(element), path.join('/')).toBe(reference.c14n);
      });
    },
  );

  it.runIf(lxmlAvailable())('#13.3 canonicalises big and deep documents like lxml', () => {
    const wide = `<a>${Array.from({ length: 2000 }, (_, i) => `<b n='${i}'> ${i} </b>`).join('\n')}</a>`;
    const deep = `${'<d>'.repeat(60)}x${'</d>'.repeat(60)}`;
    const expected = lxmlCanonicalize([{ xml: wide }, { xml: deep }]);
    expect(canonicalize(parseXmlElement(wide, 'test'))).toBe((expected[0] as { c14n: string }).c14n);
    expect(canonicalize(parseXmlElement(deep, 'test'))).toBe((expected[1] as { c14n: string }).c14n);
  });

  it('#13.3 gives exactly the bytes Libervia signed (41-signing-vector)', () => {
    const plaintext = fixture('plaintext.xml');
    const wrapped = `<sign-data xmlns='urn:xmpp:pubsub-signing:0'><to jid='alice@localhost'/><time stamp='2026-12-05T06:51:57Z'/><signer>alice@localhost</signer><item xmlns='http://jabber.org/protocol/pubsub'>${plaintext}</item></sign-data>`;
    expect(canonicalize(parseXmlElement(wrapped, 'test'))).toBe(fixture('signed-data.c14n2.xml'));
  });

  it('#13.3 refuses an undeclared prefix (lxml would not parse it)', () => {
    expect(() => canonicalize(parseXmlElement(`<p:a/>`, 'test'))).toThrow(C14nError);
    expect(() => canonicalize(parseXmlElement(`<a p:b='1'/>`, 'test'))).toThrow(C14nError);
  });
});
