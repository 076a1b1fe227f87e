import { describe, expect, it } from 'vitest';
import xml from '@xmpp/xml';
import { entityTimeIq, parseEntityTime, NS_TIME } from '../../../src/protocol/entityTime.js';

describe('XEP-0202 entity time', () => {
  it('asks the entity for its time', () => {
    expect(entityTimeIq('example.org').toString()).toBe(
      `<iq type="get" to="example.org"><time xmlns="${NS_TIME}"/></iq>`,
    );
  });

  it('reads the UTC time of the answer (XEP-0202 §3 example, and a fraction of a second)', () => {
    const answer = (utc: string) =>
      xml(
        'iq',
        { type: 'result' },
        xml('time', { xmlns: NS_TIME }, xml('tzo', {}, '-06:00'), xml('utc', {}, utc)),
      );
    expect(parseEntityTime(answer('2006-12-19T17:58:35Z'))?.toISOString()).toBe('2006-12-19T17:58:35.000Z');
    expect(parseEntityTime(answer('2024-02-29T23:59:59.250Z'))?.toISOString()).toBe(
      '2024-02-29T23:59:59.250Z',
    );
  });

  it('gives undefined for an answer without a valid time', () => {
    expect(parseEntityTime(xml('iq', { type: 'result' }))).toBeUndefined();
    expect(
      parseEntityTime(
        xml('iq', { type: 'result' }, xml('time', { xmlns: NS_TIME }, xml('utc', {}, 'yesterday'))),
      ),
    ).toBeUndefined();
  });
});
