import { describe, expect, it } from 'vitest';
import type { Element } from '@xmpp/xml';
import { MAX_STANZA_DEPTH, StrictStreamParser } from '../../../src/xmpp/strictParser.js';
import { nestingDepth } from '../../../src/protocol/xml.js';
import { parseItemsResult } from '../../../src/protocol/pubsub/items.js';

const STREAM_OPEN = `<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' from='localhost' id='abc' version='1.0' xml:lang='en'>`;
const FEATURES = `<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'><required/></starttls></stream:features>`;
const MESSAGE = `<message from='alice@localhost/r' to='bob@localhost' id='m1'><body>Héllo &amp; 🎉</body></message>`;
const IQ = `<iq type='result' id='i1'><pubsub xmlns='http://jabber.org/protocol/pubsub'><items node='n'><item id='a'/></items></pubsub></iq>`;

interface Recorded {
  starts: Element[];
  elements: Element[];
  ends: Element[];
  errors: Error[];
}

function record(parser: StrictStreamParser): Recorded {
  const recorded: Recorded = { starts: [], elements: [], ends: [], errors: [] };
  parser.on('start', (e: Element) => recorded.starts.push(e));
  parser.on('element', (e: Element) => recorded.elements.push(e));
  parser.on('end', (e: Element) => recorded.ends.push(e));
  parser.on('error', (e: Error) => recorded.errors.push(e));
  return recorded;
}

function checkStream(r: Recorded): void {
  expect(r.errors).toEqual([]);
  expect(r.starts).toHaveLength(1);
  const root = r.starts[0]!;
  expect(root.name).toBe('stream:stream');
  expect(root.attrs.id).toBe('abc');
  expect(root.attrs['xmlns:stream']).toBe('http://etherx.jabber.org/streams');
  expect(r.elements.map((e) => e.name)).toEqual(['stream:features', 'message', 'iq']);
  for (const element of r.elements) expect(element.parent).toBe(root);
  expect(root.children).toEqual([]);
  const [features, message, iq] = r.elements as [Element, Element, Element];
  expect(features.getChild('starttls')?.getChild('required')).toBeDefined();
  expect(message.getChildText('body')).toBe('Héllo & 🎉');
  expect(message.attrs.from).toBe('alice@localhost/r');
  expect(message.getNS()).toBe('jabber:client');
  expect(iq.getChild('pubsub')?.getChild('items')?.getChild('item')?.attrs.id).toBe('a');
}

describe('StrictStreamParser', () => {
  it("emits 'start' for the stream header and 'element' for each top-level stanza", () => {
    const parser = new StrictStreamParser();
    const r = record(parser);
    parser.write(STREAM_OPEN);
    expect(r.starts).toHaveLength(1);
    expect(r.elements).toHaveLength(0);
    parser.write(FEATURES + MESSAGE + IQ);
    checkStream(r);
    expect(r.ends).toHaveLength(0);
  });

  it("emits 'end' when the stream closes", () => {
    const parser = new StrictStreamParser();
    const r = record(parser);
    parser.write(STREAM_OPEN + MESSAGE + '</stream:stream>');
    expect(r.ends).toHaveLength(1);
    expect(r.ends[0]!.name).toBe('stream:stream');
    expect(r.ends[0]).toBe(r.starts[0]);
    expect(r.errors).toEqual([]);
  });

  it('does not emit nested elements as stanzas', () => {
    const parser = new StrictStreamParser();
    const r = record(parser);
    parser.write(STREAM_OPEN + IQ);
    expect(r.elements).toHaveLength(1);
    expect(r.elements[0]!.name).toBe('iq');
  });

  it('gives the same result when the input arrives one character at a time', () => {
    const parser = new StrictStreamParser();
    const r = record(parser);
    const input = STREAM_OPEN + FEATURES + MESSAGE + IQ;
    for (const char of input) parser.write(char);
    checkStream(r);
  });

  it('gives the same result for arbitrary chunk boundaries', () => {
    const input = STREAM_OPEN + FEATURES + MESSAGE + IQ;
    for (const size of [2, 3, 5, 7, 13, 64]) {
      const parser = new StrictStreamParser();
      const r = record(parser);
      for (let i = 0; i < input.length; i += size) parser.write(input.slice(i, i + size));
      checkStream(r);
    }
  });

  it('accepts Buffers holding whole UTF-8 characters', () => {
    const parser = new StrictStreamParser();
    const r = record(parser);
    parser.write(Buffer.from(STREAM_OPEN, 'utf8'));
    parser.write(Buffer.from(FEATURES + MESSAGE, 'utf8'));
    parser.write(Buffer.from(IQ, 'utf8'));
    checkStream(r);
  });

  it('#12.7 cuts a stanza nested 3,000 levels deep at 128 levels, and goes on with the stream', () => {
    const parser = new StrictStreamParser();
    const r = record(parser);
    const deep = '<a>'.repeat(3000) + 'text' + '</a>'.repeat(3000);
    parser.write(
      STREAM_OPEN +
        `<iq type='result' id='deep'><pubsub xmlns='http://jabber.org/protocol/pubsub'><items node='n'><item id='x'>${deep}</item></items></pubsub></iq>` +
        MESSAGE,
    );
    expect(r.errors).toEqual([]);
    expect(r.elements.map((e) => e.name)).toEqual(['iq', 'message']);
    const [iq] = r.elements as [Element];
    expect(MAX_STANZA_DEPTH).toBe(128);
    expect(nestingDepth(iq)).toBe(128);
    expect(iq.toString().length).toBeLessThan(2000);
    expect(parseItemsResult(iq).items[0]!.problem).toBe('item payload is nested deeper than 64 levels');
  });

  it("emits 'error' for a DOCTYPE inside the stream, once, and stops", () => {
    const parser = new StrictStreamParser();
    const r = record(parser);
    parser.write(STREAM_OPEN);
    parser.write(`<!DOCTYPE message [<!ENTITY x "boom">]>`);
    parser.write(MESSAGE);
    expect(r.errors).toHaveLength(1);
    expect(r.elements).toHaveLength(0);
  });

  it("emits 'error' for a DOCTYPE before the stream header", () => {
    const parser = new StrictStreamParser();
    const r = record(parser);
    parser.write(`<?xml version='1.0'?><!DOCTYPE stream:stream [<!ENTITY x "boom">]>`);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]!.message).toMatch(/DOCTYPE/);
    parser.write(STREAM_OPEN.replace(`<?xml version='1.0'?>`, '') + MESSAGE);
    expect(r.starts).toHaveLength(0);
    expect(r.elements).toHaveLength(0);
  });

  it("emits 'error' for an undeclared entity in a stanza and ignores every later write", () => {
    const parser = new StrictStreamParser();
    const r = record(parser);
    parser.write(STREAM_OPEN + `<message><body>&xxe;`);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]!.message).toMatch(/undefined entity/);
    parser.write(`</body></message>`);
    parser.write(MESSAGE);
    expect(r.errors).toHaveLength(1);
    expect(r.elements).toHaveLength(0);
  });

  it("emits 'error' for a processing instruction inside the stream", () => {
    const parser = new StrictStreamParser();
    const r = record(parser);
    parser.write(STREAM_OPEN + `<?evil data?>` + MESSAGE);
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]!.message).toMatch(/processing instruction/);
    expect(r.elements).toHaveLength(0);
  });

  it("emits 'error' for mismatched tags", () => {
    const parser = new StrictStreamParser();
    const r = record(parser);
    parser.write(STREAM_OPEN + `<message></iq>`);
    expect(r.errors).toHaveLength(1);
  });

  it('end(data) writes the final data', () => {
    const parser = new StrictStreamParser();
    const r = record(parser);
    parser.write(STREAM_OPEN);
    parser.end(MESSAGE + '</stream:stream>');
    expect(r.elements).toHaveLength(1);
    expect(r.ends).toHaveLength(1);
  });
});
