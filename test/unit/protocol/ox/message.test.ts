import { describe, expect, it } from 'vitest';
import { oxMessage } from '../../../../src/protocol/ox/message.js';
import { parseOpenpgpElement } from '../../../../src/protocol/ox/openpgpElement.js';
import { NS } from '../../../../src/protocol/namespaces.js';

describe('OX message stanza', () => {
  it('#16.2 is a message without type or body, <openpgp/> a direct child, with the store hint and the EME tag', () => {
    const message = oxMessage('bob@example.org', new Uint8Array([1, 2, 3]));
    expect(message.name).toBe('message');
    expect(message.attrs.to).toBe('bob@example.org');
    expect(message.attrs.type).toBeUndefined();
    expect(message.attrs.id).toMatch(/^[\w-]{12}$/);
    expect(message.getChild('body')).toBeUndefined();
    expect([...parseOpenpgpElement(message.getChild('openpgp', NS.ox)!)]).toEqual([1, 2, 3]);
    expect(message.getChild('store', NS.hints)).toBeDefined();
    expect(message.getChild('encryption', NS.eme)?.attrs).toMatchObject({
      namespace: NS.ox,
      name: 'OpenPGP for XMPP',
    });
  });
});
