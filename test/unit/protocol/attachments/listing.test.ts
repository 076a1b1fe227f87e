// Which items have an attachments node, from the service's node listing (disco#items).
import { describe, expect, it } from 'vitest';
import xml from '@xmpp/xml';
import {
  LISTING_MAY_BE_CUT_AT,
  parseAttachmentsListing,
} from '../../../../src/protocol/attachments/listing.js';
import { attachmentsNodeName } from '../../../../src/protocol/attachments/nodeName.js';

const SERVICE = 'alice@localhost';
const NODE = 'urn:xmpp:microblog:0';
const DISCO_ITEMS = 'http://jabber.org/protocol/disco#items';

const listing = (nodes: string[], ...extra: ReturnType<typeof xml>[]) =>
  xml(
    'iq',
    { type: 'result' },
    xml(
      'query',
      { xmlns: DISCO_ITEMS },
      ...nodes.map((node) => xml('item', { jid: SERVICE, node })),
      ...extra,
    ),
  );

describe('#14.3 attachments listing', () => {
  it("#14.3 names the node's items that have an attachments node, and no other node's", () => {
    const parsed = parseAttachmentsListing(
      listing([
        NODE,
        'urn:xmpp:openpgp:0:public-keys',
        attachmentsNodeName(SERVICE, NODE, 'first post'),
        attachmentsNodeName(SERVICE, NODE, 'é/2'),
        attachmentsNodeName(SERVICE, 'urn:example:other', 'x'),
        attachmentsNodeName('bob@localhost', NODE, 'y'),
        'urn:xmpp:pubsub-attachments:1/xmpp:alice@localhost?;node=broken%ZZ;item=z',
      ]),
      'Alice@localhost',
      NODE,
    );
    expect(parsed).toEqual({ attached: new Set(['first post', 'é/2']) });
  });

  it('#14.3 a listing that is paged or may have been cut short (ejabberd: 100 nodes, silently) cannot tell', () => {
    const rsm = xml('set', { xmlns: 'http://jabber.org/protocol/rsm' }, xml('count', {}, '500'));
    expect(parseAttachmentsListing(listing([NODE], rsm), SERVICE, NODE)).toMatchObject({
      unusable: expect.stringContaining('RSM'),
    });
    const many = Array.from({ length: LISTING_MAY_BE_CUT_AT }, (_, i) =>
      attachmentsNodeName(SERVICE, NODE, `i${i}`),
    );
    expect(parseAttachmentsListing(listing(many), SERVICE, NODE)).toMatchObject({
      unusable: expect.stringContaining('cut short'),
    });
    expect(parseAttachmentsListing(listing(many.slice(1)), SERVICE, NODE)).toMatchObject({
      attached: expect.any(Set),
    });
    expect(parseAttachmentsListing(xml('iq', { type: 'result' }), SERVICE, NODE)).toMatchObject({
      unusable: expect.any(String),
    });
  });
});
