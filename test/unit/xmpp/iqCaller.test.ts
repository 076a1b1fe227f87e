import { describe, expect, it } from 'vitest';
import xml from '@xmpp/xml';
import { IqCaller, isAnswerFrom, type OwnAddresses } from '../../../src/xmpp/iqCaller.js';
import type { IncomingContext } from '@xmpp/middleware';
import { parseXmlElement } from '../../../src/protocol/xml.js';

const own: OwnAddresses = { bareJid: 'alice@example.org', fullJid: 'alice@example.org/oxps-1' };

describe('isAnswerFrom (RFC 6120 §8.1.2.1)', () => {
  it('#12.11 an IQ without "to" is answered by our server for our account: no from, our bare or full JID', () => {
    expect(isAnswerFrom(undefined, undefined, own)).toBe(true);
    expect(isAnswerFrom(undefined, 'alice@example.org', own)).toBe(true);
    expect(isAnswerFrom(undefined, 'Alice@Example.ORG', own)).toBe(true);
    expect(isAnswerFrom(undefined, 'alice@example.org/oxps-1', own)).toBe(true);
  });

  it('#12.11 an IQ to our bare JID is answered the same way', () => {
    expect(isAnswerFrom('alice@example.org', undefined, own)).toBe(true);
    expect(isAnswerFrom('alice@example.org', 'alice@example.org', own)).toBe(true);
    expect(isAnswerFrom('alice@example.org', 'alice@example.org/oxps-1', own)).toBe(true);
  });

  it('#12.11 nobody else answers for our account: not the domain, another of our resources, another user', () => {
    expect(isAnswerFrom(undefined, 'example.org', own)).toBe(false);
    expect(isAnswerFrom(undefined, 'alice@example.org/phone', own)).toBe(false);
    expect(isAnswerFrom(undefined, 'alice@example.org/OXPS-1', own)).toBe(false);
    expect(isAnswerFrom(undefined, 'mallory@example.org', own)).toBe(false);
    expect(isAnswerFrom('alice@example.org', 'mallory@example.org', own)).toBe(false);
    expect(isAnswerFrom(undefined, 'alice@example.org', { bareJid: own.bareJid })).toBe(true);
    expect(isAnswerFrom(undefined, 'alice@example.org/oxps-1', { bareJid: own.bareJid })).toBe(false);
  });

  it('#12.11 an IQ to anyone else is answered only by that address (case-insensitive up to the resource)', () => {
    expect(isAnswerFrom('bob@example.org', 'bob@example.org', own)).toBe(true);
    expect(isAnswerFrom('bob@example.org', 'BOB@example.org', own)).toBe(true);
    expect(isAnswerFrom('pubsub.example.org', 'pubsub.example.org', own)).toBe(true);
    expect(isAnswerFrom('example.org', 'example.org', own)).toBe(true);
    expect(isAnswerFrom('bob@example.org', undefined, own)).toBe(false);
    expect(isAnswerFrom('bob@example.org', 'alice@example.org', own)).toBe(false);
    expect(isAnswerFrom('bob@example.org', 'mallory@example.org', own)).toBe(false);
    expect(isAnswerFrom('bob@example.org', 'bob@example.org/laptop', own)).toBe(false);
    expect(isAnswerFrom('bob@example.org', 'example.org', own)).toBe(false);
    expect(isAnswerFrom('pubsub.example.org', 'evil.pubsub.example.org', own)).toBe(false);
    expect(isAnswerFrom('bob@example.org/a', 'bob@example.org/A', own)).toBe(false);
  });
});

describe('IqCaller', () => {
  /** A caller whose sent IQs are collected, and a way to deliver incoming stanzas to its route. */
  function harness() {
    const sent: ReturnType<typeof xml>[] = [];
    const caller = new IqCaller({ send: async (iq) => void sent.push(iq) }, () => own);
    const deliver = (text: string): boolean => {
      let passedOn = false;
      caller.route(
        { stanza: parseXmlElement(text, 'test stanza') } as IncomingContext,
        async () => (passedOn = true),
      );
      return passedOn;
    };
    return { sent, caller, deliver };
  }

  it('#12.11 a result with the right id from the wrong sender is passed on, not taken', async () => {
    const { sent, caller, deliver } = harness();
    const answer = caller.request(xml('iq', { type: 'get', to: 'bob@example.org' }), 60_000);
    await Promise.resolve();
    const id = sent[0]!.attrs.id!;
    expect(deliver(`<iq type='result' id='${id}' from='mallory@example.org'><spoofed/></iq>`)).toBe(true);
    expect(
      deliver(
        `<iq type='error' id='${id}'><error type='cancel'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>`,
      ),
    ).toBe(true);
    expect(deliver(`<iq type='result' id='${id}' from='bob@example.org'><genuine/></iq>`)).toBe(false);
    expect((await answer).getChild('genuine')).toBeDefined();
    expect(deliver(`<iq type='result' id='${id}' from='bob@example.org'><again/></iq>`)).toBe(true);
  });

  it('#12.11 an error from the entity asked rejects with its condition; an empty <error/> does not crash', async () => {
    const { sent, caller, deliver } = harness();
    const first = caller.request(xml('iq', { type: 'get', to: 'pubsub.example.org' }), 60_000);
    const second = caller.request(xml('iq', { type: 'get' }), 60_000);
    await Promise.resolve();
    deliver(
      `<iq type='error' id='${sent[0]!.attrs.id}' from='pubsub.example.org'><error type='auth'><forbidden xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>`,
    );
    deliver(`<iq type='error' id='${sent[1]!.attrs.id}'><error/></iq>`);
    await expect(first).rejects.toMatchObject({ condition: 'forbidden', type: 'auth' });
    await expect(second).rejects.toMatchObject({ condition: 'undefined-condition' });
  });

  it('#12.11 ids are 128 random bits, different every time, replacing any id the caller set', async () => {
    const { sent, caller } = harness();
    for (let i = 0; i < 50; i++)
      void caller.request(xml('iq', { type: 'get', id: 'fixed' }), 1).catch(() => undefined);
    await Promise.resolve();
    const ids = sent.map((iq) => iq.attrs.id!);
    expect(new Set(ids).size).toBe(50);
    for (const id of ids) expect(Buffer.from(id, 'base64url')).toHaveLength(16);
  });

  it('#12.11 an unanswered IQ times out with a TimeoutError and forgets its id', async () => {
    const { sent, caller, deliver } = harness();
    await expect(caller.request(xml('iq', { type: 'get', to: 'bob@example.org' }), 1)).rejects.toMatchObject({
      name: 'TimeoutError',
    });
    expect(deliver(`<iq type='result' id='${sent[0]!.attrs.id}' from='bob@example.org'/>`)).toBe(true);
  });
});
