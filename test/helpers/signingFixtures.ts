// The Libervia 0.9 signing vector (test/fixtures/signing, from the interop samples 40 and 41).
import { readFileSync } from 'node:fs';
import { parseXmlElement, type Element } from '../../src/protocol/xml.js';

export function signingFixture(name: string): string {
  return readFileSync(new URL(`../fixtures/signing/${name}`, import.meta.url), 'utf8');
}

/** The <attachments/> payload of Libervia's signature item, as our parser gives it (inside its IQ). */
export function liberviaAttachments(): Element {
  const iq = parseXmlElement(signingFixture('publish-signature.xml'), 'fixture');
  return iq.getChild('pubsub')!.getChild('publish')!.getChild('item')!.getChild('attachments')!;
}

/** The <signature/> element of Libervia's signature item. */
export function liberviaSignature(): Element {
  return liberviaAttachments().getChildElements()[0]!;
}
