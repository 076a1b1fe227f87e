import { describe, expect, it } from 'vitest';
import xml from '@xmpp/xml';
import {
  buildSignatureElement,
  buildSignData,
  MalformedSignature,
  parseSignatureElement,
  signedBytes,
} from '../../../../src/protocol/signing/signData.js';
import { canonicalize } from '../../../../src/protocol/signing/c14n2.js';
import { parseXmlElement } from '../../../../src/protocol/xml.js';
import { lxmlAvailable, lxmlCanonicalize } from '../../../helpers/lxml.js';
import { liberviaSignature, signingFixture as fixture } from '../../../helpers/signingFixtures.js';

describe('#13.2 signed data (XEP-0475)', () => {
  it('#13.2 rebuilds the exact bytes Libervia signed from the decrypted plaintext', () => {
    const payload = parseXmlElement(fixture('plaintext.xml'), 'plaintext');
    const item = xml('item', { id: 'signed-sealed-6-5N', publisher: 'alice@localhost' }, payload);
    const bytes = signedBytes({
      service: 'alice@localhost',
      stamp: new Date('2026-12-05T06:51:57Z'),
      signer: 'alice@localhost',
      item,
    });
    expect(Buffer.from(bytes).toString('utf8')).toBe(fixture('signed-data.c14n2.xml'));
  });

  it.runIf(lxmlAvailable())(
    '#13.2 signs an item parsed from a stanza with its inherited namespaces, as Libervia serialises it',
    () => {
      const stanza = parseXmlElement(
        `<iq xmlns='jabber:client' xmlns:a='urn:a' type='result'><pubsub xmlns='http://jabber.org/protocol/pubsub'><items node='n'><item id='x' publisher='alice@localhost' extra='kept'><a:post xmlns:b='urn:b' b:k='v'>  text <a:more/> </a:post></item></items></pubsub></iq>`,
        'stanza',
      );
      const item = stanza.getChild('pubsub')!.getChild('items')!.getChild('item')!;
      const signData = buildSignData({
        service: 'pubsub.example',
        stamp: new Date('2026-01-02T03:04:05.678Z'),
        signer: 'alice@localhost',
        item,
      });
      const [expected] = lxmlCanonicalize([
        {
          xml: `<sign-data xmlns='urn:xmpp:pubsub-signing:0'><to jid='pubsub.example'/><time stamp='2026-01-02T03:04:05Z'/><signer>alice@localhost</signer><item xmlns='http://jabber.org/protocol/pubsub' extra='kept'><a:post xmlns:a='urn:a' xmlns:b='urn:b' b:k='v'>  text <a:more/> </a:post></item></sign-data>`,
        },
      ]);
      expect(canonicalize(signData)).toBe((expected as { c14n: string }).c14n);
      // the stanza is left as it was
      expect(item.attrs.id).toBe('x');
      expect(item.getChildElements()[0]!.parent).toBe(item);
    },
  );

  it('#13.2 reads the <signature/> Libervia publishes', () => {
    const signature = parseSignatureElement(liberviaSignature());
    expect(signature.signer).toBe('alice@localhost');
    expect(signature.stampText).toBe('2026-12-05T06:51:57Z');
    expect(signature.stamp.toISOString()).toBe('2026-12-05T06:51:57.000Z');
    expect(signature.signatureBase64).toMatch(/^iQGzBAAB/);
  });

  it('#13.2 builds a <signature/> that reads back the same', () => {
    const built = buildSignatureElement({
      stamp: new Date('2026-12-05T06:51:57Z'),
      signer: 'bob@example.org',
      signatureBase64: 'AAAA',
    });
    expect(built.toString()).toBe(
      `<signature xmlns="urn:xmpp:pubsub-signing:0"><time stamp="2026-12-05T06:51:57Z"/><signer>bob@example.org</signer><sign xmlns="urn:xmpp:pubsub-signing:openpgp:0">AAAA</sign></signature>`,
    );
    const reparsed = parseSignatureElement(parseXmlElement(built.toString(), 'built'));
    expect(reparsed).toMatchObject({ signer: 'bob@example.org', signatureBase64: 'AAAA' });
  });

  const signature = (inner: string) =>
    parseXmlElement(`<signature xmlns='urn:xmpp:pubsub-signing:0'>${inner}</signature>`, 'signature');
  const time = `<time stamp='2026-12-05T06:51:57Z'/>`;
  const signer = `<signer>alice@localhost</signer>`;
  const sign = (text: string) => `<sign xmlns='urn:xmpp:pubsub-signing:openpgp:0'>${text}</sign>`;

  it.each([
    ['no time', `${signer}${sign('AAAA')}`, /time/],
    ['two times', `${time}${time}${signer}${sign('AAAA')}`, /2 <time/],
    ['a bad stamp', `<time stamp='yesterday'/>${signer}${sign('AAAA')}`, /date-time/],
    ['two signers', `${time}${signer}<signer>bob@localhost</signer>${sign('AAAA')}`, /2 <signer/],
    ['a full JID as signer', `${time}<signer>alice@localhost/res</signer>${sign('AAAA')}`, /bare JID/],
    ['an empty signer', `${time}<signer/>${sign('AAAA')}`, /bare JID/],
    ['no OpenPGP sign', `${time}${signer}<sign xmlns='urn:other'>AAAA</sign>`, /no OpenPGP/],
    ['a huge signature', `${time}${signer}${sign('A'.repeat(100_000))}`, /larger than/],
    ['bad base64', `${time}${signer}${sign('!!!!')}`, /base64/],
  ])('#13.2 refuses a signature with %s', (_what, inner, message) => {
    expect(() => parseSignatureElement(signature(inner))).toThrow(MalformedSignature);
    expect(() => parseSignatureElement(signature(inner))).toThrow(message);
  });
});
