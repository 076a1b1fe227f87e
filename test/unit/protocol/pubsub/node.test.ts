import { describe, expect, it } from 'vitest';
import xml from '@xmpp/xml';
import { parseAffiliations, readingAffiliates } from '../../../../src/protocol/pubsub/node.js';
import { NS } from '../../../../src/protocol/namespaces.js';

function affiliationsResult(entries: Array<Record<string, string>>) {
  return xml(
    'iq',
    { type: 'result' },
    xml(
      'pubsub',
      { xmlns: NS.pubsubOwner },
      xml('affiliations', { node: 'n' }, ...entries.map((attrs) => xml('affiliation', attrs))),
    ),
  );
}

describe('node affiliations', () => {
  it('#18.1 readers are the owners, publishers and members, as bare JIDs, ourselves left out', () => {
    const affiliations = parseAffiliations(
      affiliationsResult([
        { jid: 'me@example.org', affiliation: 'owner' },
        { jid: 'Bob@Example.org', affiliation: 'member' },
        { jid: 'carol@example.org', affiliation: 'publisher' },
        { jid: 'co@example.org', affiliation: 'owner' },
        { jid: 'poster@example.org', affiliation: 'publish-only' },
        { jid: 'ex@example.org', affiliation: 'outcast' },
        { jid: 'gone@example.org', affiliation: 'none' },
      ]),
    );
    expect(readingAffiliates(affiliations, 'me@example.org')).toEqual([
      'bob@example.org',
      'carol@example.org',
      'co@example.org',
    ]);
  });

  it('#18.1 leaves out entries with an unknown affiliation or a JID one cannot send a secret to', () => {
    const affiliations = parseAffiliations(
      affiliationsResult([
        { jid: 'bob@example.org', affiliation: 'admin' },
        { jid: 'example.org', affiliation: 'member' },
        { jid: 'dan@example.org/phone', affiliation: 'member' },
        { affiliation: 'member' },
      ]),
    );
    expect(affiliations.has('bob@example.org')).toBe(false);
    expect(readingAffiliates(affiliations, 'me@example.org')).toEqual([]);
  });
});
