import { describe, expect, it } from 'vitest';
import xml from '@xmpp/xml';
import { defaultConfigurationIq, parseAccessModels } from '../../../../src/protocol/pubsub/defaultConfig.js';
import { NS } from '../../../../src/protocol/namespaces.js';

const answer = (...fields: ReturnType<typeof xml>[]) =>
  xml(
    'iq',
    { type: 'result' },
    xml(
      'pubsub',
      { xmlns: NS.pubsubOwner },
      xml('default', {}, xml('x', { xmlns: NS.dataForms, type: 'form' }, ...fields)),
    ),
  );

describe('XEP-0060 §8.3 default node configuration', () => {
  it('asks the service for its default configuration', () => {
    expect(defaultConfigurationIq('alice@example.org').toString()).toBe(
      `<iq type="get" to="alice@example.org"><pubsub xmlns="${NS.pubsubOwner}"><default/></pubsub></iq>`,
    );
  });

  it('reads the access models the form offers (XEP-0060 example 150)', () => {
    const field = xml(
      'field',
      { var: 'pubsub#access_model', type: 'list-single' },
      xml('value', {}, 'open'),
      ...['authorize', 'open', 'presence', 'roster', 'whitelist'].map((v) =>
        xml('option', {}, xml('value', {}, v)),
      ),
    );
    expect(parseAccessModels(answer(xml('field', { var: 'pubsub#title' }), field))).toEqual([
      'authorize',
      'open',
      'presence',
      'roster',
      'whitelist',
    ]);
  });

  it('gives undefined when the form has no access model field', () => {
    expect(parseAccessModels(answer(xml('field', { var: 'pubsub#title' })))).toBeUndefined();
    expect(parseAccessModels(xml('iq', { type: 'result' }))).toBeUndefined();
  });
});
