import { describe, expect, it } from 'vitest';
import { availablePresence, clientDiscoInfo } from '../../../src/protocol/client.js';
import { NS } from '../../../src/protocol/namespaces.js';

describe('what oxps says about itself', () => {
  it('#16.2 announces an available presence with priority 0', () => {
    expect(availablePresence().toString()).toBe('<presence><priority>0</priority></presence>');
  });

  it('#16.2 answers disco#info as a client that speaks OX and OXPS', () => {
    const query = clientDiscoInfo();
    expect(query.is('query', NS.discoInfo)).toBe(true);
    expect(query.getChild('identity')?.attrs).toEqual({ category: 'client', type: 'pc', name: 'oxps' });
    expect(query.getChildren('feature').map((f) => f.attrs.var)).toEqual([
      NS.discoInfo,
      NS.ox,
      NS.oxps,
      'urn:xmpp:ping',
    ]);
  });
});
